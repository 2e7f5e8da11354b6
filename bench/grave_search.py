"""Scenario "grave_search": 200,000 burials, searched over HTTP as people type them.

Builds its own data in a throwaway PostgreSQL + PostGIS database (BENCH_PG_DB, by default
`podkowa_bench_grave_search`, on postgis://postgres@127.0.0.1:5432, created and dropped
here): the demo generator's Polish names (podkowa/cemetery/demo.py), written through the real
bulk services, so the search keys are the ones production writes. Serves the project with
gunicorn (DEBUG=0, BENCH_WORKERS) on a
free loopback port and requests, over keep-alive connections:
  floor:  GET /healthz — the whole middleware stack, no view work;
  search: GET /api/v1/cemetery/search?q=… — generated queries (dropped diacritics, one-letter
          typos, swapped names, maiden names, the other gender's form, years), 10,000 different
          ones for 10,000 different people, so no query is asked twice in a run.
Each of the two is measured twice, BENCH_DURATION seconds each time, in five alternating
rounds (floor, search, floor, search, …, so a busy moment of the shared machine falls on
both): latency (p50, p95) with one client asking one request after another, and throughput
(rps) with BENCH_CLIENTS clients at once. (Latency measured under more clients than
workers would be queueing: by Little's law it is then clients / rps, whatever a request
costs.) Before measuring, BENCH_CLIENTS clients ask a few hundred queries, so every worker
has built its search index, as the first searches after a start or a change of the books do
(the first build is reported).

The peer: the same query strings as a bare pg_trgm similarity query on the surname column
with a GIN trigram index (`surname % q ORDER BY similarity DESC LIMIT 10`), over one direct
psycopg connection — no HTTP, no Django. `ratio_vs_pg_trgm` = our median latency over its
median; `ratio_vs_floor` = our search rps over the floor's rps in the same run, both with
BENCH_CLIENTS clients.

Last line: {"scenario": "grave_search", "burials": 200000, "p50_ms": …, "p95_ms": …, "rps": …,
"ratio_vs_floor": …, "ratio_vs_pg_trgm": …}. Loopback only.
"""

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BURIALS = int(os.environ.get("BENCH_BURIALS", "200000"))
DURATION_S = float(os.environ.get("BENCH_DURATION", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
QUERIES = 10000
ROUNDS = 5  # floor and search alternate, each BENCH_DURATION seconds in all per measure
PEER_QUERIES = 1000  # pg_trgm's cost does not depend on which strings: a sample is enough
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "podkowa_bench_grave_search")  # one per concurrent run
TERYT = "1405021"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PODKOWA_TESTING"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "podkowa.settings", "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/{PG_DB}",
        "DB_CONN_MAX_AGE": "600", "TASKS_IMMEDIATE": "1", "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def run(cmd: list[str], env: dict[str, str], timeout: int = 1800) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=timeout)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return done.stdout


def setup_data() -> None:
    """In a child process with the bench environment: the town, graves, burials, queries."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django_scopes import scope

    from podkowa.cemetery import demo
    from podkowa.cemetery.services.books import burials_register, cemetery_ensure, graves_register
    from podkowa.cemetery.text import fold
    from podkowa.core.models import Gmina

    gmina, _created = Gmina.objects.get_or_create(
        teryt=TERYT, defaults={"name": "Podkowa Leśna", "slug": "podkowa-lesna"})
    rng = random.Random(200000)
    today = dt.date(2026, 11, 1)
    people = []
    with scope(gmina=gmina):
        cemetery = cemetery_ensure(gmina=gmina, slug="duzy", name="Cmentarz (bench)")
        per_quarter = 2000
        batch = 20000
        made = 0
        while made < BURIALS:
            entries = []
            for k in range(batch // 2):
                n = made // 2 + k
                entries.append({"quarter": str(n // per_quarter + 1),
                                "row": str(n % per_quarter // 50 + 1),
                                "number": str(n % 50 + 1)})
            graves = graves_register(gmina=gmina, cemetery=cemetery, entries=entries)
            burials = []
            for grave in graves:
                family = rng.choice(demo.SURNAMES)
                for position in range(2):
                    person = demo._person(rng, family, position == 1, today)
                    burials.append((grave, person))
            burials_register(gmina=gmina, entries=burials[: BURIALS - made])
            people.extend(p for _g, p in burials[: BURIALS - made])
            made += min(len(burials), BURIALS - made)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("CREATE INDEX bench_burial_surname_trgm ON cemetery_burial "
                       "USING gin (surname gin_trgm_ops)")
        cursor.execute("ANALYZE")
    queries = []
    letters = "abcdefghijklmnoprstuwyz"
    for person in rng.sample(people, QUERIES):
        given = person["given_names"].split()[0]
        surname = person["surname"]
        year = int(person["death_date"][:4])
        kind = rng.randrange(6)
        if kind == 0:
            q = f"{fold(surname)} {fold(given)}"
        elif kind == 1:
            i = rng.randrange(1, len(surname) - 1)
            q = f"{given} {surname[:i]}{rng.choice(letters)}{surname[i + 1:]}"
        elif kind == 2:
            q = f"{surname} {given}"
        elif kind == 3 and person["family_name"]:
            q = f"{given} {person['family_name']}"
        elif kind == 4:
            q = f"{given} {surname[:-1] + ('i' if surname.endswith('a') else 'a')}"
        else:
            q = f"{surname} {given} {year + rng.choice([-1, 0, 1])}"
        queries.append(q)
    print(json.dumps(queries, ensure_ascii=False))


def wait_until_up(url: str, server: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout_s} s")


def load(port: int, paths: list[str], *, clients: int = CLIENTS, duration: float = DURATION_S,
         start: int = 0) -> tuple[list[float], float]:
    """Latencies (s) of every request and requests per second, `clients` threads at once, each
    walking its own stretch of `paths` from `start`."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration
    errors: list[str] = []
    stretch = max(1, len(paths) // clients)

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        i = offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
                break
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(start + k * stretch,))
               for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"error responses under load: {errors[:3]}")
    return latencies, len(latencies) / (time.monotonic() - started)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def pg_trgm_latencies(queries: list[str]) -> list[float]:
    import psycopg

    times = []
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}") as conn:
        for _round in range(3):
            for q in queries[:PEER_QUERIES]:
                t0 = time.perf_counter()
                conn.execute("SELECT id FROM cemetery_burial WHERE surname %% %s "
                             "ORDER BY similarity(surname, %s) DESC LIMIT 10", (q, q)).fetchall()
                times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    env = bench_env()
    server = None
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        run([*manage, "migrate", "--noinput", "-v", "0"], env)
        run([*manage, "createcachetable"], env)
        started = time.monotonic()
        queries = json.loads(run([PYTHON, __file__, "--setup"], env).strip().splitlines()[-1])
        build_s = time.monotonic() - started
        port = free_port()
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "podkowa.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(WORKERS), "--log-level", "warning"],
            env=env, cwd=ROOT, start_new_session=True)
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        paths = ["/api/v1/cemetery/search?" + urllib.parse.urlencode({"q": q}) for q in queries]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{paths[0]}") as r:
            if not json.loads(r.read())["results"]:
                raise SystemExit("the search answered nothing for a query from the data")
        # Every worker builds its index on its first search (and after a change of the
        # books): asked by several clients at once, each worker gets some of these.
        warm_started = time.monotonic()
        warm, _warm_rps = load(port, paths[-400:], duration=max(15.0, DURATION_S))
        warm_s = time.monotonic() - warm_started
        first_s = max(warm)
        # Floor and search take turns in short rounds, so a busy moment of the shared
        # machine falls on both alike. The sequential and the concurrent searches ask
        # different people, and no round repeats another's: nobody is searched for twice.
        sequential, concurrent = paths[:len(paths) // 2], paths[len(paths) // 2:-400]
        slice_s = DURATION_S / ROUNDS
        floor, ours, floor_conc, ours_conc = [], [], [], []
        floor_time = ours_time = 0.0
        for k in range(ROUNDS):
            floor += load(port, ["/healthz"], clients=1, duration=slice_s)[0]
            ours += load(port, sequential, clients=1, duration=slice_s,
                         start=k * len(sequential) // ROUNDS)[0]
            started = time.monotonic()
            floor_conc += load(port, ["/healthz"], duration=slice_s)[0]
            floor_time += time.monotonic() - started
            started = time.monotonic()
            ours_conc += load(port, concurrent, duration=slice_s,
                              start=k * len(concurrent) // ROUNDS)[0]
            ours_time += time.monotonic() - started
        floor_rps, rps = len(floor_conc) / floor_time, len(ours_conc) / ours_time
        peer = pg_trgm_latencies(queries)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    print(f"data built in {build_s:.0f} s; slowest warm-up search (an index build) "
          f"{first_s:.1f} s of {len(warm)} in {warm_s:.0f} s; floor p50 {pct(floor, 0.5):.2f} ms; "
          f"pg_trgm p50 {statistics.median(peer) * 1000:.2f} ms; {len(ours)} sequential and "
          f"{len(ours_conc)} concurrent searches (slowest {max(ours_conc) * 1000:.0f} ms)",
          file=sys.stderr)
    print(json.dumps({
        "scenario": "grave_search", "burials": BURIALS,
        "p50_ms": round(pct(ours, 0.5), 2), "p95_ms": round(pct(ours, 0.95), 2),
        "rps": round(rps, 1), "floor_rps": round(floor_rps, 1),
        "ratio_vs_floor": round(rps / floor_rps, 3),
        "ratio_vs_pg_trgm": round(statistics.median(ours) / statistics.median(peer), 2),
    }))


if __name__ == "__main__":
    if sys.argv[1:] == ["--setup"]:
        setup_data()
    else:
        main()
