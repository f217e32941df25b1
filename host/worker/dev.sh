#!/usr/bin/env bash
# npm run worker:dev -- [wrangler dev flags, e.g. --port 8787 --persist-to DIR]
# Builds the Worker, applies the D1 migrations to the local database, and
# runs it in workerd on this machine: offline, no Cloudflare login. Local
# D1 data lives in host/worker/.wrangler/state unless --persist-to says
# otherwise; seed it with `npm run worker:seed -- FILE` (same flag).
set -euo pipefail
cd "$(dirname "$0")/../.."
export WRANGLER_SEND_METRICS=false
persist=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[i]}" in
	--persist-to) persist=(--persist-to "${args[i + 1]:-}") ;;
	--persist-to=*) persist=("${args[i]}") ;;
	esac
done
POCKETKMS_WORKER_TAGS= bash host/worker/build.sh # never the test hooks
# CI=true: apply without the interactive "continue?" prompt (local database only).
CI=true npx wrangler d1 migrations apply DB --local -c host/worker/wrangler.toml "${persist[@]}"
exec npx wrangler dev -c host/worker/wrangler.toml "$@"
