"""Scenario "offline_pack": the demo cemetery's offline pack (about 3,000 graves, 4,500
burials, two gates), what the PWA keeps to find any grave and walk to it without a network
(GET /api/v1/cemetery/cemeteries/{slug}/offline).

Builds its own data in a throwaway database: PostgreSQL (BENCH_PG_DB, by default
`podkowa_bench_offline_pack`, on postgis://postgres@127.0.0.1:5432, created and dropped here)
if it answers, else a SpatiaLite file in a temporary folder; the demo generator writes it
through the real services.

Measured, in the same run:
  size:  the pack's bytes, plain and gzipped, against the peer — the same routes as the
         route API's GeoJSON Features (GET /graves/{id}/route for each grave), one JSON list,
         gzipped the same way: `ratio_vs_features` = their gzipped size over the pack's
         (the routes alone: the pack without its names).
         (The shortest routes only; `step_free_routes_of_their_own` counts the graves whose
         step-free way differs and is in the pack besides, inside pack_kb.)
  cold:  the first build after a change of the network: every grave routed by grave_route,
         twice (the shortest way and the step-free one).
  warm:  the build after a change of the books only (names), the routes kept.
  check: a request answered 304 from a kept ETag, over Django's test client (median of
         BENCH_CHECKS).

Last line: {"scenario": "offline_pack", "graves": …, "routes": …, "pack_gzip_kb": …,
"routes_gzip_kb": …, "ratio_vs_features": …, "cold_s": …, "warm_ms": …, "check_ms": …}.
"""

import gzip
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = int(os.environ.get("BENCH_CHECKS", "50"))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "podkowa_bench_offline_pack")


def database_url(workdir: Path) -> tuple[str, str]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return f"postgis://postgres@127.0.0.1:5432/{PG_DB}", "postgresql"
    except Exception as exc:
        sys.stderr.write(f"PostgreSQL not available ({exc}); using SpatiaLite\n")
        return f"spatialite:///{workdir / 'offline.sqlite3'}", "spatialite"


def drop_database(kind: str) -> None:
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def gzipped(data) -> int:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="podkowa-bench-offline-"))
    url, kind = database_url(workdir)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "podkowa.settings", "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": url, "PODKOWA_VAR_DIR": str(workdir), "TASKS_IMMEDIATE": "1",
        "MEDIA_ROOT": str(workdir / "media"), "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "localhost,testserver",
    })
    os.environ.pop("PODKOWA_TESTING", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_scopes import scope

    try:
        call_command("migrate", verbosity=0)
        from podkowa.cemetery.demo import load_cemetery_demo
        from podkowa.cemetery.models import Grave
        from podkowa.cemetery.selectors import offline
        from podkowa.cemetery.selectors.routes import grave_route, route_feature
        from podkowa.cemetery.services.books import _search_changed
        from podkowa.core.models import Gmina

        gmina = Gmina.objects.create(name="Podkowa Leśna", slug="podkowa-lesna",
                                     teryt="1405021")
        with scope(gmina=gmina):
            cemetery = load_cemetery_demo(gmina)

            started = time.perf_counter()
            pack = offline.cemetery_offline_pack(cemetery=cemetery, language="pl")
            cold = time.perf_counter() - started
            data = json.loads(pack.body)
            routed = [g for g in data["graves"] if g[5] is not None]

            # The peer: the same graves' routes as the route API writes them.
            graves = {g.pk: g for g in Grave.objects.filter(
                gmina=gmina, pk__in=[g[0] for g in routed]).select_related("cemetery")}
            features = [route_feature(grave_route(grave=graves[g[0]], language="pl"),
                                      graves[g[0]]) for g in routed]
            routes_only = {"points": data["points"], "steps": data["steps"],
                           "entrances": data["entrances"], "routes": [g[5] for g in routed]}
            routes_kb = gzipped(routes_only) / 1024
            features_kb = gzipped(features) / 1024

            _search_changed([cemetery.pk])  # as a new burial would
            started = time.perf_counter()
            again = offline.cemetery_offline_pack(cemetery=cemetery, language="pl")
            warm = time.perf_counter() - started
            assert again.body == pack.body

        client = Client(HTTP_HOST="localhost")
        path = f"/api/v1/cemetery/cemeteries/{cemetery.slug}/offline?lang=pl"
        times = []
        for _ in range(CHECKS):
            started = time.perf_counter()
            response = client.get(path, secure=True, HTTP_IF_NONE_MATCH=pack.etag)
            times.append(time.perf_counter() - started)
            assert response.status_code == 304, response.status_code
        print(json.dumps({
            "scenario": "offline_pack", "database": kind, "graves": len(data["graves"]),
            "routes": len(routed),
            "step_free_routes_of_their_own": sum(isinstance(g[6], list) for g in routed),
            "pack_kb": round(len(pack.body) / 1024, 1),
            "pack_gzip_kb": round(len(pack.gzipped) / 1024, 1),
            "routes_gzip_kb": round(routes_kb, 1), "features_gzip_kb": round(features_kb, 1),
            "ratio_vs_features": round(features_kb / routes_kb, 2),
            "cold_s": round(cold, 2), "cold_ms_per_route": round(cold * 1000 / len(routed), 2),
            "warm_ms": round(warm * 1000, 1),
            "check_ms": round(statistics.median(times) * 1000, 2),
        }))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(kind)


if __name__ == "__main__":
    main()
