"""The case catalogue in the administration: pages open, publishing goes through the service,
a used form version is read-only, reading a case there is audited."""

import json

import pytest
from django.urls import reverse

from podkowa.accounts.models import Role
from podkowa.cases.models import FormVersion
from podkowa.core.models import AuditLogEntry
from tests.admin_support import make_official, sign_in_with_second_factor

pytestmark = pytest.mark.usefixtures("english")

MODELS = ["casetype", "formversion", "replytemplate", "case"]


def test_every_cases_page_opens_for_a_clerk(client, gmina, file_case, clerk):
    case = file_case()
    sign_in_with_second_factor(client, clerk)
    objects = {"casetype": case.case_type, "formversion": case.form_version, "case": case}
    for model in MODELS:
        assert client.get(reverse(f"admin:cases_{model}_changelist")).status_code == 200, model
        if model in objects:
            url = reverse(f"admin:cases_{model}_change", args=[objects[model].pk])
            assert client.get(url).status_code == 200, model
    entries = AuditLogEntry.objects.filter(object_ref=f"cases.case:{case.pk}")
    assert entries.get().subject == case.applicant


def test_publishing_a_form_in_the_admin_makes_the_next_version(client, gmina, case_type,
                                                              file_case, clerk):
    used = file_case().form_version
    sign_in_with_second_factor(client, clerk)
    response = client.post(reverse("admin:cases_formversion_add"), {
        "case_type": case_type.pk,
        "definition": json.dumps([{"key": "a", "type": "text", "label": "A"}]),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(FormVersion.objects.values_list("number", flat=True).order_by("number")) == [
        1, 2]
    # The used version opens read-only: no definition input to change.
    page = client.get(reverse("admin:cases_formversion_change", args=[used.pk]))
    assert 'name="definition"' not in page.content.decode()


def test_an_unknown_field_type_is_refused_in_the_admin(client, gmina, case_type, clerk):
    sign_in_with_second_factor(client, clerk)
    response = client.post(reverse("admin:cases_formversion_add"), {
        "case_type": case_type.pk,
        "definition": json.dumps([{"key": "a", "type": "hologram", "label": "A"}]),
    })
    assert response.status_code == 200
    assert "unknown type" in response.content.decode()
    assert FormVersion.objects.count() == 1


def test_an_official_without_the_case_role_sees_no_cases(client, gmina, file_case):
    case = file_case()
    culture = make_official(gmina, Role.CULTURE_EDITOR)
    sign_in_with_second_factor(client, culture)
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 403
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code in (
        302, 403)
    assert not AuditLogEntry.objects.exists()


def test_a_clerk_adds_a_case_type_without_code(client, gmina, department, clerk):
    from podkowa.cases.models import CaseType

    sign_in_with_second_factor(client, clerk)
    form = {"name": "Dog licence", "slug": "dog", "description": "", "department": department.pk,
            "number_prefix": "PS", "deadline": "days", "deadline_days": "",
            "app_allowed": "on", "notify_statuses": ["decided", "closed"], "is_active": "on",
            "form_versions-TOTAL_FORMS": "0", "form_versions-INITIAL_FORMS": "0"}
    refused = client.post(reverse("admin:cases_casetype_add"), form)
    assert refused.status_code == 200
    assert "Give the number of days." in refused.content.decode()
    response = client.post(reverse("admin:cases_casetype_add"), {**form, "deadline_days": "21"})
    assert response.status_code == 302
    created = CaseType.objects.get(slug="dog")
    assert created.gmina == gmina
    assert created.notify_statuses == ["decided", "closed"]
