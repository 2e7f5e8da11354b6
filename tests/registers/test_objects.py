"""Objects checked against their register's definition, and their full history."""

import pytest
from django.core.exceptions import ValidationError

from podkowa.core.models import AuditLogEntry
from podkowa.registers.models import ObjectStatus, ObjectVersion, RegisterObject
from podkowa.registers.selectors.objects import visible_attributes
from podkowa.registers.services.objects import (
    object_create,
    object_remove,
    object_restore,
    object_update,
)
from tests.factories import UserFactory
from tests.registers.conftest import line, point

pytestmark = pytest.mark.usefixtures("in_english")


def test_values_are_typed_by_the_definition(gmina, benches, lines, editor):
    cable = object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                          attributes={"name": "Akacjowa"})
    bench = object_create(
        gmina=gmina, register_id=benches.pk, geometry=point(), actor=editor,
        attributes={"number": " Ł-1 ", "seats": "3", "material": "Żelbet",
                    "installed": "2024-05-01", "backrest": "tak", "line": str(cable.pk)})
    bench.refresh_from_db()
    assert bench.attributes == {"number": "Ł-1", "seats": 3, "material": "zelbet",
                                "installed": "2024-05-01", "backrest": True,
                                "line": cable.pk}
    assert bench.status == ObjectStatus.ACTIVE and bench.version == 1
    assert bench.versions.get().actor == editor


def test_every_bad_field_is_named_and_nothing_is_written(gmina, benches):
    with pytest.raises(ValidationError) as raised:
        object_create(gmina=gmina, register_id=benches.pk, geometry=line(),
                      attributes={"seats": "many", "material": "plastic",
                                  "installed": "yesterday", "colour": "red", "line": 999})
    errors = raised.value.message_dict
    assert set(errors) == {"geometry", "attributes.number", "attributes.seats",
                           "attributes.material", "attributes.installed",
                           "attributes.colour", "attributes.line"}
    assert "“plastic” is not in the dictionary" in errors["attributes.material"][0]
    assert "Number: this field is required." in errors["attributes.number"]
    assert not RegisterObject.objects.exists()


def test_line_length_is_computed_in_metres(gmina, lines):
    cable = object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                          attributes={"name": "A"})
    # 0.01° of longitude at 52.12° N is about 685 m.
    assert 680 < cable.length_m < 690


def test_history_records_who_when_what_and_restores(gmina, benches, editor):
    other = UserFactory()
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1", "seats": 2}, actor=editor)
    object_update(gmina=gmina, object_id=bench.pk, attributes={"seats": 4}, merge=True,
                  actor=other)
    object_update(gmina=gmina, object_id=bench.pk, geometry=point(20.73, 52.13), actor=editor)
    object_remove(gmina=gmina, object_id=bench.pk, actor=editor)
    versions = list(ObjectVersion.objects.filter(object=bench).order_by("number"))
    assert [v.change for v in versions] == ["created", "updated", "updated", "updated"]
    assert versions[1].changes == {"attributes": {"seats": [2, 4]}}
    assert versions[1].actor == other
    assert versions[2].changes == {"geometry": True}
    assert versions[3].changes == {"status": ["active", "removed"]}

    restored = object_restore(gmina=gmina, object_id=bench.pk, version=1, actor=editor)
    assert restored.version == 5
    assert restored.attributes == {"number": "1", "seats": 2}
    assert restored.status == ObjectStatus.ACTIVE
    assert (restored.geometry.x, restored.geometry.y) == (20.7286, 52.1225)
    last = restored.versions.order_by("-number").first()
    assert last.change == "restored" and last.note == "restored version 1"
    assert set(last.changes) == {"attributes", "geometry", "status"}


def test_a_stale_copy_is_refused(gmina, benches):
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1"})
    object_update(gmina=gmina, object_id=bench.pk, attributes={"seats": 1}, merge=True)
    with pytest.raises(ValidationError) as raised:
        object_update(gmina=gmina, object_id=bench.pk, attributes={"seats": 9}, merge=True,
                      expected_version=1)
    assert "version" in raised.value.message_dict
    bench.refresh_from_db()
    assert bench.attributes["seats"] == 1


def test_an_unchanged_save_adds_no_version(gmina, benches):
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1"})
    object_update(gmina=gmina, object_id=bench.pk, attributes={"number": "1"})
    assert bench.versions.count() == 1


def test_personal_fields_are_hidden_and_reads_audited(gmina, benches, editor, clerk):
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1", "sponsor": "Jan Nowak"})
    anonymous = UserFactory.build()
    anonymous.is_active = False
    assert "sponsor" not in visible_attributes(register=benches, obj=bench, user=clerk)
    assert not AuditLogEntry.objects.exists()
    seen = visible_attributes(register=benches, obj=bench, user=editor)
    assert seen["sponsor"] == "Jan Nowak"
    entry = AuditLogEntry.objects.get()
    assert entry.actor == editor and entry.object_ref == f"registers.registerobject:{bench.pk}"
    assert "sponsor" in entry.what


def test_a_restore_whose_link_is_gone_is_refused(gmina, benches, lines):
    cable = object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                          attributes={"name": "A"})
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1", "line": cable.pk})
    object_update(gmina=gmina, object_id=bench.pk, attributes={"number": "1"})
    object_remove(gmina=gmina, object_id=cable.pk)
    with pytest.raises(ValidationError) as raised:
        object_restore(gmina=gmina, object_id=bench.pk, version=1)
    assert "no such object" in raised.value.message_dict["version"][0]
