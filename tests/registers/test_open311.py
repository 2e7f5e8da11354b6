"""Open311 GeoReport v2: services, requests (create, list, detail); a report about an object
becomes a case with the object attached, and the reporter is told when it is fixed."""

import pytest
from django.core.exceptions import PermissionDenied

from podkowa.accounts.models import Role
from podkowa.accounts.services.tokens import api_token_create
from podkowa.cases.models import Case, Status
from podkowa.notifications.models import InboxItem
from podkowa.registers.models import FaultReport, Register
from podkowa.registers.services.faults import fault_report_mark_fixed
from podkowa.registers.services.objects import object_create
from tests.admin_support import make_official
from tests.factories import UserFactory
from tests.registers.conftest import point


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def resident(gmina):
    return UserFactory(email="maria@example.org", language="en")


@pytest.fixture
def lamp(gmina, benches):
    return object_create(gmina=gmina, register_id=benches.pk, geometry=point(20.731, 52.121),
                         attributes={"number": "L-7"})


def token(gmina, user) -> str:
    return api_token_create(gmina=gmina, user=user, name="phone")[1]


def test_services_one_per_public_register_and_a_general_one(client, gmina, benches, lines):
    Register.objects.create(gmina=gmina, name="Internal", slug="internal")
    listed = client.get("/open311/v2/services.json").json()
    assert [s["service_code"] for s in listed] == ["benches", "lines", "general"]
    assert client.get("/open311/v2/services").json() == listed
    definition = client.get("/open311/v2/services/benches.json").json()
    assert definition["attributes"][0]["code"] == "object_id"
    assert client.get("/open311/v2/services/internal.json").status_code == 404
    assert client.get("/open311/v2/services.xml").status_code == 400


def test_a_report_about_an_object_becomes_a_case(client, gmina, benches, lamp, resident):
    response = client.post("/open311/v2/requests.json", {
        "service_code": "benches", "attribute[object_id]": lamp.pk,
        "description": "Broken seat", "api_key": token(gmina, resident)})
    assert response.status_code == 201, response.content
    body = response.json()[0]
    report = FaultReport.objects.get(pk=body["service_request_id"])
    case = report.case
    assert case.number in body["service_notice"] and case.applicant == resident
    assert case.case_type.slug == "zgloszenie-usterki" and case.status == Status.REGISTERED
    assert case.data["object"] == f"Benches L-7 (obiekt nr {lamp.pk})"  # the office's language
    assert case.data["description"] == "Broken seat"
    assert report.object == lamp and (report.location.x, report.location.y) == (20.731, 52.121)

    public = client.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert public["status"] == "open" and public["attributes"] == {"object_id": lamp.pk}
    assert public["lat"] == 52.121 and public["description"] == ""  # not to the public
    own = client.get(f"/open311/v2/requests/{report.pk}.json",
                     headers={"Authorization": f"Bearer {token(gmina, resident)}"}).json()[0]
    assert own["description"] == "Broken seat"
    listed = client.get("/open311/v2/requests.json", {"service_code": "benches"}).json()
    assert [r["service_request_id"] for r in listed] == [str(report.pk)]
    assert client.get("/open311/v2/requests.json", {"service_code": "general"}).json() == []


def test_bad_reports_name_the_field_and_write_nothing(client, gmina, benches, lamp, resident):
    key = token(gmina, resident)
    anonymous = client.post("/open311/v2/requests.json", {
        "service_code": "benches", "attribute[object_id]": lamp.pk, "description": "x"})
    assert anonymous.status_code == 403
    empty = client.post("/open311/v2/requests.json", {
        "service_code": "benches", "attribute[object_id]": lamp.pk, "api_key": key})
    assert empty.status_code == 400
    assert empty.json()[0]["description"].startswith("description:")
    nowhere = client.post("/open311/v2/requests.json", {
        "service_code": "general", "description": "Hole", "api_key": key})
    assert nowhere.status_code == 400 and "location" in nowhere.json()[0]["description"]
    unknown = client.post("/open311/v2/requests.json", {
        "service_code": "benches", "attribute[object_id]": 99999, "description": "x",
        "api_key": key})
    assert unknown.status_code == 400
    assert not Case.objects.exists() and not FaultReport.objects.exists()
    general = client.post("/open311/v2/requests.json", {
        "service_code": "general", "description": "Hole in the road", "lat": "52.12",
        "long": "20.73", "address_string": "Akacjowa 1", "api_key": key})
    assert general.status_code == 201
    assert FaultReport.objects.get().object is None


def test_the_reporter_is_told_when_it_is_fixed(client, gmina, benches, lamp, resident, editor):
    client.post("/open311/v2/requests.json", {
        "service_code": "benches", "attribute[object_id]": lamp.pk,
        "description": "Broken seat", "api_key": token(gmina, resident)})
    report = FaultReport.objects.get()
    stranger = make_official(gmina, Role.CULTURE_EDITOR)
    with pytest.raises(PermissionDenied):
        fault_report_mark_fixed(gmina=gmina, report_id=report.pk, actor=stranger)
    fault_report_mark_fixed(gmina=gmina, report_id=report.pk, actor=editor, note="New slat.")
    fault_report_mark_fixed(gmina=gmina, report_id=report.pk, actor=editor)  # idempotent
    report.refresh_from_db()
    assert report.case.status == Status.CLOSED and report.fixed_by == editor
    inbox = InboxItem.objects.filter(recipient=resident)
    assert inbox.count() == 1
    item = inbox.get()
    assert "L-7" in item.subject and "New slat." in item.body
    closed = client.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert closed["status"] == "closed"
    assert [r["service_request_id"] for r in client.get(
        "/open311/v2/requests.json", {"status": "closed"}).json()] == [str(report.pk)]


def test_the_reporters_export_holds_their_reports(gmina, benches, lamp, resident):
    from podkowa.registers.personal_data import export
    from podkowa.registers.services.faults import fault_report_file

    fault_report_file(gmina=gmina, reporter=resident, description="Broken", object_id=lamp.pk)
    data = export(gmina=gmina, user=resident)
    assert [r["description"] for r in data["fault_reports"]] == ["Broken"]
    assert export(gmina=gmina, user=UserFactory())["fault_reports"] == []
