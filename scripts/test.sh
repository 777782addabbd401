#!/usr/bin/env bash
# Set up (with the test tools and the W3C suites) and run the checks: ruff, then the whole pytest suite
# (with the doctests of kg/ and server/, and the 15 slowest tests listed at the end). Arguments go to
# pytest: `bash scripts/test.sh -m "not slow"` is the inner loop (no live servers, browser, fuzz,
# schemathesis or reference-engine runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
exec .venv/bin/pytest -q "$@"
