#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker/ (git-ignored):
#   worker.mjs, wasm_exec.js  the JavaScript entry and Go's JS glue
#   app.wasm                  host/worker for GOOS=js GOARCH=wasm
#   public/                   the playground, repo-root layout (served as static assets)
# and makes host/worker/.dev.vars with a fresh random root key if there is none.
# Prints the bundle size raw and gzip. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/worker

# Local secret for `wrangler dev`: git-ignored, never printed.
bash host/worker/devvars.sh

# Go's wasm_exec.js as syumai/workers patches it (it adds the runtime
# context). The generator empties $out first.
go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$out"
rm -f "$out/worker.mjs" "$out/runtime.mjs" # replaced by ours
cp host/worker/worker.mjs "$out/worker.mjs"

# -s -w: no symbol table or DWARF (not used at run time; saves size).
# POCKETKMS_WORKER_TAGS=pocketkms_testhooks builds the Worker tests/worker
# runs (fault injection it reads from variables, host/worker/testhooks.go);
# deploy.sh and dev.sh build without it.
GOOS=js GOARCH=wasm go build -tags "${POCKETKMS_WORKER_TAGS:-}" -trimpath -ldflags="-s -w" -o "$out/app.wasm" ./host/worker

# The playground, as pocketkms serve and any static server see it.
[ -f build/pocketkms.wasm ] || bash wasm/build.sh
mkdir -p "$out/public/wasm" "$out/public/build"
cp web/index.html "$out/public/"
cp -r web "$out/public/web"
cp -r wasm/js "$out/public/wasm/js"
cp build/pocketkms.wasm "$out/public/build/"

raw=$(cat "$out/app.wasm" "$out/worker.mjs" "$out/wasm_exec.js" | wc -c)
gz=$(tar -C "$out" -cf - app.wasm worker.mjs wasm_exec.js | gzip -9 | wc -c)
echo "worker bundle (app.wasm + worker.mjs + wasm_exec.js): ${raw} bytes raw, ${gz} bytes gzip -9"
echo "  Cloudflare limits: 3 MiB gzip (free plan), 10 MiB gzip (paid); \`npm run worker:deploy -- --dry-run\` prints wrangler's own figure"
