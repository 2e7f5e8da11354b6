"""The cases API of the mobile app: my cases, the thread, the types, filing."""

import json

import pytest

from podkowa.accounts.services.tokens import api_token_create
from podkowa.cases.models import Case, CaseMessage, Status
from podkowa.cases.services.lifecycle import case_transition
from podkowa.cases.services.messages import case_message_post
from tests.cases.conftest import photo, stored_files
from tests.factories import UserFactory


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def bearer(gmina, user) -> dict[str, str]:
    _token, plain = api_token_create(gmina=gmina, user=user, name="My phone")
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def phone(gmina, applicant):
    return bearer(gmina, applicant)


def test_my_cases_list_filters_and_counts_unread(client, gmina, file_case, clerk, phone):
    first = file_case()
    second = file_case()
    case_transition(gmina=gmina, case_id=second.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    case_message_post(gmina=gmina, case_id=second.pk, author=clerk, body="Hello")
    file_case(applicant=UserFactory())  # someone else's

    listed = client.get("/api/v1/cases", headers=phone).json()
    assert [c["number"] for c in listed] == [second.number, first.number]
    assert listed[0]["unread"] == 1 and listed[0]["status_label"] == "in progress"
    only = client.get("/api/v1/cases", {"status": "registered"}, headers=phone).json()
    assert [c["number"] for c in only] == [first.number]


def test_case_detail_shows_the_thread_without_internal_notes(
        client, gmina, file_case, clerk, phone):
    case = file_case()
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Visible")
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Internal",
                      internal=True)
    body = client.get(f"/api/v1/cases/{case.pk}", headers=phone).json()
    assert [m["body"] for m in body["messages"]] == ["Visible"]
    assert body["answers"]["name"] == "Anna"
    assert body["attachments"][0]["field"] == "photo"
    assert body["may_withdraw"] is True
    assert [h["to_status"] for h in body["history"]] == ["filed", "registered"]
    assert body["unread"] == 1
    assert client.post(f"/api/v1/cases/{case.pk}/read", headers=phone).json() == {"marked": 1}

    download = client.get(f"/api/v1/cases/attachments/{body['attachments'][0]['id']}",
                          headers=phone)
    assert download.status_code == 200


def test_someone_elses_case_is_not_found(client, gmina, file_case):
    case = file_case()
    stranger = bearer(gmina, UserFactory())
    assert client.get(f"/api/v1/cases/{case.pk}", headers=stranger).status_code == 404
    response = client.post(f"/api/v1/cases/{case.pk}/messages", {"body": "hi"},
                           headers=stranger)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    attachment = case.attachments.get()
    assert client.get(f"/api/v1/cases/attachments/{attachment.pk}",
                      headers=stranger).status_code == 404
    assert not CaseMessage.objects.exists()


def test_an_answer_through_the_app_sends_the_case_back_to_the_office(
        client, gmina, file_case, clerk, phone, media):
    case = file_case()
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.NEEDS_INFORMATION,
                    actor=clerk)
    response = client.post(f"/api/v1/cases/{case.pk}/messages",
                           {"body": "Here is the scan.", "files": [photo("scan.jpg")]},
                           headers=phone)
    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["name"] == "scan.jpg"
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS

    empty = client.post(f"/api/v1/cases/{case.pk}/messages", {"body": ""}, headers=phone)
    assert empty.status_code == 400
    assert empty.json()["errors"]["body"] == ["Write a message or attach a file."]


def test_filing_through_the_app(client, gmina, case_type, phone, media):
    types = client.get("/api/v1/cases/types", headers=phone).json()
    assert [t["slug"] for t in types] == ["test"]
    assert any(f["key"] == "photo" for f in types[0]["form"])

    response = client.post("/api/v1/cases", {
        "case_type_id": case_type.pk,
        "data": json.dumps({"name": "Anna", "agree": True,
                            "people": [{"name": "Jan", "birth_date": "2016-01-02"}]}),
        "photo": photo(),
    }, headers=phone)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["number"] == case.number and case.channel == "mobile"
    assert body["status"] == "registered"


def test_bad_filing_names_the_field_and_stores_nothing(client, gmina, case_type, phone, media):
    response = client.post("/api/v1/cases", {
        "case_type_id": case_type.pk, "data": json.dumps({"agree": True}),
    }, headers=phone)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["name"] == ["This field is required."]
    assert "photo" in errors
    bad_json = client.post("/api/v1/cases", {"case_type_id": case_type.pk, "data": "{"},
                           headers=phone)
    assert bad_json.json()["errors"] == {"data": ["The answers are not valid JSON."]}
    assert not Case.objects.exists() and stored_files(media) == []


def test_a_type_kept_off_the_app_is_refused_to_the_mobile_channel(
        client, gmina, case_type, phone, media):
    case_type.app_allowed = False
    case_type.save()
    assert client.get("/api/v1/cases/types", headers=phone).json() == []
    response = client.post("/api/v1/cases", {
        "case_type_id": case_type.pk, "data": json.dumps({"name": "Anna", "agree": True}),
        "photo": photo(),
    }, headers=phone)
    assert response.status_code == 400
    assert "mobile app" in response.json()["errors"]["channel"][0]
    assert not Case.objects.exists()


def test_the_website_session_may_file_what_the_app_may_not(
        client, gmina, case_type, applicant, media):
    case_type.app_allowed = False
    case_type.save()
    client.force_login(applicant)
    assert [t["slug"] for t in client.get("/api/v1/cases/types").json()] == ["test"]


def test_withdrawing_through_the_app(client, gmina, file_case, clerk, phone):
    case = file_case()
    body = client.post(f"/api/v1/cases/{case.pk}/withdraw", headers=phone).json()
    assert body["status"] == "withdrawn" and body["may_withdraw"] is False
    again = client.post(f"/api/v1/cases/{case.pk}/withdraw", headers=phone)
    assert again.status_code == 400
    assert "cannot become" in again.json()["detail"]
