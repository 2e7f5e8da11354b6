"""Scenario "statement": a bank statement of 100,000 transfers against 50,000 payers.

Builds its own data in a throwaway SpatiaLite file under var/bench/ (BENCH_DATABASE_URL
overrides, e.g. a PostgreSQL database you can drop): 50,000 payers, each with an individual
account and two open charges; an MT940 file with two transfers per payer into their
individual accounts. Measured: `statement_import` of the whole file (parse, match, credit
every payment, allocate it, one transaction), against the floor of only parsing the same
file. `ratio_vs_parse` is our time over the parse time; `unmatched` must be 0.

Last line: {"scenario": "statement", "lines": 100000, "lines_per_s": …, "ratio_vs_parse": …,
"unmatched": 0}. BENCH_PAYERS and BENCH_LINES scale it down for a quick look; BENCH_PROFILE=path
writes a cProfile of the import alone there.

Django runs with DEBUG off, as in production: with DEBUG on every query is logged, and on
SQLite logging a bulk insert re-quotes each of its thousands of parameters through the
database — a cost of the development server, not of the import.
"""

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAYERS = int(os.environ.get("BENCH_PAYERS", "50000"))
LINES = int(os.environ.get("BENCH_LINES", "100000"))


def main() -> None:
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    db_file = workdir / "statement.sqlite3"
    if db_file.exists():
        db_file.unlink()
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL",
                                                f"spatialite:///{db_file}")
    os.environ.setdefault("PODKOWA_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podkowa.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import transaction
    from django_scopes import scope

    from podkowa.core.models import Gmina
    from podkowa.payments.models import (
        Charge,
        ChargeSource,
        IndividualAccount,
        LedgerEntry,
        Payer,
        SourceKind,
    )
    from podkowa.payments.services.accounts import individual_account_part, nrb_build
    from podkowa.payments.services.statements import statement_import
    from podkowa.payments.statements import mt940
    from tests.payments.statement_files import Transfer
    from tests.payments.statement_files import mt940 as mt940_file

    call_command("migrate", "--noinput", "-v", "0")
    gmina = Gmina.objects.create(name="Bench", slug="bench", teryt="1405021",
                                 bank_settlement_number="10201055",
                                 individual_account_prefix="1405")
    with scope(gmina=gmina):
        with transaction.atomic():
            source = ChargeSource.objects.create(gmina=gmina, code="odpady", name="Odpady",
                                                 kind=SourceKind.WASTE)
            Payer.objects.bulk_create([Payer(gmina=gmina, name=f"Płatnik {i}")
                                       for i in range(PAYERS)], batch_size=2000)
            payers = list(Payer.objects.filter(gmina=gmina).order_by("pk"))
            accounts = [IndividualAccount(gmina=gmina, payer=p, number=nrb_build(
                settlement_number="10201055", account_part=individual_account_part(
                    gmina=gmina, owner="1", object_id=p.pk))) for p in payers]
            IndividualAccount.objects.bulk_create(accounts, batch_size=2000)
            Charge.objects.bulk_create([
                Charge(gmina=gmina, payer=p, source=source, title=f"Odpady {q} kw.",
                       amount=13_200, due_date=date(2026, 3 * q, 15))
                for p in payers for q in (1, 2)], batch_size=2000)
            LedgerEntry.objects.bulk_create([
                LedgerEntry(gmina=gmina, payer_id=c.payer_id, kind=LedgerEntry.Kind.CHARGE,
                            amount=c.amount, charge=c)
                for c in Charge.objects.filter(gmina=gmina)], batch_size=2000)
        transfers = [Transfer(13_200, f"Odpady {i}", into=accounts[i % PAYERS].number,
                              reference=f"B{i:015d}") for i in range(LINES)]
        data = mt940_file(transfers)

        started = time.perf_counter()
        parsed = mt940.parse(data.decode("utf-8"))
        parse_s = time.perf_counter() - started
        assert len(parsed.lines) == LINES

        profile_to = os.environ.get("BENCH_PROFILE")
        if profile_to:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        result = statement_import(gmina=gmina, data=data, file_name="bench.sta")
        import_s = time.perf_counter() - started
        if profile_to:
            profiler.disable()
            profiler.dump_stats(profile_to)
    print(json.dumps({
        "scenario": "statement", "lines": LINES, "payers": PAYERS,
        "lines_per_s": round(LINES / import_s, 1),
        "ratio_vs_parse": round(import_s / parse_s, 1),
        "import_s": round(import_s, 2), "parse_s": round(parse_s, 3),
        "matched": result.matched, "unmatched": result.unmatched,
        "database": "postgresql" if "postg" in os.environ["DATABASE_URL"] else "spatialite",
    }))


if __name__ == "__main__":
    main()
