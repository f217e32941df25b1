#!/usr/bin/env bash
# The npm package as published: npm pack (prepack builds the module), then
# an empty project installs the tarball offline and uses it from Node, from
# a browser bundle made by esbuild (in Debian's Chromium) and from tsc --strict.
# Installs nothing: expects `npm ci` done.
set -euo pipefail
cd "$(dirname "$0")/../.."
for m in esbuild typescript playwright-core; do
	[ -d "node_modules/$m" ] || { echo "tests/npm: node_modules/$m is missing: run npm ci first" >&2; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "tests/npm: no Chromium at ${CHROMIUM:-/usr/bin/chromium}" >&2; exit 1; }
exec node --test --test-reporter=spec tests/npm/pack.test.mjs "$@"
