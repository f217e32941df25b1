#!/usr/bin/env bash
# End-to-end suite: builds the pocketkms binary and the wasm module, then runs
# tests/e2e, which starts the real binary on free loopback ports and drives it
# with the official KMS Instance SDK v0.5.1, once per engine (native, wasm).
# Usage: bash tests/e2e/run.sh [go test flags...]
#        RACE=1 bash tests/e2e/run.sh   (the binary under test built with -race)
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build
go build -trimpath ${RACE:+-race} -o build/pocketkms-e2e ./host/cmd/pocketkms
bash wasm/build.sh
# The self-contained binary `make bin` makes (TestSelfContainedBinary).
CGO_ENABLED=0 go build -trimpath -tags pocketkms_embed -o build/pocketkms-full ./host/cmd/pocketkms
cd tests
POCKETKMS_BIN="$PWD/../build/pocketkms-e2e" \
POCKETKMS_FULL_BIN="$PWD/../build/pocketkms-full" \
POCKETKMS_WASM="$PWD/../build/pocketkms.wasm" \
POCKETKMS_REQUIRE_WASM=1 \
	go test -count=1 "$@" ./e2e/...
