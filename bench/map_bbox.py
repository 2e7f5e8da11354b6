"""Scenario "map_bbox": 100,000 trees; viewport requests (bbox) answered with GeoJSON.

Ours: OGC API – Features items (`/ogc/collections/drzewa/items?bbox=…&limit=1000`) served by
gunicorn (2 workers) from PostgreSQL/PostGIS. The peer: pygeoapi — the OGC API – Features
reference implementation — installed from PyPI into a separate virtual environment (not a
project dependency; BENCH_PYGEOAPI_VENV, default /tmp/podkowa-bench-pygeoapi, created on
first use), with its PostgreSQL provider reading the same table of the same database, also
under gunicorn with 2 workers. Both get the same viewports (about 300 m × 250 m, a few
hundred trees each) from 4 client threads, after a warm-up. A request's time is from
sending it to having the whole response's bytes; the bodies are parsed (and their features
counted) after the load, not in the timed part: parsing 60 kB of JSON in Python takes about
a millisecond of the client threads' shared interpreter lock per response, the client's cost,
not the server's, and taken during the load it competed for the same two cores.

Builds its own data in a throwaway PostgreSQL database (BENCH_PG_DB, default
`podkowa_bench_map`; created and dropped here). Loopback only.

Last line: {"scenario": "map_bbox", "objects": 100000, "p95_ms": …, "rps": …,
"ratio_vs_pygeoapi": …} — the ratio is pygeoapi's p95 over ours (goal ≥ 2; p95 ≤ 50 ms).
"""

import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OBJECTS = int(os.environ.get("BENCH_OBJECTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
THREADS = 4
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "podkowa_bench_map")
VENV = Path(os.environ.get("BENCH_PYGEOAPI_VENV", "/tmp/podkowa-bench-pygeoapi"))
# The town's square: trees spread over 0.07° × 0.05° around Podkowa Leśna.
WEST, SOUTH, WIDTH, HEIGHT = 20.69, 52.10, 0.07, 0.05


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pygeoapi_venv() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "pygeoapi").exists() or not (VENV / "bin" / "gunicorn").exists():
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pygeoapi",
                        "psycopg2-binary", "SQLAlchemy", "GeoAlchemy2", "gunicorn"],
                       check=True)
    return VENV


def setup_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"postgis://postgres@127.0.0.1:5432/{PG_DB}"


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def load_data(env: dict) -> None:
    """The schema through migrate, the town and its tree register through the services,
    then 100,000 trees in one SQL statement (deterministic positions)."""
    # The script's own constants go into the SQL, no outside input.
    code = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
from django_scopes import scope
call_command("migrate", verbosity=0)
call_command("createcachetable")
from podkowa.core.models import Gmina
from podkowa.registers.services.trees import tree_register_ensure
gmina = Gmina.objects.create(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021")
with scope(gmina=gmina):
    register = tree_register_ensure(gmina=gmina, slug="drzewa", name="Drzewa")
with connection.cursor() as cursor:
    cursor.execute('''
        INSERT INTO registers_registerobject
            (gmina_id, register_id, geometry, attributes, status, version, created_at,
             updated_at, length_m)
        SELECT %s, %s,
               ST_SetSRID(ST_MakePoint({WEST} + ((g * 7919) %% 100003) / 100003.0 * {WIDTH},
                                       {SOUTH} + ((g * 104729) %% 99991) / 99991.0 * {HEIGHT}),
                          4326),
               jsonb_build_object('number', 'D-' || g, 'species', 'quercus-robur',
                                  'height', 5 + g %% 20),
               'active', 1, now(), now(), NULL
        FROM generate_series(1::bigint, %s) AS g''', [gmina.pk, register.pk, {OBJECTS}])
    cursor.execute("ANALYZE registers_registerobject")
"""  # noqa: S608
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def pygeoapi_config(folder: Path, port: int) -> Path:
    config = folder / "pygeoapi.yml"
    config.write_text(json.dumps({
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json",
                   "encoding": "utf-8", "language": "en-US", "cors": False,
                   "pretty_print": False, "limits": {"default_items": 10, "max_items": 1000},
                   "map": {"url": "", "attribution": ""}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": [],
                               "keywords_type": "theme", "terms_of_service": "",
                               "url": "http://127.0.0.1"},
            "license": {"name": "CC-BY 4.0", "url": ""},
            "provider": {"name": "bench", "url": ""},
            "contact": {"name": "bench", "position": "", "address": "", "city": "",
                        "stateorprovince": "", "postalcode": "", "country": "", "phone": "",
                        "fax": "", "email": "", "url": "", "hours": "", "instructions": "",
                        "role": "pointOfContact"}},
        "resources": {"drzewa": {
            "type": "collection", "title": "Drzewa", "description": "trees", "keywords": [],
            "links": [],
            "extents": {"spatial": {"bbox": [WEST, SOUTH, WEST + WIDTH, SOUTH + HEIGHT],
                                   "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{
                "type": "feature", "name": "PostgreSQL",
                "data": {"host": "127.0.0.1", "port": 5432, "dbname": PG_DB,
                         "user": "postgres", "password": "", "search_path": ["public"]},
                "id_field": "id", "table": "registers_registerobject",
                "geom_field": "geometry",
                "properties": ["attributes", "status", "version"]}]}},
    }), encoding="utf-8")
    return config


def serve(cmd: list[str], env: dict, port: int, path: str) -> subprocess.Popen:
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                if r.status == 200:
                    return process
        except urllib.error.HTTPError as error:
            last = f"{error.code}: {error.read()[:500]!r}"
        except Exception as error:  # not up yet
            last = repr(error)
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"server did not start: {' '.join(cmd[:3])}: {last}")


def viewports(count: int) -> list[str]:
    rng = random.Random(1405021)
    boxes = []
    for _ in range(count):
        w, h = 0.0045, 0.0023  # about 300 m × 250 m
        x, y = WEST + rng.random() * (WIDTH - w), SOUTH + rng.random() * (HEIGHT - h)
        boxes.append(f"{x:.6f},{y:.6f},{x + w:.6f},{y + h:.6f}")
    return boxes


def load(url_of, boxes: list[str]) -> dict:
    """Every box once (after a warm-up of 20), from THREADS threads: latencies and rate;
    the features per viewport from the bodies, parsed afterwards."""
    for box in boxes[:20]:
        urllib.request.urlopen(url_of(box), timeout=60).read()  # noqa: S310 - loopback http
    latencies: list[float] = []
    bodies: list[bytes] = []
    lock = threading.Lock()
    queue = list(boxes)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                box = queue.pop()
            started = time.perf_counter()
            with urllib.request.urlopen(url_of(box), timeout=60) as response:  # noqa: S310
                body = response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                bodies.append(body)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    # Parsed once the load is over (see the module's docstring).
    features = [len(json.loads(body)["features"]) for body in bodies]
    latencies.sort()
    return {"p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "rps": round(len(latencies) / wall, 1),
            "mean_features": round(statistics.mean(features), 1)}


def main() -> None:
    venv = pygeoapi_venv()
    url = setup_database()
    folder = Path(tempfile.mkdtemp(prefix="podkowa-bench-map-"))
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "PODKOWA_TESTING", "TASKS_IMMEDIATE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "podkowa.settings", "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "0",
                "PESEL_HMAC_KEY": secrets.token_urlsafe(32), "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": url, "DB_CONN_MAX_AGE": "600", "PODKOWA_VAR_DIR": str(folder),
                "STATIC_ROOT": str(folder / "static"), "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT)})
    servers = []
    try:
        load_data(env)
        ours_port, peer_port = free_port(), free_port()
        servers.append(serve([sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                              f"127.0.0.1:{ours_port}", "podkowa.wsgi:application"], env, ours_port,
                             "/ogc/collections"))
        config = pygeoapi_config(folder, peer_port)
        openapi = folder / "openapi.yml"
        peer_env = {**env, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                        "--output-file", str(openapi)], env=peer_env, check=True,
                       capture_output=True)
        servers.append(serve([str(venv / "bin" / "gunicorn"), "-w", "2", "-b",
                              f"127.0.0.1:{peer_port}", "pygeoapi.flask_app:APP"],
                             peer_env, peer_port, "/collections?f=json"))
        boxes = viewports(REQUESTS)
        ours = load(lambda box: f"http://127.0.0.1:{ours_port}/ogc/collections/drzewa/items"
                    f"?bbox={box}&limit=1000", boxes)
        peer = load(lambda box: f"http://127.0.0.1:{peer_port}/collections/drzewa/items"
                    f"?bbox={box}&limit=1000&f=json", boxes)
        print(json.dumps({"scenario": "map_bbox", "objects": OBJECTS,
                          "p95_ms": ours["p95_ms"], "rps": ours["rps"],
                          "median_ms": ours["median_ms"],
                          "features_per_viewport": ours["mean_features"],
                          "pygeoapi_p95_ms": peer["p95_ms"], "pygeoapi_rps": peer["rps"],
                          "pygeoapi_features_per_viewport": peer["mean_features"],
                          "ratio_vs_pygeoapi": round(peer["p95_ms"] / ours["p95_ms"], 2)}))
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
        drop_database()


if __name__ == "__main__":
    main()
