#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine: the Python venv with the package and its dev
# tools, the web UI assets (npm registry), and — for the test suite — the Oxigraph server (PyPI) and
# headless Chromium with its driver (Debian packages), and the W3C test suites (from PyPI sdists, into the
# git-ignored .cache/w3c/: scripts/w3c_suites.sh). Idempotent: a second run only checks.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --dev    runtime + test tools (oxigraph server, chromium, chromium-driver, W3C suites)
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$python" -m venv .venv
fi
stamp=.venv/.keikaku-installed
want="$(sha256sum pyproject.toml | cut -c1-16)-$dev"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages" >&2
  .venv/bin/pip install -q --upgrade pip >/dev/null
  if [ "$dev" = 1 ]; then
    .venv/bin/pip install -q -e '.[dev]'
  else
    .venv/bin/pip install -q -e .
  fi
  echo "$want" > "$stamp"
fi

if [ -f package.json ] && [ -x scripts/build_ui.sh ]; then
  bash scripts/build_ui.sh
fi

if [ "$dev" = 1 ]; then
  bash scripts/w3c_suites.sh
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing chromium, chromium-driver and CJK fonts (Debian)" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
    else
      echo "setup: chromium/chromedriver missing and cannot apt-get here; browser tests will be skipped" >&2
    fi
  fi
fi
