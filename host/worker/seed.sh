#!/usr/bin/env bash
# npm run worker:seed -- FILE [--remote] [--persist-to DIR] [--root-key-file FILE]
# Applies a seed file (docs/seed.md) to the Worker's D1 database: see
# host/worker/d1seed for how (sealed here, uploaded as one guarded batch).
# Relative paths are taken from the directory npm was run in.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$repo" && go build -o "$tmp/d1seed" ./host/worker/d1seed)
cd "${INIT_CWD:-$PWD}"
POCKETKMS_WRANGLER="$repo/node_modules/.bin/wrangler" "$tmp/d1seed" --config "$repo/host/worker/wrangler.toml" "$@"
