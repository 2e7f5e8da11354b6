"""Scenario "import": a 100,000-row XLSX tree register in PL-2000 zone 7 (x and y swapped in
half the rows, species spelled loosely) imported the whole way: upload and preview, the
worker's check (values, coordinates, duplicates) and the all-or-nothing write.

The peer: openpyxl's own read-only iteration over the same file — the least any import of it
costs. `ratio_vs_openpyxl` is our time over that (goal ≤ 2).

Builds its own data in a throwaway database: PostgreSQL `podkowa_bench_import` on
postgis://postgres@127.0.0.1:5432 if it answers (created and dropped here), else a SpatiaLite
file in a temporary folder. BENCH_ROWS changes the size.

Last line: {"scenario": "import", "rows": 100000, "seconds": …, "ratio_vs_openpyxl": …}
"""

import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "podkowa_bench_import")


def database_url(workdir: Path) -> tuple[str, str]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return f"postgis://postgres@127.0.0.1:5432/{PG_DB}", "postgresql"
    except Exception as exc:
        sys.stderr.write(f"PostgreSQL not available ({exc}); using SpatiaLite\n")
        return f"spatialite:///{workdir / 'import.sqlite3'}", "spatialite"


def drop_database(kind: str) -> None:
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def make_xlsx(path: Path) -> None:
    from django.contrib.gis.gdal import CoordTransform, SpatialReference
    from django.contrib.gis.geos import Point
    from openpyxl import Workbook

    to_2178 = CoordTransform(SpatialReference(4326), SpatialReference(2178))
    names = ["dąb szypułkowy", "Quercus robur", "lipa drobnolistna", "Tilia cordata",
             "sosna zwyczajna", "Pinus sylvestris"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("drzewa")
    sheet.append(["Numer", "Gatunek", "Obwód na 5 cm", "Wysokość", "X", "Y"])
    side = int(ROWS ** 0.5) + 1
    for i in range(ROWS):
        point = Point(20.69 + (i % side) * 0.07 / side, 52.10 + (i // side) * 0.05 / side,
                      srid=4326)
        point.transform(to_2178)
        x, y = round(point.y, 2), round(point.x, 2)
        if i % 2:
            x, y = y, x
        sheet.append([f"D-{i:06d}", names[i % len(names)], 40 + i % 150, 5 + i % 20, x, y])
    book.save(path)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="podkowa-bench-import-"))
    url, kind = database_url(workdir)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "podkowa.settings", "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": url, "PODKOWA_VAR_DIR": str(workdir), "TASKS_IMMEDIATE": "1",
        "MEDIA_ROOT": str(workdir / "media"), "LOG_LEVEL": "WARNING",
    })
    os.environ.pop("PODKOWA_TESTING", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django_scopes import scope
    from openpyxl import load_workbook

    settings.MEDIA_ROOT = str(workdir / "media")
    try:
        call_command("migrate", verbosity=0)
        from podkowa.accounts.models import User
        from podkowa.core.models import Gmina
        from podkowa.registers.models import ImportJob, RegisterObject, TreeSpecies
        from podkowa.registers.services.imports import import_confirm, import_map, import_upload
        from podkowa.registers.services.trees import tree_register_ensure

        gmina = Gmina.objects.create(name="Podkowa Leśna", slug="podkowa-lesna",
                                     teryt="1405021")
        actor = User.objects.create(email="bench@podkowa.test")
        path = workdir / "drzewa.xlsx"
        make_xlsx(path)
        with scope(gmina=gmina):
            for code, polish, latin in [("quercus-robur", "dąb szypułkowy", "Quercus robur"),
                                        ("tilia-cordata", "lipa drobnolistna", "Tilia cordata"),
                                        ("pinus-sylvestris", "sosna zwyczajna",
                                         "Pinus sylvestris")]:
                TreeSpecies.objects.create(gmina=gmina, code=code, polish_name=polish,
                                           latin_name=latin)
            register = tree_register_ensure(gmina=gmina, slug="drzewa", name="Drzewa")

            started = time.perf_counter()
            book = load_workbook(path, read_only=True, data_only=True)
            peer_rows = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
            book.close()
            peer = time.perf_counter() - started

            started = time.perf_counter()
            job = import_upload(gmina=gmina, register_id=register.pk, actor=actor,
                                upload=SimpleUploadedFile("drzewa.xlsx", path.read_bytes()))
            mapping = {**job.mapping, "columns": {
                "Numer": "number", "Gatunek": "species", "Obwód na 5 cm": "circumference_5",
                "Wysokość": "height"}, "radius_m": 0.5, "keys": ["species"]}
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                profile.enable()
            import_map(gmina=gmina, job_id=job.pk, mapping=mapping)
            if os.environ.get("BENCH_PROFILE"):
                profile.disable()
                pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
            job.refresh_from_db()
            checked = time.perf_counter() - started
            if os.environ.get("BENCH_PROFILE"):
                profile = cProfile.Profile()
                profile.enable()
            import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=actor)
            if os.environ.get("BENCH_PROFILE"):
                profile.disable()
                pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
            ours = time.perf_counter() - started
            job.refresh_from_db()
            created = RegisterObject.objects.filter(gmina=gmina).count()
        assert peer_rows == ROWS + 1, peer_rows
        assert job.state == ImportJob.State.DONE, (job.state, job.report.get("failure"))
        errors = len(job.report["errors"])
        print(json.dumps({"scenario": "import", "rows": ROWS, "created": created,
                          "row_errors": errors, "database": kind,
                          "check_seconds": round(checked, 2),
                          "openpyxl_seconds": round(peer, 2), "seconds": round(ours, 2),
                          "ratio_vs_openpyxl": round(ours / peer, 2)}))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(kind)


if __name__ == "__main__":
    main()
