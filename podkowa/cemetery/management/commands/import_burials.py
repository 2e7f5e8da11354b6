"""python manage.py import_burials FILE --cemetery SLUG [--gmina TERYT]

All rows or none: on any problem the report names each row and nothing is written."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from podkowa.cemetery.services.imports import ImportRefused, burials_import
from podkowa.core.models import Gmina


class Command(BaseCommand):
    help = "Import a burial register (CSV or XLSX) into a cemetery of the town."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cemetery", required=True, help="The cemetery's short name "
                            "(created, without a map, when it does not exist yet).")
        parser.add_argument("--name", default="", help="A new cemetery's full name.")
        parser.add_argument("--gmina", default=settings.DEFAULT_GMINA_TERYT,
                            help="The town's TERYT code (default: %(default)s).")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        gmina = Gmina.objects.filter(teryt=options["gmina"]).first()
        if gmina is None:
            raise CommandError(f"No town with TERYT {options['gmina']}.")
        with scope(gmina=gmina):
            try:
                report = burials_import(gmina=gmina, cemetery_slug=options["cemetery"],
                                        content=path.read_bytes(), filename=path.name,
                                        cemetery_name=options["name"])
            except ImportRefused as refused:
                for problem in refused.report.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"Nothing imported: {len(refused.report.problems)} problem(s).") from None
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {report.imported} burial(s); {report.graves_created} new grave(s)."))
