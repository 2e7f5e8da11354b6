"""Officials define registers without code and edit objects in the administration."""

import json

import pytest
from django.urls import reverse

from podkowa.core.models import AuditLogEntry
from podkowa.registers.models import Attribute, ObjectVersion, Register, RegisterObject
from podkowa.registers.services.objects import object_create, object_update
from tests.admin_support import sign_in_with_second_factor
from tests.registers.conftest import point

pytestmark = pytest.mark.usefixtures("english")


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def test_an_editor_defines_a_register_with_typed_fields(client, gmina, editor, material):
    sign_in_with_second_factor(client, editor)
    response = client.post(reverse("admin:registers_register_add"), {
        "name": "Hydranty", "slug": "hydranty", "description": "", "geometry_kind": "point",
        "editor_role": "register_editor", "is_public": "on", "colour": "#cc0000",
        "order": "0",
        **_inline("attributes", [
            {"order": "0", "key": "numer", "label": "Numer", "kind": "text",
             "required": "on"},
            {"order": "1", "key": "cisnienie", "label": "Ciśnienie", "kind": "number",
             "unit": "bar"},
            {"order": "2", "key": "material", "label": "Materiał", "kind": "choice",
             "dictionary": str(material.pk)},
            {"order": "3", "key": "opiekun", "label": "Opiekun", "kind": "text",
             "personal": "on"},
        ]),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    register = Register.objects.get(slug="hydranty")
    assert register.is_public and register.gmina == gmina
    assert list(Attribute.objects.filter(register=register).values_list(
        "key", "kind", "unit", "required", "personal")) == [
        ("numer", "text", "", True, False), ("cisnienie", "number", "bar", False, False),
        ("material", "choice", "", False, False), ("opiekun", "text", "", False, True)]


def test_a_choice_without_dictionary_is_refused(client, gmina, editor):
    sign_in_with_second_factor(client, editor)
    response = client.post(reverse("admin:registers_register_add"), {
        "name": "X", "slug": "x", "geometry_kind": "point", "editor_role": "register_editor",
        "colour": "#cc0000", "order": "0",
        **_inline("attributes", [{"order": "0", "key": "k", "label": "K", "kind": "choice"}]),
    })
    assert response.status_code == 200
    assert "A choice needs a dictionary." in response.content.decode()
    assert not Register.objects.filter(slug="x").exists()


VERSIONS = _inline("versions", [])


def test_objects_are_edited_through_the_services_and_restored(client, gmina, editor, benches):
    sign_in_with_second_factor(client, editor)
    bad = client.post(reverse("admin:registers_registerobject_add"), {
        "register": benches.pk, "status": "active", "geometry_wkt": "POINT (20.73 52.12)",
        "attributes": json.dumps({"seats": "lots"}), **VERSIONS})
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "Number: this field is required." in page and "a number is needed" in page
    assert not RegisterObject.objects.exists()

    good = client.post(reverse("admin:registers_registerobject_add"), {
        "register": benches.pk, "status": "active", "geometry_wkt": "POINT (20.73 52.12)",
        "attributes": json.dumps({"number": "B-1", "seats": "3"}), **VERSIONS})
    assert good.status_code == 302
    bench = RegisterObject.objects.get()
    assert bench.attributes == {"number": "B-1", "seats": 3}
    changed = client.post(reverse("admin:registers_registerobject_change", args=[bench.pk]), {
        "status": "planned", "geometry_wkt": "POINT (20.74 52.12)",
        "attributes": json.dumps({"number": "B-1", "seats": 4}), **VERSIONS,
        "versions-INITIAL_FORMS": "1", "versions-TOTAL_FORMS": "1",
        "versions-0-id": str(bench.versions.get().pk), "versions-0-object": str(bench.pk)})
    assert changed.status_code == 302
    bench.refresh_from_db()
    assert bench.version == 2 and bench.status == "planned"
    assert bench.versions.get(number=2).actor == editor

    first = ObjectVersion.objects.get(object=bench, number=1)
    response = client.post(reverse("admin:registers_objectversion_changelist"), {
        "action": "restore_versions", "_selected_action": [first.pk]})
    assert response.status_code == 302
    bench.refresh_from_db()
    assert bench.version == 3 and bench.attributes["seats"] == 3 and bench.status == "active"


def test_opening_an_object_with_personal_data_is_audited(client, gmina, editor, benches):
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1", "sponsor": "Jan Nowak"})
    plain = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "2"})
    object_update(gmina=gmina, object_id=plain.pk, attributes={"number": "3"})
    sign_in_with_second_factor(client, editor)
    assert client.get(reverse("admin:registers_registerobject_change",
                              args=[plain.pk])).status_code == 200
    assert not AuditLogEntry.objects.exists()
    assert client.get(reverse("admin:registers_registerobject_change",
                              args=[bench.pk])).status_code == 200
    assert AuditLogEntry.objects.get().object_ref == f"registers.registerobject:{bench.pk}"


def test_an_official_without_the_role_cannot_define_registers(client, gmina, clerk):
    sign_in_with_second_factor(client, clerk)
    assert client.get(reverse("admin:registers_register_add")).status_code == 403


def test_every_registers_page_opens_for_an_editor(client, gmina, editor, benches):
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1"})
    sign_in_with_second_factor(client, editor)
    for model, obj in [("register", benches), ("attribute", None), ("dictionary", None),
                       ("registerobject", bench), ("objectversion", bench.versions.get())]:
        if model != "attribute":
            assert client.get(reverse(f"admin:registers_{model}_changelist")).status_code == 200
        if obj is not None:
            url = reverse(f"admin:registers_{model}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, model
