#!/usr/bin/env bash
# The whole suite, as CI runs it: SpatiaLite, then PostgreSQL + PostGIS, then the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
# Test tools besides the browser: pdftotext reads receipts back, xmlsec1 cross-checks our
# XML signatures, psql talks to the PostgreSQL server, zbarimg decodes the payment QR codes
# printed on notices.
EXTRA_SYSTEM_PACKAGES="chromium postgresql-client poppler-utils xmlsec1 zbar-tools" bash scripts/bootstrap.sh

# axe-core for the accessibility checks, pinned in package-lock.json.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else echo "Run: sudo apt-get install -y npm" >&2; exit 1; fi
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== lint (ruff)"
.venv/bin/ruff check .

export PODKOWA_TESTING=1 TASKS_IMMEDIATE=1
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)

echo "== unit and integration tests on SpatiaLite"
env -u DATABASE_URL "${PYTEST[@]}" -m "not e2e" "$@"

echo "== the same suite on PostgreSQL + PostGIS"
pg_url=$(bash scripts/postgres.sh)
DATABASE_URL="$pg_url" "${PYTEST[@]}" -m "not e2e" "$@"

echo "== browser tests (Debian chromium, axe-core)"
env -u DATABASE_URL "${PYTEST[@]}" -m e2e "$@"
