#!/usr/bin/env bash
# npm run worker:seed -- FILE [--remote] [--persist-to DIR] [--root-key-file FILE] [--config FILE]
# Applies a seed file (docs/seed.md) to the Worker's D1 database: see
# host/worker/d1seed for how (sealed here, uploaded as one guarded batch).
# Relative paths are taken from the directory npm was run in.
#
# For the local database it first does the set-up `worker:dev` does, both
# steps idempotent, so that it works on a fresh checkout: the root key
# (.dev.vars beside the config, unless $POCKETKMS_ROOT_KEY or
# --root-key-file names one) and the D1 migrations. The deployed database is
# migrated by the deploy steps (host/worker/README.md), never from here.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
config="$repo/host/worker/wrangler.toml"
remote=0
keygiven=${POCKETKMS_ROOT_KEY:+1}
persist=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[i]}" in
	--remote | -remote | --remote=true) remote=1 ;;
	--persist-to | -persist-to) persist=(--persist-to "${args[i + 1]:-}") ;;
	--persist-to=* | -persist-to=*) persist=(--persist-to "${args[i]#*=}") ;;
	--root-key-file | -root-key-file | --root-key-file=* | -root-key-file=*) keygiven=1 ;;
	--config | -config) config=${args[i + 1]:-} ;;
	--config=* | -config=*) config=${args[i]#*=} ;;
	esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$repo" && go build -o "$tmp/d1seed" ./host/worker/d1seed)
cd "${INIT_CWD:-$PWD}"
wrangler="$repo/node_modules/.bin/wrangler"
if [ "$remote" = 0 ]; then
	[ -n "$keygiven" ] || bash "$repo/host/worker/devvars.sh" "$(dirname "$config")/.dev.vars"
	# CI=true: no interactive "continue?" prompt (local database only).
	CI=true WRANGLER_SEND_METRICS=false "$wrangler" d1 migrations apply DB --local -c "$config" "${persist[@]}" >&2
fi
POCKETKMS_WRANGLER="$wrangler" "$tmp/d1seed" --config "$repo/host/worker/wrangler.toml" "$@"
