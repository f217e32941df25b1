#!/usr/bin/env bash
# Builds the pocketkms WebAssembly reactor into build/pocketkms.wasm and
# prints its raw and gzip sizes. Run from anywhere; paths are repo-relative.
# The module is written under a temporary name and renamed into place, so
# test packages building it at the same time never read a half-written file.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
tmp="build/.pocketkms.wasm.$$"
trap 'rm -f "$tmp"' EXIT
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" \
	-o "$tmp" ./wasm/module
mv -f "$tmp" build/pocketkms.wasm
raw=$(wc -c <build/pocketkms.wasm)
gz=$(gzip -9 -c build/pocketkms.wasm | wc -c)
echo "build/pocketkms.wasm: ${raw} bytes raw, ${gz} bytes gzip -9"
