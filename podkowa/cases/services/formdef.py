"""Form definitions (a list of typed fields) and the validation of a resident's answers.

A definition is data officials edit, so it is checked as a whole before it is published, and
answers are checked against the version the resident is filing with. Every error is keyed by
the field's key so a page or the API can put it next to the right input.
"""

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.core.identifiers import clean_pesel

VALUE_TYPES = (
    "text", "textarea", "email", "phone", "date", "integer", "choice", "checkbox", "pesel",
    "postal_code", "address", "people",
)
ATTACHMENTS = "attachments"
FIELD_TYPES = (*VALUE_TYPES, ATTACHMENTS)
ATTACHMENT_KINDS = ("image", "pdf")
# A ceiling for what an official may allow per file: the web server and storage set the rest.
MAX_ATTACHMENT_MB = 25

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_POSTAL = re.compile(r"^\d{2}-\d{3}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
TEXT_MAX = {"text": 500, "textarea": 10000}


# --- the definition ------------------------------------------------------------------------


def form_definition_validate(definition: Any) -> list[dict]:
    """Return the definition if it is well-formed, else raise ValidationError({"definition"})."""
    if not isinstance(definition, list) or not definition:
        raise ValidationError({"definition": _("A form is a non-empty list of fields.")})
    errors: list[str] = []
    seen: set[str] = set()
    for position, field in enumerate(definition, start=1):
        if not isinstance(field, dict):
            errors.append(_g("Field %(n)s is not an object with a key, type and label.")
                          % {"n": position})
            continue
        key = field.get("key")
        name = key if isinstance(key, str) else str(position)

        def fail(message, name=name, position=position):
            errors.append(_g("Field %(n)s (%(key)s): %(problem)s")
                          % {"n": position, "key": name, "problem": message})

        if not isinstance(key, str) or not _KEY.match(key):
            fail(_g("the key must start with a small letter and use only a-z, 0-9 and _."))
        elif key in seen:
            fail(_g("the key is used twice."))
        else:
            seen.add(key)
        kind = field.get("type")
        if kind not in FIELD_TYPES:
            fail(_g("unknown type “%(type)s”; use one of: %(types)s.")
                 % {"type": kind, "types": ", ".join(FIELD_TYPES)})
            continue
        if not isinstance(field.get("label"), str) or not field["label"].strip():
            fail(_g("the label is missing."))
        if "required" in field and not isinstance(field["required"], bool):
            fail(_g("“required” must be true or false."))
        if kind == "choice":
            choices = field.get("choices")
            if not isinstance(choices, list) or not choices or not all(
                isinstance(c, str) and c for c in choices
            ):
                fail(_g("a choice needs a non-empty list of options."))
        for bound in ("min", "max", "max_length", "min_rows", "max_rows"):
            if bound in field and (not isinstance(field[bound], int)
                                   or isinstance(field[bound], bool)):
                fail(_g("“%(name)s” must be a whole number.") % {"name": bound})
        if kind == ATTACHMENTS:
            kinds = field.get("kinds")
            if not isinstance(kinds, list) or not kinds or any(
                k not in ATTACHMENT_KINDS for k in kinds
            ):
                fail(_g("allowed kinds must be a list of: %(kinds)s.")
                     % {"kinds": ", ".join(ATTACHMENT_KINDS)})
            size = field.get("max_size_mb")
            if not isinstance(size, int | float) or isinstance(size, bool) or not (
                0 < size <= MAX_ATTACHMENT_MB
            ):
                fail(_g("the largest file size must be more than 0 and at most %(max)s MB.")
                     % {"max": MAX_ATTACHMENT_MB})
            count = field.get("max_count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 20:
                fail(_g("the number of files must be between 1 and 20."))
    if errors:
        raise ValidationError({"definition": errors})
    return definition


def attachment_fields(definition: list[dict]) -> list[dict]:
    return [f for f in definition if f["type"] == ATTACHMENTS]


def value_fields(definition: list[dict]) -> list[dict]:
    return [f for f in definition if f["type"] != ATTACHMENTS]


# --- the answers ---------------------------------------------------------------------------


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def _parse_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None


def _clean_text(field, value) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Enter text."))
    value = value.strip()
    limit = field.get("max_length", TEXT_MAX.get(field["type"], 500))
    if len(value) > limit:
        raise ValidationError(_("Use at most %(limit)s characters.") % {"limit": limit})
    return value


def _clean_value(field: dict, value):
    kind = field["type"]
    if kind in ("text", "textarea"):
        return _clean_text(field, value)
    if kind == "email":
        value = _clean_text(field, value)
        validate_email(value)
        return value.lower()
    if kind == "phone":
        value = _clean_text(field, value)
        if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 9:
            raise ValidationError(_("Enter a phone number of at least 9 digits."))
        return value
    if kind == "date":
        parsed = _parse_date(value)
        if field.get("past_only") and parsed > date.today():  # noqa: DTZ011 (a calendar date)
            raise ValidationError(_("The date cannot be in the future."))
        return parsed.isoformat()
    if kind == "integer":
        if isinstance(value, bool):
            raise ValidationError(_("Enter a whole number."))
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(_("Enter a whole number.")) from None
        if "min" in field and number < field["min"]:
            raise ValidationError(_("Enter at least %(min)s.") % {"min": field["min"]})
        if "max" in field and number > field["max"]:
            raise ValidationError(_("Enter at most %(max)s.") % {"max": field["max"]})
        return number
    if kind == "choice":
        if value not in field["choices"]:
            raise ValidationError(_("Choose one of the options."))
        return value
    if kind == "checkbox":
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "on", "yes")
        return bool(value)
    if kind == "pesel":
        return clean_pesel(str(value))
    if kind == "postal_code":
        value = _clean_text(field, value)
        if not _POSTAL.match(value):
            raise ValidationError(_("Enter a postal code as 00-000."))
        return value
    if kind == "address":
        return _clean_address(value)
    if kind == "people":
        return _clean_people(field, value)
    raise ValidationError(_("This field cannot be answered."))  # unreachable for valid forms


def _clean_address(value) -> dict:
    if not isinstance(value, dict):
        raise ValidationError(_("Enter the street, postal code and city."))
    street = str(value.get("street", "")).strip()
    postal = str(value.get("postal_code", "")).strip()
    city = str(value.get("city", "")).strip()
    problems = []
    if not street:
        problems.append(_("Enter the street and number."))
    if not _POSTAL.match(postal):
        problems.append(_("Enter a postal code as 00-000."))
    if not city:
        problems.append(_("Enter the city."))
    if any(len(part) > 200 for part in (street, city)):
        problems.append(_("Use at most %(limit)s characters.") % {"limit": 200})
    if problems:
        raise ValidationError(problems)
    return {"street": street, "postal_code": postal, "city": city}


def _people_rows(value) -> list[dict]:
    """The rows that hold anything (a page always sends a few empty ones)."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValidationError(_("Enter one row per person."))
    return [row for row in value if any(str(v).strip() for v in row.values() if v is not None)]


def _clean_people(field, value) -> list[dict]:
    rows = _people_rows(value)
    problems, cleaned = [], []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("name", "")).strip()
        if not name:
            problems.append(_g("Person %(n)s: enter the name.") % {"n": number})
        elif len(name) > 200:
            problems.append(_g("Person %(n)s: the name is too long.") % {"n": number})
        try:
            born = _parse_date(row.get("birth_date", ""))
            if born > date.today():  # noqa: DTZ011 (a calendar date)
                raise ValidationError(_("The date cannot be in the future."))
        except ValidationError as error:
            problems.append(_g("Person %(n)s: %(problem)s")
                            % {"n": number, "problem": " ".join(error.messages)})
            born = None
        if born is not None:
            cleaned.append({"name": name, "birth_date": born.isoformat()})
    low, high = field.get("min_rows", 0), field.get("max_rows", 20)
    if len(rows) < low:
        problems.append(_g("Enter at least %(n)s people.") % {"n": low})
    if len(rows) > high:
        problems.append(_g("Enter at most %(n)s people.") % {"n": high})
    if problems:
        raise ValidationError(problems)
    return cleaned


def answers_validate(definition: list[dict], data: dict) -> tuple[dict, dict[str, list]]:
    """Cleaned answers (only the form's own fields) and per-field errors (empty when valid)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}
    data = data or {}
    if not isinstance(data, dict):
        return {}, {"data": [_("The answers must be an object of field keys and values.")]}
    known = {f["key"] for f in definition}
    for key in sorted(set(data) - known):
        errors[key] = [_("This form has no such field.")]
    for field in value_fields(definition):
        value = data.get(field["key"])
        if isinstance(value, str):
            value = value.strip()
            if field["type"] == "checkbox":
                value = value.lower() in ("1", "true", "on", "yes")
        if field["type"] == "people":
            try:
                value = _people_rows(value if value is not None else [])
            except ValidationError as error:
                errors[field["key"]] = error.messages
                continue
        if _empty(value):
            if field.get("required"):
                errors[field["key"]] = [
                    _("Tick this box.") if field["type"] == "checkbox"
                    else _("This field is required.")
                ]
            elif field["type"] == "checkbox":
                cleaned[field["key"]] = False
            continue
        try:
            cleaned[field["key"]] = _clean_value(field, value)
        except ValidationError as error:
            errors[field["key"]] = error.messages
    return cleaned, errors


def answers_from_post(definition: list[dict], post) -> dict:
    """A QueryDict from an HTML form → the answers dict the services take.

    Addresses come as `<key>.street`, `<key>.postal_code`, `<key>.city`; people rows as
    `<key>-<n>-name` and `<key>-<n>-birth_date` for n = 0, 1, …
    """
    data: dict[str, Any] = {}
    for field in value_fields(definition):
        key, kind = field["key"], field["type"]
        if kind == "address":
            data[key] = {part: post.get(f"{key}.{part}", "")
                         for part in ("street", "postal_code", "city")}
        elif kind == "people":
            rows, n = [], 0
            while f"{key}-{n}-name" in post or f"{key}-{n}-birth_date" in post:
                rows.append({"name": post.get(f"{key}-{n}-name", ""),
                             "birth_date": post.get(f"{key}-{n}-birth_date", "")})
                n += 1
            data[key] = rows
        elif kind == "checkbox":
            data[key] = key in post and post.get(key) not in ("", "0", "false", "off")
        elif key in post:
            data[key] = post.get(key, "")
    return data


def files_from_request(definition: list[dict], files) -> dict[str, list]:
    """request.FILES (a MultiValueDict) → the files dict the filing service takes."""
    return {f["key"]: files.getlist(f["key"]) for f in attachment_fields(definition)
            if f["key"] in files}


def answers_as_text(definition: list[dict], data: dict) -> list[tuple[str, str]]:
    """(label, readable answer) pairs in the form's order, for receipts and search."""
    lines = []
    for field in value_fields(definition):
        if field["key"] not in data:
            continue
        value = data[field["key"]]
        if field["type"] == "address" and isinstance(value, dict):
            text = f"{value.get('street', '')}, {value.get('postal_code', '')} " \
                   f"{value.get('city', '')}"
        elif field["type"] == "people" and isinstance(value, list):
            text = "; ".join(f"{row.get('name', '')} ({row.get('birth_date', '')})"
                             for row in value)
        elif field["type"] == "checkbox":
            text = str(_("yes") if value else _("no"))
        else:
            text = str(value)
        lines.append((field["label"], text))
    return lines
