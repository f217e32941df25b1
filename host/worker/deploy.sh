#!/usr/bin/env bash
# npm run worker:deploy -- [wrangler deploy flags, e.g. --dry-run]
# Builds the Worker and uploads it with the playground assets to your
# Cloudflare account (needs `npx wrangler login` or CLOUDFLARE_API_TOKEN,
# and the one-time set-up in host/worker/README.md, "Deploy to Cloudflare").
# With --dry-run nothing is uploaded: wrangler prints the bundle size it
# would upload, raw and gzip, which is what Cloudflare's limit applies to.
set -euo pipefail
cd "$(dirname "$0")/../.."
POCKETKMS_WORKER_TAGS= bash host/worker/build.sh # never the test hooks
if ! grep -qE '^[[:space:]]*--dry-run' <(printf '%s\n' "$@") &&
	grep -q '^database_id = "00000000-0000-4000-8000-000000000000"' host/worker/wrangler.toml; then
	echo "host/worker/wrangler.toml still has the placeholder database_id: put the id from \`npx wrangler d1 create pocketkms\` there first (host/worker/README.md)" >&2
	exit 2
fi
exec npx wrangler deploy -c host/worker/wrangler.toml "$@"
