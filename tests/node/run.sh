#!/usr/bin/env bash
# Runs the JavaScript package's tests (node --test) against the real module,
# building it first if build/pocketkms.wasm is missing. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/pocketkms.wasm ]]; then
	bash wasm/build.sh
fi
exec node --test --test-concurrency=1 tests/node/*.test.mjs
