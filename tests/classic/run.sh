#!/usr/bin/env bash
# The classic KMS OpenAPI suite: builds the pocketkms binary, then runs
# tests/classic, which starts it on free loopback ports and drives it with
# Alibaba's classic clients (Go v3 with its three signers, the older
# alibaba-cloud-sdk-go, and @alicloud/kms20160120 under Node).
# Usage: bash tests/classic/run.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -d node_modules/@alicloud/kms20160120 ]]; then
	npm ci --no-audit --no-fund
fi
mkdir -p build
go build -trimpath -o build/pocketkms-classic ./host/cmd/pocketkms
cd tests
POCKETKMS_BIN="$PWD/../build/pocketkms-classic" go test -count=1 "$@" ./classic/...
