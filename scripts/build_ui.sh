#!/usr/bin/env bash
# Setup step: copy the self-hosted front-end assets from the npm registry into server/static/:
#   - the SPARQL editor (YASGUI) into server/static/yasgui/;
#   - the API docs UI (swagger-ui-dist) into server/static/swagger-ui/ (page /docs);
#   - axe-core stays in node_modules/axe-core/axe.min.js, where the browser accessibility test injects it.
#
#   bash scripts/build_ui.sh
#
# Installs exactly what package-lock.json pins (`npm ci`, install scripts disabled), copies the built
# bundle and stylesheet of @zazuko/yasgui, and records name, version and licence beside them. The
# copied files are generated: git-ignore server/static/yasgui/, server/static/swagger-ui/ and node_modules/.
#
# Nothing is fetched at run time: the bundle's only network calls are the SPARQL endpoint it is given
# (ours), the Linked Open Vocabularies autocompleters and an optional prefix.cc download — the editor
# page (server/static/js/editor.js) switches the last two off, and the page's Content-Security-Policy
# (connect-src 'self') blocks any call to another host anyway. This script fails if the bundle gains
# a network call it does not know about, so an upgrade cannot slip one in.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

PKG=node_modules/@zazuko/yasgui
SRC="$PKG/build"
OUT=server/static/yasgui
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$SRC/yasgui.min.css" "$OUT/yasgui.min.css"
# the source map is not shipped, so drop the comment that points at it
sed -e '/^\/\/# sourceMappingURL=/d' "$SRC/yasgui.min.js" > "$OUT/yasgui.min.js"

# Known network calls of the bundle; anything else makes the build fail.
fetches=$(grep -o 'fetch([A-Za-z0-9_.$]\{0,40\}' "$OUT/yasgui.min.js" | sort -u | tr '\n' ' ')
expected='fetch(c fetch(e.config.prefixCcApi fetch(s fetch(t.toString '
if [ "$fetches" != "$expected" ]; then
  echo "build_ui.sh: the YASGUI bundle makes network calls we have not reviewed:" >&2
  echo "$fetches" >&2
  exit 1
fi
grep -q 'prefixCcApi:null' "$OUT/yasgui.min.js" || { echo "build_ui.sh: prefix.cc download is no longer off by default" >&2; exit 1; }

node -e '
const p = require("./'"$PKG"'/package.json");
console.log(`${p.name} ${p.version}\nlicence: ${p.license}\nhomepage: ${p.homepage}\n` +
  "built by scripts/build_ui.sh from the npm registry (package-lock.json); generated, not committed");
' > "$OUT/VERSION.txt"
echo "YASGUI assets in $OUT:"
ls -l "$OUT"

# --- API docs: Swagger UI (swagger-ui-dist, Apache-2.0; chosen over ReDoc, which has no "try it out", and
# Scalar, several times larger and loading web fonts from its own host by default). Its network calls are
# the OpenAPI document and "try it out" requests, both to the URL our page gives it (same origin), and the
# spec-validator badge (validator.swagger.io), which server/static/js/api-docs.js turns off
# (validatorUrl: null) and the CSP (img-src/connect-src 'self') blocks anyway.
SW=node_modules/swagger-ui-dist
SWOUT=server/static/swagger-ui
rm -rf "$SWOUT"
mkdir -p "$SWOUT"
sed -e '/^\/\*# sourceMappingURL=/d' "$SW/swagger-ui.css" > "$SWOUT/swagger-ui.css"
sed -e 's|//# sourceMappingURL=swagger-ui-bundle.js.map||' "$SW/swagger-ui-bundle.js" > "$SWOUT/swagger-ui-bundle.js"
cp "$SW/LICENSE" "$SWOUT/LICENSE"
cp "$SW/NOTICE" "$SWOUT/NOTICE"
fetches=$(grep -o 'fetch([A-Za-z0-9_.$]\{0,40\}' "$SWOUT/swagger-ui-bundle.js" | sort -u | tr '\n' ' ')
expected='fetch( fetch(s '
if [ "$fetches" != "$expected" ]; then
  echo "build_ui.sh: the Swagger UI bundle makes network calls we have not reviewed:" >&2
  echo "$fetches" >&2
  exit 1
fi
hosts=$(grep -o 'validatorUrl:"[^"]*"' "$SWOUT/swagger-ui-bundle.js" | sort -u | tr '\n' ' ')
if [ "$hosts" != 'validatorUrl:"https://validator.swagger.io/validator" ' ]; then
  echo "build_ui.sh: the Swagger UI validator default changed, review it: $hosts" >&2
  exit 1
fi
node -e '
const p = require("./'"$SW"'/package.json");
console.log(`${p.name} ${p.version}\nlicence: ${p.license}\nhomepage: ${p.homepage || "https://github.com/swagger-api/swagger-ui"}\n` +
  "built by scripts/build_ui.sh from the npm registry (package-lock.json); generated, not committed");
' > "$SWOUT/VERSION.txt"
echo "Swagger UI assets in $SWOUT:"
ls -l "$SWOUT"

# axe-core is only used by the browser test (tests/browser), straight from node_modules.
test -s node_modules/axe-core/axe.min.js || { echo "build_ui.sh: node_modules/axe-core/axe.min.js missing" >&2; exit 1; }
echo "axe-core for the accessibility test: node_modules/axe-core/axe.min.js"
