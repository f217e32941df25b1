#!/usr/bin/env bash
# End-to-end tests of the playground in Debian's Chromium (/usr/bin/chromium)
# through npm playwright-core. Installs nothing: expects `npm ci` done.
# Builds the module if it is missing. Screenshots go to
# tests/artifacts/screenshots/ (git-ignored; CI keeps them as artifacts).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	echo "tests/browser: no Chromium at ${CHROMIUM:-/usr/bin/chromium} (Debian: apt-get install -y chromium)" >&2
	exit 1
fi
if [ ! -d node_modules/playwright-core ]; then
	echo "tests/browser: node_modules/playwright-core is missing: run npm ci first" >&2
	exit 1
fi
[ -f build/pocketkms.wasm ] || bash wasm/build.sh
# binary.test.mjs: the self-contained binary (make bin) with the module it carries.
CGO_ENABLED=0 go build -trimpath -tags pocketkms_embed -o build/pocketkms-full ./host/cmd/pocketkms
POCKETKMS_FULL_BIN="$PWD/build/pocketkms-full" \
	exec node --test --test-reporter=spec tests/browser/playground.test.mjs tests/browser/binary.test.mjs "$@"
