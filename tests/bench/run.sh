#!/usr/bin/env bash
# AdvanceEncrypt 32 B / 1 KiB / 6 KiB ops/s for the native core, the module
# under wazero and the module under Node, side by side (tests/bench/main.go).
# Builds the module if missing; expects `npm ci` done. Flags pass through:
#   bash tests/bench/run.sh [-seconds 0.5] [-rounds 5] [-node=false]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/pocketkms.wasm ]]; then
	bash wasm/build.sh
fi
cd tests
exec go run ./bench "$@"
