#!/usr/bin/env bash
# Builds the pocketkms WebAssembly reactor into build/pocketkms.wasm and
# prints its raw and gzip sizes. Run from anywhere; paths are repo-relative.
# The module is written under a temporary name and renamed into place, so
# test packages building it at the same time never read a half-written file.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
tmp="build/.pocketkms.wasm.$$"
trap 'rm -f "$tmp" "$tmp.opt"' EXIT
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" \
	-o "$tmp" ./wasm/module
# binaryen's wasm-opt -Oz shrinks what the Go linker emits by about a
# fifth, which keeps the module within its size budget (README, Figures).
# It takes tens of seconds, so its output is cached under the hash of the
# Go output: an unchanged module costs nothing on the next build. Without
# wasm-opt (or with POCKETKMS_WASM_OPT=0) the Go output is used as is.
if [[ "${POCKETKMS_WASM_OPT:-1}" != 0 ]] && command -v wasm-opt >/dev/null; then
	sum=$(sha256sum "$tmp" | cut -c1-64)
	cached="build/.pocketkms.opt.$sum.wasm"
	# One wasm-opt at a time: test binaries build the module concurrently,
	# and the ones that wait then find the cached result.
	if command -v flock >/dev/null; then
		exec 9>build/.pocketkms.opt.lock
		flock 9
	fi
	if ! cp "$cached" "$tmp.opt" 2>/dev/null; then
		wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
			--enable-mutable-globals "$tmp" -o "$tmp.opt"
		find build -maxdepth 1 -name '.pocketkms.opt.*.wasm' ! -name "${cached#build/}" -delete
		cp "$tmp.opt" "$cached.$$" && mv -f "$cached.$$" "$cached"
	fi
	mv -f "$tmp.opt" "$tmp"
elif [[ "${POCKETKMS_WASM_OPT:-1}" != 0 ]]; then
	echo "wasm/build.sh: no wasm-opt (apt-get install binaryen): the module is not size-optimised" >&2
fi
mv -f "$tmp" build/pocketkms.wasm
raw=$(wc -c <build/pocketkms.wasm)
gz=$(gzip -9 -c build/pocketkms.wasm | wc -c)
echo "build/pocketkms.wasm: ${raw} bytes raw, ${gz} bytes gzip -9"
