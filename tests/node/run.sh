#!/usr/bin/env bash
# Runs the JavaScript package's tests (node --test) against the real module,
# building it first if build/pocketkms.wasm is missing, and installing the
# locked npm dev dependencies (typescript checks the .d.ts, miniflare runs
# workerd, playwright-core drives Debian's
# /usr/bin/chromium for the IndexedDB test) if they are missing.
# Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/pocketkms.wasm ]]; then
	bash wasm/build.sh
fi
if [[ ! -d node_modules/playwright-core || ! -d node_modules/typescript || ! -d node_modules/miniflare ]]; then
	npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 tests/node/*.test.mjs
