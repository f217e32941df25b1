#!/usr/bin/env bash
# The parity suite: the golden vectors of tests/vectors on the native core
# and the module under wazero (Go), under Node and in headless Chromium (the
# JS package), then cross-runtime decryption: every runtime seals blobs with
# random Ivs into tests/artifacts/parity/, then every runtime opens all of
# them. Last, the vectors that fit the instance API (data operations only:
# modes-*, data-keys) through the Cloudflare Worker's HTTP API in workerd
# (tests/worker's TestParityVectors; PARITY_WORKER=0 skips it).
# Expects `npm ci` done and /usr/bin/chromium installed; builds the module
# if it is missing (the Go test rebuilds it anyway, from source).
# Run from anywhere: bash tests/parity/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/pocketkms.wasm ]]; then
	bash wasm/build.sh
fi
if [[ ! -d node_modules/playwright-core ]]; then
	echo "tests/parity/run.sh: node_modules/playwright-core is missing: run npm ci" >&2
	exit 1
fi
export PARITY_ARTIFACTS="$PWD/tests/artifacts/parity"
rm -rf "$PARITY_ARTIFACTS"
mkdir -p "$PARITY_ARTIFACTS"

echo "== vectors, and sealing with random Ivs"
(cd tests && PARITY_PHASE=seal go test -count=1 ./parity/)
PARITY_PHASE=seal node --test tests/parity/node.test.mjs
PARITY_PHASE=seal node --test tests/parity/browser.test.mjs

echo "== every runtime opens every runtime's blobs"
export PARITY_REQUIRE=native,wazero,node,browser
(cd tests && PARITY_PHASE=open go test -count=1 -run 'TestCrossRuntime' -v ./parity/ | grep -E '^(=== RUN|--- |ok|FAIL|PASS)|opened')
PARITY_PHASE=open node --test tests/parity/node.test.mjs
PARITY_PHASE=open node --test tests/parity/browser.test.mjs

if [[ "${PARITY_WORKER:-1}" != 0 ]]; then
	echo "== the instance-API vectors through the Worker (workerd via wrangler dev)"
	bash tests/worker/run.sh -run 'TestParityVectors' -v | grep -E '^(--- |ok|FAIL|PASS)|through the Worker'
fi
echo "parity: all runtimes agree"
