#!/usr/bin/env bash
# Builds the pocketkms WebAssembly reactor into build/pocketkms.wasm and
# prints its raw and gzip sizes. Run from anywhere; paths are repo-relative.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" \
	-o build/pocketkms.wasm ./wasm/module
raw=$(wc -c <build/pocketkms.wasm)
gz=$(gzip -9 -c build/pocketkms.wasm | wc -c)
echo "build/pocketkms.wasm: ${raw} bytes raw, ${gz} bytes gzip -9"
