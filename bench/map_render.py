"""Scenario "map_render": 100,000 trees on the registers' map in headless Chromium.

Ours: the page /rejestry/ served by gunicorn (2 workers) from PostgreSQL/PostGIS. The map asks
the server for each viewport and gets counts per grid cell, or the trees themselves once few
enough are in view, drawn on a canvas. A fixed walk of pans (mouse drags) and zooms (the +/−
buttons) is made; measured: the time from each move to the layer settled (answer + drawing),
the size of each answer, and the browser's frame times over the whole walk
(requestAnimationFrame).

The peer, in the same run: the naive way — the same Leaflet with the same canvas renderer and
all 100,000 trees handed to the browser at once, as a map without server-side aggregation
would do — on the same map size, walked the same way: the time to draw them first, and its
frame times.

Builds its own data in a throwaway PostgreSQL database `podkowa_bench_map_render` (created and
dropped here). Loopback only; Debian's chromium.

Last line: {"scenario": "map_render", "objects": 100000, "answer_p95_ms": …, "settle_p95_ms": …,
"frame_p95_ms": …,
"worst_frame_ms": …, "answer_max_kb": …, "naive_first_draw_ms": …, "naive_worst_frame_ms": …,
"ratio_worst_frame_vs_naive": …} — the ratio is the naive worst frame over ours.
"""

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OBJECTS = 100_000
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "podkowa_bench_map_render"
CHROMIUM = "/usr/bin/chromium"
VIEW = {"width": 1280, "height": 900}
LOAD_SQL = """
INSERT INTO registers_registerobject (gmina_id, register_id, geometry, attributes, status,
                                      version, created_at, updated_at, length_m)
SELECT %s, %s,
       ST_SetSRID(ST_MakePoint(20.69 + ((g * 7919) %% 100003) / 100003.0 * 0.07,
                               52.10 + ((g * 104729) %% 99991) / 99991.0 * 0.05), 4326),
       jsonb_build_object('number', 'D-' || g, 'species', 'quercus-robur',
                          'health', (ARRAY['good', 'fair', 'poor', 'dead'])[1 + g %% 4],
                          'height', 5 + g %% 20),
       'active', 1, now(), now(), NULL
FROM generate_series(1::bigint, 100000) AS g
"""
# The walk: ("drag", dx, dy) in pixels or ("zoom", "in"/"out").
WALK = [("drag", -250, -120), ("drag", 250, 120), ("zoom", "in"), ("drag", -200, 80),
        ("zoom", "in"), ("zoom", "in"), ("drag", 180, -60), ("drag", -180, 60),
        ("zoom", "out"), ("zoom", "out"), ("zoom", "out"), ("drag", 120, 120)]
FRAMES_START = """() => {
  window.__frames = []; window.__stop = false;
  const tick = (t) => { window.__frames.push(t); if (!window.__stop) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
FRAMES_STOP = """() => {
  window.__stop = true;
  const f = window.__frames, d = [];
  for (let i = 1; i < f.length; i++) d.push(f[i] - f[i - 1]);
  return d;
}"""
NAIVE_DRAW = """(points) => new Promise((resolve) => {
  const started = performance.now();
  const map = L.map(document.getElementById("naive"), {preferCanvas: true})
    .setView([52.1225, 20.7286], 14);
  const renderer = L.canvas({padding: 0.3});
  const group = L.layerGroup();
  for (const [lon, lat] of points) {
    L.circleMarker([lat, lon], {renderer, radius: 6, weight: 1, color: "#222",
                                fillColor: "#0072b2", fillOpacity: 0.9}).addTo(group);
  }
  group.addTo(map);
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - started)));
})"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database(action: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def load_data(env: dict) -> None:
    """Schema by migrate, the tree register by its service, the trees by one statement."""
    code = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
from django_scopes import scope
call_command("migrate", verbosity=0)
call_command("createcachetable")
call_command("collectstatic", "--noinput", verbosity=0)
from podkowa.core.models import Gmina
from podkowa.registers.services.trees import tree_register_ensure
gmina = Gmina.objects.create(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021")
with scope(gmina=gmina):
    register = tree_register_ensure(gmina=gmina, slug="drzewa", name="Drzewa")
with connection.cursor() as cursor:
    cursor.execute({LOAD_SQL!r}, [gmina.pk, register.pk])
    cursor.execute("ANALYZE registers_registerobject")
"""
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def points() -> list[list[float]]:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}") as conn:
        rows = conn.execute("SELECT ST_X(geometry), ST_Y(geometry) FROM "
                            "registers_registerobject").fetchall()
    return [[round(x, 6), round(y, 6)] for x, y in rows]


def serve(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "podkowa.wsgi:application"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/rejestry/", timeout=30) as r:
                if r.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not start")


def step(page, move, box) -> None:
    if move[0] == "drag":
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + move[1], y + move[2], steps=12)
        page.mouse.up()
    else:
        page.locator(".leaflet-control-zoom-" + move[1]).first.click()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def ours(browser, site: str) -> dict:
    page = browser.new_page(viewport=VIEW)
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body()))
            if "/rejestry/mapa/drzewa/" in r.url and r.ok else None)
    page.goto(site + "/rejestry/")
    page.wait_for_selector("#map[data-ready=true][data-loading='0'][data-drawn]")
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    settles: list[float] = []
    page.evaluate(FRAMES_START)
    for move in WALK:
        started = time.perf_counter()
        with page.expect_response(lambda r: "/rejestry/mapa/drzewa/" in r.url, timeout=60000):
            step(page, move, box)
        page.wait_for_selector("#map[data-loading='0']", state="attached")
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
        settles.append((time.perf_counter() - started) * 1000)
    frames = page.evaluate(FRAMES_STOP)
    # The answers alone (request to last byte, as the browser timed them), without the
    # drag's steps and the zoom's animation that the settle time includes.
    answers = page.evaluate("""() => performance.getEntriesByType("resource")
      .filter((e) => e.name.includes("/rejestry/mapa/drzewa/")).map((e) => e.duration)""")
    page.close()
    return {"answer_p95_ms": round(percentile(answers, 0.95), 1),
            "answer_median_ms": round(statistics.median(answers), 1),
            "settle_p95_ms": round(percentile(settles, 0.95), 1),
            "settle_median_ms": round(statistics.median(settles), 1),
            "frame_p95_ms": round(percentile(frames, 0.95), 1),
            "worst_frame_ms": round(max(frames), 1),
            "answer_max_kb": round(max(sizes) / 1024, 1)}


def naive(browser, site: str, trees: list[list[float]]) -> dict:
    context = browser.new_context(viewport=VIEW, bypass_csp=True)
    page = context.new_page()
    page.set_content('<div id="naive"></div>')
    page.add_style_tag(url=site + "/static/web/vendor/leaflet/leaflet.css")
    page.add_style_tag(content="#naive { width: 900px; height: 700px; }")
    page.add_script_tag(url=site + "/static/web/vendor/leaflet/leaflet.js")
    first = page.evaluate(NAIVE_DRAW, trees)
    box = page.locator("#naive").bounding_box()
    page.evaluate(FRAMES_START)
    for move in WALK:
        step(page, move, box)
        page.wait_for_timeout(400)  # the move's animation and the canvas's redraw
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
    frames = page.evaluate(FRAMES_STOP)
    context.close()
    return {"naive_first_draw_ms": round(first, 1),
            "naive_frame_p95_ms": round(percentile(frames, 0.95), 1),
            "naive_worst_frame_ms": round(max(frames), 1)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    database("create")
    folder = Path(tempfile.mkdtemp(prefix="podkowa-bench-render-"))
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "PODKOWA_TESTING", "TASKS_IMMEDIATE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "podkowa.settings", "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "0", "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
                "ALLOWED_HOSTS": "127.0.0.1", "MAP_TILE_URL": "", "MAP_BASE_WMS_URL": "",
                "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/{PG_DB}",
                "DB_CONN_MAX_AGE": "600", "PODKOWA_VAR_DIR": str(folder),
                "STATIC_ROOT": str(folder / "static"), "LOG_LEVEL": "WARNING",
                "LOGINGOVPL_ENABLED": "0", "PYTHONPATH": str(ROOT)})
    server = None
    try:
        load_data(env)
        port = free_port()
        server = serve(env, port)
        site = f"http://127.0.0.1:{port}"
        trees = points()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            measured = ours(browser, site)
            peer = naive(browser, site, trees)
            browser.close()
        print(json.dumps({"scenario": "map_render", "objects": len(trees), **measured, **peer,
                          "ratio_worst_frame_vs_naive": round(
                              peer["naive_worst_frame_ms"] / measured["worst_frame_ms"], 2)}))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        database("drop")


if __name__ == "__main__":
    main()
