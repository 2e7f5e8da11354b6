"""Importing an existing burial register from CSV or XLSX: all rows or none.

Columns (first row, any order, case-insensitive): surname, given_names, family_name,
birth_date, death_date, burial_date, quarter, row, number — and optionally any further book
field (record_number, birth_place, death_place, father_name, mother_name, marital_status,
civil_record, civil_registry_office, burial_right_holder, entry_kind, grave_kind). Dates are
YYYY-MM-DD, or YYYY where only the year is known (birth and death).

Places: a cemetery without a plan yet (no quarters) gets its quarters, rows and graves from
the file. A cemetery with a plan must already have the row's quarter and row — a place that
does not exist there is an error of that row; a new grave number in an existing row is added.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from podkowa.cemetery.models import Cemetery, Grave, GraveKind, Quarter, Row
from podkowa.cemetery.services.books import (
    BURIAL_FIELDS,
    burial_clean,
    burials_register,
    cemetery_ensure,
    graves_register,
)
from podkowa.core.models import Gmina

REQUIRED = ["surname", "given_names", "family_name", "birth_date", "death_date",
            "burial_date", "quarter", "row", "number"]
OPTIONAL = [f for f in BURIAL_FIELDS if f not in REQUIRED and f not in (
    "birth_year", "death_year", "exhumation_date", "civil_record_date")] + ["grave_kind"]
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class RowProblem:
    row: int  # as the clerk sees it in the spreadsheet (the header is row 1)
    field: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(field)s: %(message)s") % {
            "row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportReport:
    rows: list[dict] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    imported: int = 0
    graves_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(ValidationError):
    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__([str(p) for p in report.problems] or [_("Nothing to import.")])


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The sheet as rows of text (the first sheet of a workbook)."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {
            "mb": MAX_BYTES // 1024 // 1024})
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx" or content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken file
            raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1250")  # Polish Windows Excel's CSV
        except UnicodeDecodeError:
            raise ValidationError(_("The file is neither UTF-8 nor Windows-1250 text.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _parse(gmina: Gmina, cemetery: Cemetery | None, table: list[list[str]]) -> tuple[
        ImportReport, list[tuple[tuple[str, str, str], dict, str]]]:
    report = ImportReport()
    if not table or not any(table[0]):
        report.problems.append(RowProblem(1, "—", _("The file is empty.")))
        return report, []
    header = [h.strip().lower().replace(" ", "_") for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.problems.append(RowProblem(1, ", ".join(missing), _(
            "Required columns are missing.")))
        return report, []
    unknown = [h for h in header if h and h not in REQUIRED and h not in OPTIONAL]
    if unknown:
        report.problems.append(RowProblem(1, ", ".join(unknown), _("Unknown columns.")))
        return report, []
    body = [r for r in table[1:] if any(c for c in r)]
    if len(body) > MAX_ROWS:
        report.problems.append(RowProblem(1, "—", _("At most %(n)s rows at once.") % {
            "n": MAX_ROWS}))
        return report, []
    has_plan = cemetery is not None and Quarter.objects.filter(
        gmina=gmina, cemetery=cemetery).exists()
    rows_known: set[tuple[str, str]] = set()
    if has_plan:
        rows_known = set(Row.objects.filter(gmina=gmina, quarter__cemetery=cemetery)
                         .values_list("quarter__code", "code"))
        quarters_known = {q for q, _r in rows_known} | set(Quarter.objects.filter(
            gmina=gmina, cemetery=cemetery).values_list("code", flat=True))
    parsed = []
    line = 1
    for raw in table[1:]:
        line += 1
        if not any(c for c in raw):
            continue
        values = {header[i]: (raw[i] if i < len(raw) else "") for i in range(len(header))
                  if header[i]}
        place = (values.pop("quarter"), values.pop("row"), values.pop("number"))
        grave_kind = values.pop("grave_kind", "") or GraveKind.EARTH
        row_problems = []
        for name, value in zip(("quarter", "row", "number"), place, strict=True):
            if not value:
                row_problems.append(RowProblem(line, name, _("This field is empty.")))
        if has_plan and place[0] and place[0] not in quarters_known:
            row_problems.append(RowProblem(line, "quarter", _(
                "Quarter %(q)s does not exist in this cemetery.") % {"q": place[0]}))
        elif has_plan and place[0] and place[1] and (place[0], place[1]) not in rows_known:
            row_problems.append(RowProblem(line, "row", _(
                "Row %(r)s does not exist in quarter %(q)s.") % {"r": place[1], "q": place[0]}))
        if grave_kind not in GraveKind.values:
            row_problems.append(RowProblem(line, "grave_kind", _("Unknown grave type.")))
        try:
            clean = burial_clean({k: v for k, v in values.items()})
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    row_problems.append(RowProblem(line, name, message))
            clean = None
        report.problems.extend(row_problems)
        report.rows.append({"line": line, "quarter": place[0], "row": place[1],
                            "number": place[2], **values})
        if clean is not None and not row_problems:
            parsed.append((place, clean, grave_kind))
    if not body:
        report.problems.append(RowProblem(2, "—", _("The file has no rows to import.")))
    numbers = [c["record_number"] for _p, c, _k in parsed if c.get("record_number")]
    if len(numbers) != len(set(numbers)):
        report.problems.append(RowProblem(1, "record_number", _(
            "A register number appears more than once.")))
    return report, parsed


def burials_import_preview(*, gmina: Gmina, cemetery_slug: str, content: bytes,
                           filename: str) -> ImportReport:
    """What an import would do, and every problem by row; writes nothing."""
    table = read_table(content, filename)
    cemetery = Cemetery.objects.filter(gmina=gmina, slug=cemetery_slug).first()
    report, _parsed = _parse(gmina, cemetery, table)
    return report


@transaction.atomic
def burials_import(*, gmina: Gmina, cemetery_slug: str, content: bytes, filename: str,
                   actor=None, cemetery_name: str = "") -> ImportReport:
    """Import every row or none: an ImportRefused carries the report of the problems."""
    table = read_table(content, filename)
    cemetery = Cemetery.objects.filter(gmina=gmina, slug=cemetery_slug).first()
    report, parsed = _parse(gmina, cemetery, table)
    if report.problems:
        raise ImportRefused(report)
    if cemetery is None:
        cemetery = cemetery_ensure(gmina=gmina, slug=cemetery_slug,
                                   name=cemetery_name or cemetery_slug)
    graves = {(g.quarter.code, g.row.code, g.number): g for g in Grave.objects.filter(
        gmina=gmina, cemetery=cemetery).select_related("quarter", "row")}
    new_places = []
    for place, _clean, kind in parsed:
        if place not in graves and place not in {p for p, _k in new_places}:
            new_places.append((place, kind))
    created = graves_register(gmina=gmina, cemetery=cemetery, actor=actor,
                              reason=_("imported from %(file)s") % {"file": filename},
                              entries=[{"quarter": q, "row": r, "number": n, "kind": k}
                                       for (q, r, n), k in new_places])
    for grave, ((q, r, n), _k) in zip(created, new_places, strict=True):
        graves[(q, r, n)] = grave
    try:
        burials = burials_register(
            gmina=gmina, actor=actor,
            reason=_("imported from %(file)s") % {"file": filename},
            entries=[(graves[place], clean) for place, clean, _k in parsed])
    except ValidationError as error:
        # Checked above; what is left is a register number already used in the books.
        report.problems.append(RowProblem(1, "record_number", " ".join(error.messages)))
        raise ImportRefused(report) from None
    report.imported = len(burials)
    report.graves_created = len(created)
    return report
