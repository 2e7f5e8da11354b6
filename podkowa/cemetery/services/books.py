"""Writing the books: cemeteries and their places, burials, holders — and corrections.

Every write of a book entry (grave, burial, holder) also appends its full new state to
BookEntryVersion with the author and the reason, so a correction leaves the old entry
readable (§9 of the regulation). The search keys of a burial are rewritten with it.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from podkowa.cemetery import text
from podkowa.cemetery.models import (
    BookEntryVersion,
    Burial,
    Cemetery,
    EntryKind,
    Grave,
    GraveHolder,
    GraveKind,
    MaritalStatus,
    Quarter,
    Row,
    SearchStamp,
    SearchVariant,
    new_search_stamp,
)
from podkowa.core.models import Gmina

BURIAL_FIELDS = [
    "record_number", "entry_kind", "surname", "given_names", "family_name", "marital_status",
    "birth_date", "birth_year", "birth_place", "death_date", "death_year", "death_place",
    "infectious_disease", "father_name", "mother_name", "burial_date", "exhumation_date",
    "exhumation_destination", "civil_record", "civil_record_date", "civil_registry_office",
    "burial_right_holder",
]
DATE_FIELDS = {"birth_date", "death_date", "burial_date", "exhumation_date",
               "civil_record_date"}
GRAVE_FIELDS = ["record_number", "kind", "in_monuments_register", "notes",
                "holder_allows_details", "holder_vetoes_public_content", "paid_until"]
HOLDER_FIELDS = ["first_name", "last_name", "address", "email", "phone", "since",
                 "is_current"]
# What the search reads of a grave besides its place (selectors/search.py), and its position,
# which the offline pack's routes start from (selectors/offline.py).
GRAVE_SEARCH_FIELDS = {"holder_allows_details", "location"}
# What the book keeps of a holder, in every version. Contact details are not part of it: they
# change without a correction and the shredder must be able to erase them for good.
HOLDER_BOOK_FIELDS = ["first_name", "last_name", "since", "is_current"]


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _search_changed(cemetery_ids: Iterable[int]) -> None:
    """Tell every process's search index (selectors/search.py) that these cemeteries' burials
    changed: in the writing transaction, as its last statement (see SearchStamp)."""
    ids = sorted(set(cemetery_ids))
    SearchStamp.objects.bulk_create([SearchStamp(cemetery_id=pk) for pk in ids],
                                    ignore_conflicts=True)
    for pk in ids:  # one by one, in order: two writers never wait on each other in a circle
        SearchStamp.objects.filter(cemetery_id=pk).update(stamp=new_search_stamp())


def _snapshot(obj, fields: list[str]) -> dict:
    return {name: _json_value(getattr(obj, name)) for name in fields}


def _author_label(actor) -> str:
    return getattr(actor, "email", "") or _("system")


def _version_write(*, gmina: Gmina, book: str, obj, fields: list[str], actor, reason: str
                   ) -> BookEntryVersion:
    return BookEntryVersion.objects.create(
        gmina=gmina, book=book, entry_id=obj.pk, version=obj.version if hasattr(
            obj, "version") else 1,
        data=_snapshot(obj, fields), author=actor if getattr(actor, "pk", None) else None,
        author_label=_author_label(actor), reason=reason[:500],
    )


# --- places --------------------------------------------------------------------------------


@transaction.atomic
def cemetery_ensure(*, gmina: Gmina, slug: str, name: str = "", address: str = "",
                    location: Point | None = None) -> Cemetery:
    """The town's cemetery with this short name, created (without a map) when missing."""
    slug = slugify(slug)
    if not slug:
        raise ValidationError({"slug": _("Give the cemetery a short name (letters, digits).")})
    cemetery, _created = Cemetery.objects.get_or_create(
        gmina=gmina, slug=slug,
        defaults={"name": name or slug, "address": address, "location": location})
    return cemetery


@transaction.atomic
def quarter_ensure(*, gmina: Gmina, cemetery: Cemetery, code: str,
                   area: Polygon | None = None) -> Quarter:
    code = code.strip()
    if not code:
        raise ValidationError({"quarter": _("The quarter is missing.")})
    quarter, created = Quarter.objects.get_or_create(
        gmina=gmina, cemetery=cemetery, code=code, defaults={"area": area})
    if not created and area is not None and quarter.area != area:
        quarter.area = area
        quarter.save(update_fields=["area"])
    return quarter


@transaction.atomic
def row_ensure(*, gmina: Gmina, quarter: Quarter, code: str) -> Row:
    code = code.strip()
    if not code:
        raise ValidationError({"row": _("The row is missing.")})
    return Row.objects.get_or_create(gmina=gmina, quarter=quarter, code=code)[0]


def _next_numbers(gmina: Gmina, model, prefix: str, count: int,
                  extra: dict | None = None) -> list[str]:
    used = model.objects.filter(gmina=gmina, record_number__startswith=prefix, **(extra or {}))
    top = 0
    for number in used.values_list("record_number", flat=True):
        tail = number[len(prefix):]
        if tail.isdigit():
            top = max(top, int(tail))
    return [f"{prefix}{top + i:05d}" for i in range(1, count + 1)]


def _lock_cemetery(cemetery: Cemetery) -> None:
    """Grave numbers and places are chosen under the cemetery's row lock."""
    list(Cemetery.objects.select_for_update().filter(
        gmina_id=cemetery.gmina_id, pk=cemetery.pk).values_list("pk", flat=True))


@transaction.atomic
def grave_create(*, gmina: Gmina, cemetery: Cemetery, quarter: str, row: str, number: str,
                 kind: str = GraveKind.EARTH, location: Point | None = None,
                 outline: Polygon | None = None, in_monuments_register: bool = False,
                 record_number: str = "", actor=None,
                 reason: str = "") -> Grave:
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("The number in the row is missing.")})
    if kind not in GraveKind.values:
        raise ValidationError({"kind": _("Unknown grave type.")})
    quarter_row = row_ensure(gmina=gmina, quarter=quarter_ensure(
        gmina=gmina, cemetery=cemetery, code=quarter), code=row)
    _lock_cemetery(cemetery)
    if Grave.objects.filter(gmina=gmina, row=quarter_row, number=number).exists():
        raise ValidationError({"number": _("Grave %(place)s already exists.") % {
            "place": f"{quarter}/{row}/{number}"}})
    grave = Grave.objects.create(
        gmina=gmina, cemetery=cemetery, quarter=quarter_row.quarter, row=quarter_row,
        number=number, kind=kind, location=location, outline=outline,
        in_monuments_register=in_monuments_register,
        record_number=record_number or _next_numbers(
            gmina, Grave, "G-", 1, {"cemetery": cemetery})[0],
    )
    _version_write(gmina=gmina, book=BookEntryVersion.Book.GRAVE, obj=_with_version(grave),
                   fields=GRAVE_FIELDS, actor=actor, reason=reason or _("entry created"))
    return grave


def _with_version(grave: Grave, version: int = 1) -> Grave:
    grave.version = version
    return grave


@transaction.atomic
def grave_correct(*, gmina: Gmina, grave_id: int, changes: dict, actor, reason: str) -> Grave:
    """Change the grave's book entry (type, monument flag, notes, the holder's wishes)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    unknown = set(changes) - set(GRAVE_FIELDS) - {"location", "outline"}
    if unknown:
        raise ValidationError({"__all__": _("Cannot change: %(fields)s") % {
            "fields": ", ".join(sorted(unknown))}})
    grave = Grave.objects.select_for_update().get(gmina=gmina, pk=grave_id)
    if "kind" in changes and changes["kind"] not in GraveKind.values:
        raise ValidationError({"kind": _("Unknown grave type.")})
    for name, value in changes.items():
        setattr(grave, name, value)
    grave.save()
    last = (BookEntryVersion.objects.filter(gmina=gmina, book="grave", entry_id=grave.pk)
            .order_by("-version").values_list("version", flat=True).first()) or 0
    _version_write(gmina=gmina, book=BookEntryVersion.Book.GRAVE,
                   obj=_with_version(grave, last + 1), fields=GRAVE_FIELDS, actor=actor,
                   reason=reason)
    if GRAVE_SEARCH_FIELDS & set(changes):
        _search_changed([grave.cemetery_id])
    return grave


# --- burials -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialDate:
    """A date of the books: the whole date, or only the year where the day is not known."""

    date: dt.date | None
    year: int | None


def partial_date_parse(value, *, field: str) -> PartialDate:
    """'1950-03-04', '1950', a date, or empty → PartialDate; anything else is an error."""
    if value in (None, ""):
        return PartialDate(None, None)
    if isinstance(value, dt.datetime):
        return PartialDate(value.date(), value.year)
    if isinstance(value, dt.date):
        return PartialDate(value, value.year)
    if isinstance(value, int):
        value = str(value)
    raw = str(value).strip()
    if len(raw) == 4 and raw.isdigit():
        year = int(raw)
        if 1000 <= year <= 2200:
            return PartialDate(None, year)
    else:
        try:
            parsed = dt.date.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is not None and len(raw) == 10:
            return PartialDate(parsed, parsed.year)
    raise ValidationError({field: _("%(value)s is not a date (use YYYY-MM-DD, or YYYY when "
                                    "only the year is known).") % {"value": raw}})


def _after(a: PartialDate, b: PartialDate) -> bool:
    """Is a certainly later than b? (only what the known parts prove)"""
    if a.date and b.date:
        return a.date > b.date
    if a.year and b.year:
        return a.year > b.year
    return False


def burial_clean(data: dict) -> dict:
    """The entry's fields checked and normalised, or a ValidationError naming each field."""
    unknown = set(data) - set(BURIAL_FIELDS)
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(fields)s") % {
            "fields": ", ".join(sorted(unknown))}})
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name in BURIAL_FIELDS:
        if name in ("birth_year", "death_year") or name in DATE_FIELDS:
            continue
        if name in data:
            value = data[name]
            if name == "infectious_disease":
                clean[name] = bool(value)
            else:
                clean[name] = (str(value).strip() if value is not None else "")
    dates: dict[str, PartialDate] = {}
    for name in ("birth", "death", "burial", "exhumation", "civil_record"):
        key = f"{name}_date"
        raw = data.get(key)
        if raw is None and name in ("birth", "death") and data.get(f"{name}_year"):
            raw = str(data[f"{name}_year"])
        try:
            dates[name] = partial_date_parse(raw, field=key)
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
            dates[name] = PartialDate(None, None)
    for name in ("burial", "exhumation", "civil_record"):
        if dates[name].year and not dates[name].date:
            errors.setdefault(f"{name}_date", []).append(
                _("Give the whole date (YYYY-MM-DD)."))
    kind = clean.get("entry_kind") or EntryKind.REGULAR
    if kind not in EntryKind.values:
        errors.setdefault("entry_kind", []).append(_("Unknown kind of entry."))
    clean["entry_kind"] = kind
    if clean.get("marital_status", "") not in MaritalStatus.values:
        errors.setdefault("marital_status", []).append(_("Unknown marital status."))
    if kind == EntryKind.REGULAR and not clean.get("surname"):
        errors.setdefault("surname", []).append(_("The surname is missing."))
    if _after(dates["birth"], dates["death"]):
        errors.setdefault("death_date", []).append(_("The death is dated before the birth."))
    if _after(dates["death"], dates["burial"]):
        errors.setdefault("burial_date", []).append(_("The burial is dated before the death."))
    if _after(dates["burial"], dates["exhumation"]):
        errors.setdefault("exhumation_date", []).append(
            _("The exhumation is dated before the burial."))
    today = timezone.localdate()
    for name in ("birth", "death", "burial"):
        if (dates[name].year or 0) > today.year or (dates[name].date or today) > today:
            errors.setdefault(f"{name}_date", []).append(_("The date is in the future."))
    if errors:
        raise ValidationError(errors)
    clean.update(
        birth_date=dates["birth"].date, birth_year=dates["birth"].year,
        death_date=dates["death"].date, death_year=dates["death"].year,
        burial_date=dates["burial"].date, exhumation_date=dates["exhumation"].date,
        civil_record_date=dates["civil_record"].date,
    )
    return clean


def burial_search_key(burial: Burial) -> str:
    return "|".join(" ".join(text.words(value)) for value in (
        burial.surname, burial.given_names, burial.family_name))


def burial_words(burial: Burial) -> set[str]:
    found: set[str] = set()
    for value in (burial.surname, burial.given_names, burial.family_name):
        found.update(text.words(value))
    return found


def _index(gmina: Gmina, burials: list[Burial]) -> None:
    """The town's words (and their one-deletion variants) the search index matches query
    words against; a burial's own names are read from its search key."""
    all_words: set[str] = set()
    for burial in burials:
        all_words |= burial_words(burial)
    known = set(SearchVariant.objects.filter(gmina=gmina, is_word=True, word__in=all_words)
                .values_list("word", flat=True)) if len(all_words) < 900 else set(
        SearchVariant.objects.filter(gmina=gmina, is_word=True).values_list("word", flat=True))
    variants = []
    for word in sorted(all_words - known):
        variants.append(SearchVariant(gmina=gmina, variant=word, word=word, is_word=True))
        variants.extend(SearchVariant(gmina=gmina, variant=v, word=word)
                        for v in sorted(text.deletions(word) - {word}))
    SearchVariant.objects.bulk_create(variants, batch_size=2000, ignore_conflicts=True)


@transaction.atomic
def burial_register(*, gmina: Gmina, grave: Grave, data: dict, actor=None,
                    reason: str = "") -> Burial:
    """A new entry of the księga osób pochowanych in this grave."""
    return burials_register(gmina=gmina, entries=[(grave, data)], actor=actor,
                            reason=reason)[0]


@transaction.atomic
def burials_register(*, gmina: Gmina, entries: Iterable[tuple[Grave, dict]], actor=None,
                     reason: str = "") -> list[Burial]:
    """Many new entries at once (imports, the demo): checked first, then written together.

    A ValidationError names the entry (0-based index) in its `params["index"]`.
    """
    entries = list(entries)
    cleaned = []
    for index, (grave, data) in enumerate(entries):
        if grave.gmina_id != gmina.pk:
            raise ValidationError(_("The grave belongs to another town."))
        try:
            cleaned.append((grave, burial_clean(data)))
        except ValidationError as error:
            error.params = {"index": index}
            raise
    missing = sum(1 for _g, c in cleaned if not c.get("record_number"))
    if missing:
        # The next register numbers are read and written under the town's row lock, so two
        # registrations at once never pick the same number (the unique constraint backs it).
        list(Gmina.objects.select_for_update().filter(pk=gmina.pk).values_list("pk", flat=True))
    numbers = iter(_next_numbers(gmina, Burial, "P-", missing))
    given = [c["record_number"] for _g, c in cleaned if c.get("record_number")]
    if len(set(given)) != len(given) or Burial.objects.filter(
            gmina=gmina, record_number__in=given).exists():
        raise ValidationError({"record_number": _("This register number is already used.")})
    burials = []
    for grave, data in cleaned:
        if not data.get("record_number"):
            data["record_number"] = next(numbers)
        burial = Burial(gmina=gmina, grave=grave, version=1, **data)
        burial.search_key = burial_search_key(burial)
        burials.append(burial)
    burials = Burial.objects.bulk_create(burials, batch_size=1000)
    if any(b.pk is None for b in burials):  # backends that do not return ids
        numbers_written = [b.record_number for b in burials]
        by_number = {b.record_number: b for b in Burial.objects.filter(
            gmina=gmina, record_number__in=numbers_written)}
        burials = [by_number[n] for n in numbers_written]
    label = _author_label(actor)
    author = actor if getattr(actor, "pk", None) else None
    BookEntryVersion.objects.bulk_create([
        BookEntryVersion(gmina=gmina, book=BookEntryVersion.Book.BURIAL, entry_id=b.pk,
                         version=1, data=_snapshot(b, BURIAL_FIELDS), author=author,
                         author_label=label, reason=(reason or _("entry created"))[:500])
        for b in burials], batch_size=1000)
    _index(gmina, burials)
    _search_changed(grave.cemetery_id for grave, _data in cleaned)
    return burials


@transaction.atomic
def burial_correct(*, gmina: Gmina, burial_id: int, changes: dict, actor,
                   reason: str) -> Burial:
    """A correction: the entry's new version, with who and why; the old one stays readable."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    try:
        burial = Burial.objects.select_for_update().select_related("grave").get(
            gmina=gmina, pk=burial_id)
    except Burial.DoesNotExist:
        raise ValidationError({"burial": _("No such burial.")}) from None
    current = _snapshot(burial, BURIAL_FIELDS)
    for year_field in ("birth_year", "death_year"):
        date_field = year_field.replace("year", "date")
        if current[date_field] is None and current[year_field]:
            current[date_field] = str(current[year_field])
    merged = {k: v for k, v in current.items() if k not in ("birth_year", "death_year")}
    for name, value in changes.items():
        merged[name] = value
    clean = burial_clean(merged)
    if clean["record_number"] != burial.record_number and Burial.objects.filter(
            gmina=gmina, record_number=clean["record_number"]).exists():
        raise ValidationError({"record_number": _("This register number is already used.")})
    if all(getattr(burial, k) == v for k, v in clean.items()):
        raise ValidationError({"__all__": _("The correction changes nothing.")})
    for name, value in clean.items():
        setattr(burial, name, value)
    burial.version += 1
    burial.search_key = burial_search_key(burial)
    burial.save()
    _version_write(gmina=gmina, book=BookEntryVersion.Book.BURIAL, obj=burial,
                   fields=BURIAL_FIELDS, actor=actor, reason=reason)
    _index(gmina, [burial])
    _search_changed([burial.grave.cemetery_id])
    return burial


# --- holders -------------------------------------------------------------------------------


@transaction.atomic
def holder_register(*, gmina: Gmina, grave: Grave, first_name: str, last_name: str,
                    address: str = "", email: str = "", phone: str = "",
                    since: dt.date | None = None, user=None, actor=None,
                    reason: str = "") -> GraveHolder:
    errors = {}
    if not first_name.strip():
        errors["first_name"] = _("The first name is missing.")
    if not last_name.strip():
        errors["last_name"] = _("The last name is missing.")
    if errors:
        raise ValidationError(errors)
    holder = GraveHolder.objects.create(
        gmina=gmina, grave=grave, first_name=first_name.strip(), last_name=last_name.strip(),
        address=address, email=email, phone=phone, since=since, user=user)
    _version_write(gmina=gmina, book=BookEntryVersion.Book.HOLDER, obj=holder,
                   fields=HOLDER_BOOK_FIELDS, actor=actor, reason=reason or _("entry created"))
    return holder


@transaction.atomic
def holder_correct(*, gmina: Gmina, holder_id: int, changes: dict, actor,
                   reason: str) -> GraveHolder:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    unknown = set(changes) - set(HOLDER_FIELDS)
    if unknown:
        raise ValidationError({"__all__": _("Cannot change: %(fields)s") % {
            "fields": ", ".join(sorted(unknown))}})
    holder = GraveHolder.objects.select_for_update().get(gmina=gmina, pk=holder_id)
    for name, value in changes.items():
        setattr(holder, name, value)
    holder.version += 1
    holder.save()
    _version_write(gmina=gmina, book=BookEntryVersion.Book.HOLDER, obj=holder,
                   fields=HOLDER_BOOK_FIELDS, actor=actor, reason=reason)
    return holder


@transaction.atomic
def graves_register(*, gmina: Gmina, cemetery: Cemetery, entries: list[dict], actor=None,
                    reason: str = "") -> list[Grave]:
    """Many graves at once (the demo, imports of a surveyed quarter): each entry has quarter,
    row, number and optionally kind, location, outline, in_monuments_register."""
    quarters: dict[str, Quarter] = {}
    rows: dict[tuple[str, str], Row] = {}
    for entry in entries:
        code = str(entry["quarter"]).strip()
        if code not in quarters:
            quarters[code] = quarter_ensure(gmina=gmina, cemetery=cemetery, code=code,
                                            area=entry.get("quarter_area"))
        key = (code, str(entry["row"]).strip())
        if key not in rows:
            rows[key] = row_ensure(gmina=gmina, quarter=quarters[code], code=key[1])
    _lock_cemetery(cemetery)
    taken = set(Grave.objects.filter(gmina=gmina, cemetery=cemetery).values_list(
        "row_id", "number"))
    numbers = iter(_next_numbers(gmina, Grave, "G-", len(entries), {"cemetery": cemetery}))
    graves = []
    for entry in entries:
        row = rows[(str(entry["quarter"]).strip(), str(entry["row"]).strip())]
        number = str(entry["number"]).strip()
        if (row.pk, number) in taken:
            raise ValidationError({"number": _("Grave %(place)s already exists.") % {
                "place": f"{row.quarter.code}/{row.code}/{number}"}})
        taken.add((row.pk, number))
        kind = entry.get("kind", GraveKind.EARTH)
        if kind not in GraveKind.values:
            raise ValidationError({"kind": _("Unknown grave type.")})
        graves.append(Grave(
            gmina=gmina, cemetery=cemetery, quarter=row.quarter, row=row, number=number,
            kind=kind, location=entry.get("location"), outline=entry.get("outline"),
            in_monuments_register=bool(entry.get("in_monuments_register")),
            record_number=entry.get("record_number") or next(numbers)))
    graves = Grave.objects.bulk_create(graves, batch_size=1000)
    label = _author_label(actor)
    author = actor if getattr(actor, "pk", None) else None
    BookEntryVersion.objects.bulk_create([
        BookEntryVersion(gmina=gmina, book=BookEntryVersion.Book.GRAVE, entry_id=g.pk,
                         version=1, data=_snapshot(g, GRAVE_FIELDS), author=author,
                         author_label=label, reason=(reason or _("entry created"))[:500])
        for g in graves], batch_size=1000)
    return graves
