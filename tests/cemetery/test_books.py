import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.cemetery.models import BookEntryVersion, Burial
from podkowa.cemetery.selectors.graves import entry_versions
from podkowa.cemetery.selectors.search import burial_search, query_parse
from podkowa.cemetery.services.books import (
    burial_correct,
    burials_register,
    holder_correct,
    holder_register,
)
from tests.factories import UserFactory


def test_a_correction_keeps_the_old_entry_readable(gmina, burial):
    clerk = UserFactory(email="clerk@example.org")
    burial_correct(gmina=gmina, burial_id=burial.pk, actor=clerk,
                   changes={"given_names": "Jan Józef Ignacy",
                            "death_place": "Chorkówka k. Krosna"},
                   reason="akt zgonu nr 12/1882")
    burial.refresh_from_db()
    assert burial.given_names == "Jan Józef Ignacy"
    assert burial.version == 2
    versions = entry_versions(gmina=gmina, book="burial", entry_id=burial.pk)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].data["given_names"] == "Ignacy"
    assert versions[0].data["death_place"] == "Chorkówka"
    assert versions[1].data["given_names"] == "Jan Józef Ignacy"
    assert versions[1].author_label == "clerk@example.org"
    assert versions[1].reason == "akt zgonu nr 12/1882"
    # The search follows the corrected names.
    assert burial_search(gmina=gmina, query=query_parse("jozef lukasiewicz"))


def test_history_cannot_be_rewritten(gmina, burial):
    version = BookEntryVersion.objects.get(gmina=gmina, book="burial", entry_id=burial.pk)
    version.reason = "changed"
    with pytest.raises(PermissionDenied):
        version.save()
    with pytest.raises(PermissionDenied):
        BookEntryVersion.objects.filter(gmina=gmina).update(reason="x")
    with pytest.raises(PermissionDenied):
        version.delete()


def test_a_correction_needs_a_reason_and_a_change(gmina, burial):
    with pytest.raises(ValidationError) as error:
        burial_correct(gmina=gmina, burial_id=burial.pk, actor=None,
                       changes={"surname": "X"}, reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        burial_correct(gmina=gmina, burial_id=burial.pk, actor=None,
                       changes={"surname": "Łukasiewicz"}, reason="nothing")
    assert Burial.objects.get(pk=burial.pk).version == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"surname": "A", "birth_date": "1950-01-01", "death_date": "1940-01-01"}, "death_date"),
    ({"surname": "A", "death_date": "1950-05-01", "burial_date": "1950-04-01"}, "burial_date"),
    ({"surname": "A", "birth_date": "1950", "death_date": "1949"}, "death_date"),
    ({"surname": "A", "birth_date": "1950-02-30"}, "birth_date"),
    ({"surname": "A", "burial_date": "1950"}, "burial_date"),
    ({"surname": "A", "death_date": "2999-01-01"}, "death_date"),
    ({"given_names": "Jan"}, "surname"),
])
def test_impossible_entries_are_refused_naming_the_field(gmina, grave, data, field):
    with pytest.raises(ValidationError) as error:
        burials_register(gmina=gmina, entries=[(grave, data)])
    assert field in error.value.message_dict


def test_one_bad_entry_writes_nothing(gmina, grave):
    good = {"surname": "Nowak", "given_names": "Jan"}
    bad = {"surname": "Nowak", "birth_date": "1990", "death_date": "1980"}
    with pytest.raises(ValidationError) as error:
        burials_register(gmina=gmina, entries=[(grave, good), (grave, bad)])
    assert error.value.params == {"index": 1}
    assert not Burial.objects.filter(gmina=gmina).exists()
    # Nor does the search know of the good entry written before the bad one.
    assert burial_search(gmina=gmina, query=query_parse("nowak jan")) == []


def test_year_only_dates_are_kept_as_years(gmina, grave):
    [entry] = burials_register(gmina=gmina, entries=[(grave, {
        "surname": "Nowak", "birth_date": "1901", "death_date": "1970-03-02"})])
    assert entry.birth_date is None and entry.birth_year == 1901
    assert entry.death_year == 1970
    assert entry.record_number == "P-00001"


def test_holder_versions_do_not_keep_contact_details(gmina, grave):
    holder = holder_register(gmina=gmina, grave=grave, first_name="Anna",
                             last_name="Nowak", phone="+48 600 000 000", address="ul. Lipowa 1")
    holder_correct(gmina=gmina, holder_id=holder.pk, changes={"last_name": "Nowak-Lis"},
                   actor=None, reason="zmiana nazwiska")
    versions = entry_versions(gmina=gmina, book="holder", entry_id=holder.pk)
    assert [v.data["last_name"] for v in versions] == ["Nowak", "Nowak-Lis"]
    assert all("phone" not in v.data and "address" not in v.data for v in versions)
