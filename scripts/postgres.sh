#!/usr/bin/env bash
# Prints a DATABASE_URL for a PostgreSQL + PostGIS server the tests may use:
#   1. $DATABASE_URL when set;
#   2. the server on 127.0.0.1:5432 when one answers (installing PostGIS for its version);
#   3. otherwise a throwaway cluster under var/pg, started on port 54329.
# Progress goes to stderr, the URL alone to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; exit 0; fi

as_root_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo ">> installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "Run: sudo apt-get install -y ${missing[*]}" >&2; exit 1
  fi
}

pg_version() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$v" ] && echo "$v" || echo 15
}

probe_port=${PG_PROBE_PORT:-5432}
if pg_isready -q -h 127.0.0.1 -p "$probe_port" 2>/dev/null; then
  ver=$(psql -h 127.0.0.1 -U postgres -Atc "show server_version_num" 2>/dev/null | cut -c1-2 || true)
  ver=${ver:-$(pg_version)}
  as_root_apt "postgresql-$ver-postgis-3"
  echo "postgis://postgres@127.0.0.1:5432/podkowa"
  exit 0
fi

# No server answers: a private, throwaway cluster owned by an unprivileged user.
ver=$(pg_version)
as_root_apt "postgresql-$ver" "postgresql-$ver-postgis-3"
bin=/usr/lib/postgresql/$ver/bin
dir=$PWD/var/pg
run_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  run_as "$bin/initdb" -D "$dir" -U postgres -A trust >&2
fi
if ! pg_isready -q -h 127.0.0.1 -p 54329; then
  run_as "$bin/pg_ctl" -D "$dir" -l "$dir/log" -o "-p 54329 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" -w start >&2
fi
echo "postgis://postgres@127.0.0.1:54329/podkowa"
