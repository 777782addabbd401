#!/usr/bin/env bash
# Set up, build the graph and serve it on the embedded store (no external server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/keikaku build
exec .venv/bin/keikaku serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
