"""Reporting a fault on the website and the office's list of reports."""

import pytest
from django.urls import reverse

from podkowa.accounts.models import Role
from podkowa.registers.models import FaultReport
from podkowa.registers.services.faults import fault_report_file
from podkowa.registers.services.objects import object_create
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory
from tests.registers.conftest import point

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def lamp(gmina, benches):
    return object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                         attributes={"number": "L-7", "sponsor": "Jan Nowak"})


def test_a_resident_reports_a_fault_from_the_objects_page(client, gmina, lamp):
    url = reverse("registers:report", args=["benches", lamp.pk])
    assert client.get(url).status_code == 302  # sign in first
    resident = UserFactory()
    client.force_login(resident)
    page = client.get(url).content.decode()
    assert "L-7" in page and "Jan Nowak" not in page
    empty = client.post(url, {"description": ""})
    assert empty.status_code == 200 and not FaultReport.objects.exists()
    sent = client.post(url, {"description": "The lamp is out"})
    report = FaultReport.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "cases:detail", kwargs={"case_id": report.case_id})
    assert report.reporter == resident and report.object == lamp


def test_the_office_lists_reports_and_marks_them_fixed(client, gmina, lamp, editor):
    report = fault_report_file(gmina=gmina, reporter=UserFactory(), description="Out",
                               object_id=lamp.pk)
    clerk_of_culture = make_official(gmina, Role.CULTURE_EDITOR)
    sign_in_with_second_factor(client, clerk_of_culture)
    assert client.get(reverse("registers:fault_reports")).status_code == 403
    client.logout()
    sign_in_with_second_factor(client, editor)
    page = client.get(reverse("registers:fault_reports")).content.decode()
    assert report.case.number in page and "L-7" in page and f"{lamp.pk}" in page
    client.post(reverse("registers:fault_reports"), {"report": report.pk, "note": "Done"})
    report.refresh_from_db()
    assert report.fixed_by == editor
    assert report.case.number not in client.get(reverse("registers:fault_reports")).content.decode()
