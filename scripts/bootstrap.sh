#!/usr/bin/env bash
# Installs what Podkowa needs on this machine, idempotently: Debian packages (as root with
# apt; otherwise prints the command), a Python >= 3.11 whose sqlite3 can load SpatiaLite,
# the virtualenv in .venv with the project in it, and compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

# GeoDjango (GDAL, GEOS, PROJ, SpatiaLite), WeasyPrint (pango, fonts with Polish letters),
# gettext for translations, venv for the virtualenv.
SYSTEM_PACKAGES=(gdal-bin libgdal32 libgeos-c1v5 libproj25 libsqlite3-mod-spatialite
  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext python3-venv python3-dev)
SYSTEM_PACKAGES+=(${EXTRA_SYSTEM_PACKAGES:-})

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo ">> installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Podkowa needs these system packages. Run, then try again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# An interpreter whose sqlite3 module can load extensions: Debian's /usr/bin/python3 can;
# pyenv/self-built Pythons often cannot (built without --enable-loadable-sqlite-extensions).
python_ok() {
  "$1" - <<'PY' 2>/dev/null
import sqlite3, sys
assert sys.version_info >= (3, 11)
sqlite3.connect(":memory:").enable_load_extension(True)
PY
}
pick_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(/usr/bin/python3 /usr/bin/python3.13 /usr/bin/python3.12 /usr/bin/python3.11
    python3.13 python3.12 python3.11 python3)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then command -v "$c"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! python_ok .venv/bin/python; then
  if ! py=$(pick_python); then
    cat >&2 <<'MSG'
No Python >= 3.11 whose sqlite3 module can load extensions (needed for SpatiaLite) was found.
Fix: install Debian's Python (`apt-get install python3 python3-venv`), or rebuild your Python
with `--enable-loadable-sqlite-extensions`, then run again (or point PYTHON=/path/to/python).
MSG
    exit 1
  fi
  echo ">> creating .venv with $py ($("$py" --version))"
  rm -rf .venv
  "$py" -m venv .venv
fi

stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo ">> installing Python packages into .venv"
  # (the filter hides a harmless pip warning about this machine's local index folders)
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored: it is neither" || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored: it is neither" || true
  # pip's exit status is hidden by the filter above: check that the install really happened.
  .venv/bin/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('django', 'ninja', 'django_tasks_db', 'playwright', 'pytest_django')))"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# Compiled catalogues are build output (ignored by git), made from the committed .po files.
if find podkowa -name '*.po' | grep -q .; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules
fi
