#!/usr/bin/env bash
# Test setup: the W3C test suites, taken from the source distributions on PyPI of packages that ship
# them, into the git-ignored cache .cache/w3c/ (tests/support/w3c.py reads it; ../shared only as a
# fallback). Called by `scripts/setup.sh --dev`; idempotent: a second run with the same installed
# versions only checks .cache/w3c/SOURCES.txt.
#
#   package (version = the one installed in .venv)   sdist folder                          cache folder
#   rdflib    test/data/suites/w3c/sparql11/<folder>   .cache/w3c/sparql11/<folder>
#             (syntax-query, syntax-update-1/-2, the query-evaluation and update folders) and, of its
#             protocol/ and http-rdf-update/, one file each:
#             protocol/manifest.ttl                    .cache/w3c/sparql11/protocol/manifest.ttl
#               (the 34 SPARQL 1.1 Protocol test IRIs and names, no HTTP requests: the requests are
#                our own encoding, tests/server/w3c_protocol_requests.py)
#             http-rdf-update/tests.txt                .cache/w3c/sparql11/http-rdf-update/tests.txt
#               (the original Graph Store Protocol suite as raw HTTP exchanges, read by
#                tests/support/gsp_text.py; its index.html / tests.html copies are left out)
#   pyshacl   test/resources/sht_tests/core            .cache/w3c/shacl-core
#
# Only these folders are extracted; nothing of the packages' code. The suites are W3C test-suite
# licensed (W3C Test Suite Licence or W3C 3-clause BSD); never commit .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=.cache/w3c
py=.venv/bin/python
version() { "$py" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$1"; }
rdflib_v=$(version rdflib)
pyshacl_v=$(version pyshacl)
want="rdflib ${rdflib_v}: sparql11 <- test/data/suites/w3c/sparql11 (of protocol/ only manifest.ttl, of http-rdf-update/ only tests.txt)
pyshacl ${pyshacl_v}: shacl-core <- test/resources/sht_tests/core"

if [ -f "$cache/SOURCES.txt" ] && [ "$(cat "$cache/SOURCES.txt")" = "$want" ] \
  && [ -f "$cache/sparql11/syntax-query/manifest.ttl" ] && [ -f "$cache/shacl-core/manifest.ttl" ] \
  && [ -f "$cache/sparql11/protocol/manifest.ttl" ] && [ -f "$cache/sparql11/http-rdf-update/tests.txt" ]; then
  exit 0
fi

echo "setup: fetching the W3C test suites (rdflib ${rdflib_v}, pyshacl ${pyshacl_v} sdists) into $cache" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! .venv/bin/pip download -q --no-deps --no-binary :all: \
  "rdflib==${rdflib_v}" "pyshacl==${pyshacl_v}" -d "$tmp" > "$tmp/pip.log" 2>&1; then
  grep -v '^WARNING: Location' "$tmp/pip.log" >&2
  echo "setup: could not download the rdflib/pyshacl sdists from PyPI (the W3C suite tests will fail)" >&2
  exit 1
fi
rdflib_sdist="$tmp/rdflib-${rdflib_v}.tar.gz"
pyshacl_sdist="$tmp/pyshacl-${pyshacl_v}.tar.gz"

rm -rf "$tmp/out" && mkdir -p "$tmp/out/sparql11" "$tmp/out/shacl-core"
# --strip-components: rdflib-X/test/data/suites/w3c/sparql11/ is 6 levels, pyshacl-X/test/resources/sht_tests/core/ 5
tar -xzf "$rdflib_sdist" -C "$tmp/out/sparql11" --strip-components=6 \
  --exclude='*/sparql11/protocol' --exclude='*/sparql11/http-rdf-update' \
  "rdflib-${rdflib_v}/test/data/suites/w3c/sparql11"
tar -xzf "$rdflib_sdist" -C "$tmp/out/sparql11" --strip-components=6 \
  "rdflib-${rdflib_v}/test/data/suites/w3c/sparql11/protocol/manifest.ttl" \
  "rdflib-${rdflib_v}/test/data/suites/w3c/sparql11/http-rdf-update/tests.txt"
tar -xzf "$pyshacl_sdist" -C "$tmp/out/shacl-core" --strip-components=5 \
  "pyshacl-${pyshacl_v}/test/resources/sht_tests/core"
test -f "$tmp/out/sparql11/syntax-query/manifest.ttl"
test -f "$tmp/out/sparql11/protocol/manifest.ttl"
test -f "$tmp/out/sparql11/http-rdf-update/tests.txt"
test -f "$tmp/out/shacl-core/manifest.ttl"

mkdir -p "$cache"
rm -rf "$cache/sparql11" "$cache/shacl-core"
mv "$tmp/out/sparql11" "$tmp/out/shacl-core" "$cache/"
printf '%s\n' "$want" > "$cache/SOURCES.txt"
echo "setup: W3C suites in $cache:" >&2
sed 's/^/  /' "$cache/SOURCES.txt" >&2
