#!/usr/bin/env bash
# Set up (with the test tools) and run the checks: ruff, then the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
exec .venv/bin/pytest -q "$@"
