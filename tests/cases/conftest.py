import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from podkowa.accounts.models import Department, Role
from podkowa.cases.models import CaseType, Deadline, Status
from podkowa.cases.services.catalogue import form_version_publish
from tests.admin_support import make_official
from tests.factories import UserFactory


def pytest_configure(config):
    config.addinivalue_line("markers", "real_notifications: use podkowa.notifications.notify")


@pytest.fixture(autouse=True)
def notified(request, monkeypatch):
    """Every message a case sends its applicant, recorded instead of delivered (the
    notification service is tested on its own; this is the cases app's only hook into it).
    Tests marked `real_notifications` go through the real service instead."""
    calls: list[dict] = []
    if request.node.get_closest_marker("real_notifications") is not None:
        return calls
    monkeypatch.setattr("podkowa.cases.services.notify.case_notify",
                        lambda **kwargs: calls.append(kwargs))
    return calls


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


FULL_FORM = [
    {"key": "name", "type": "text", "label": "Name", "required": True, "max_length": 20},
    {"key": "story", "type": "textarea", "label": "Story"},
    {"key": "email", "type": "email", "label": "E-mail"},
    {"key": "phone", "type": "phone", "label": "Phone"},
    {"key": "born", "type": "date", "label": "Born", "past_only": True},
    {"key": "count", "type": "integer", "label": "Count", "min": 1, "max": 5},
    {"key": "colour", "type": "choice", "label": "Colour", "choices": ["red", "green"]},
    {"key": "agree", "type": "checkbox", "label": "I agree", "required": True},
    {"key": "pesel", "type": "pesel", "label": "PESEL"},
    {"key": "postal", "type": "postal_code", "label": "Postal code"},
    {"key": "address", "type": "address", "label": "Address"},
    {"key": "people", "type": "people", "label": "Household", "max_rows": 2},
    {"key": "photo", "type": "attachments", "label": "Photo", "kinds": ["image"],
     "max_size_mb": 1, "max_count": 1, "required": True},
    {"key": "docs", "type": "attachments", "label": "Documents", "kinds": ["pdf", "image"],
     "max_size_mb": 1, "max_count": 2},
]

VALID_ANSWERS = {"name": "Anna", "agree": True}


def jpeg_bytes(exif=None, size=(40, 30), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def photo(name="photo.jpg", content=None):
    return SimpleUploadedFile(name, content or jpeg_bytes(), content_type="image/jpeg")


def minimal_pdf() -> bytes:
    body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    xref_at = len(body)
    return body + b"xref\n0 2\ntrailer\n<< /Root 1 0 R >>\nstartxref\n" + \
        str(xref_at).encode() + b"\n%%EOF\n"


@pytest.fixture
def department(gmina):
    return Department.objects.create(gmina=gmina, name="Referat Organizacyjny")


@pytest.fixture
def case_type(gmina, department):
    kind = CaseType.objects.create(
        gmina=gmina, name="Test matter", slug="test", number_prefix="TM",
        department=department, deadline=Deadline.MONTH_1,
        notify_statuses=[Status.NEEDS_INFORMATION, Status.READY_FOR_PICKUP],
    )
    form_version_publish(gmina=gmina, case_type_id=kind.pk, definition=FULL_FORM)
    return kind


@pytest.fixture
def applicant(gmina):
    # English, so that what the office sends them reads the same before and after the Polish
    # catalogue is translated.
    return UserFactory(first_name="Zofia", last_name="Żółkiewska", language="en")


@pytest.fixture
def clerk(gmina, department):
    return make_official(gmina, Role.CASE_CLERK)


@pytest.fixture
def file_case(gmina, case_type, applicant, media):
    from podkowa.cases.services.filing import case_file

    def file(**overrides):
        params = {"gmina": gmina, "applicant": applicant, "case_type_id": case_type.pk,
                  "data": dict(VALID_ANSWERS), "files": {"photo": [photo()]}}
        params.update(overrides)
        return case_file(**params)

    return file


@pytest.fixture
def in_english():
    """Services answer in the active language (Polish by default): read their words in English."""
    from django.utils import translation

    with translation.override("en"):
        yield
