import difflib
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


def openapi_document() -> str:
    """The API's OpenAPI schema as committed: English, sorted keys, indent 2, final newline."""
    from podkowa.api import api

    # The schema carries translatable texts; the snapshot is the English one, whatever
    # LANGUAGE_CODE says, so that it is the same on every machine.
    with translation.override("en"):
        schema = api.get_openapi_schema()
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return text + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema to a file, or with --check fail when the file is out of date."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Where to write the schema (default: stdout).")
        parser.add_argument("--check", metavar="PATH",
                            help="Compare with this committed file instead of writing.")

    def handle(self, *args, path: str | None = None, check: str | None = None, **options):
        current = openapi_document()
        if check:
            committed_path = Path(check)
            committed = (
                committed_path.read_text(encoding="utf-8") if committed_path.exists() else ""
            )
            if committed == current:
                self.stdout.write(f"{check} is up to date.")
                return
            diff = list(difflib.unified_diff(
                committed.splitlines(), current.splitlines(),
                fromfile=f"{check} (committed)", tofile="generated", lineterm="", n=1,
            ))
            added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
            removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
            shown = diff[:80]
            self.stderr.write("\n".join(shown))
            if len(diff) > len(shown):
                self.stderr.write(f"… {len(diff) - len(shown)} more diff lines")
            raise CommandError(
                f"{check} is out of date (+{added} -{removed} lines). "
                f"Run `make openapi` and commit the result."
            )
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(current, encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
        else:
            sys.stdout.write(current)
