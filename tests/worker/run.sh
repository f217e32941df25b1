#!/usr/bin/env bash
# The Worker end to end: builds it (npm run worker:build), then the Go tests
# of tests/worker start it in workerd through `wrangler dev` on a free
# loopback port with a temporary D1 state, migrate and seed that database,
# and run the official SDK, raw HTTP checks and parity vectors against it;
# workerd is stopped at the end. Offline; needs `npm ci` done once.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x node_modules/.bin/wrangler ] || npm ci
POCKETKMS_WORKER_TAGS=pocketkms_testhooks bash host/worker/build.sh
cd tests
go test -count=1 -timeout 15m ./worker/ "$@"
