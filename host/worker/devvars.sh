#!/usr/bin/env bash
# host/worker/devvars.sh [FILE]: makes FILE (default host/worker/.dev.vars,
# git-ignored) with a fresh random POCKETKMS_ROOT_KEY if there is none: the
# local Worker's root key, which seals key material in local D1. Never
# prints the key; an existing file is left alone (its key opens the data).
set -euo pipefail
vars=${1:-$(dirname "$0")/.dev.vars}
if [ ! -f "$vars" ]; then
	(umask 077 && printf 'POCKETKMS_ROOT_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$vars")
	echo "made $vars with a fresh random POCKETKMS_ROOT_KEY (keep it: local D1 data is sealed with it)" >&2
fi
