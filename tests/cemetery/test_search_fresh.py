"""The search answers from an index each process keeps in memory: what a clerk writes must be
found by the very next search, in this process and in every other."""

import datetime as dt

from django.utils import timezone

from podkowa.cemetery.models import Cemetery
from podkowa.cemetery.services.books import burial_correct, burial_register, grave_correct


def _names(client, **params) -> list[str]:
    rows = client.get("/api/v1/cemetery/search", params).json()["results"]
    return [f"{r['surname']} {r['given_names']}" for r in rows]


def test_a_burial_written_or_corrected_is_found_by_the_next_search(client, gmina, grave,
                                                                   burial):
    assert _names(client, q="lukasiewicz") == ["Łukasiewicz Ignacy"]  # the index is built
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Wróblewska", "given_names": "Halina", "death_date": "1975-02-01"})
    assert _names(client, q="wroblewska") == ["Wróblewska Halina"]
    corrected = burial_correct(gmina=gmina, burial_id=burial.pk,
                               changes={"surname": "Łukaszewicz"}, actor=None,
                               reason="misspelt in the old book")
    assert _names(client, q="lukaszewicz ignacy") == ["Łukaszewicz Ignacy"]
    assert "Łukasiewicz Ignacy" not in _names(client, q="lukasiewicz")
    assert corrected.version == 2


def test_the_holders_consent_and_a_renamed_cemetery_show_at_once(client, gmina, grave):
    recent = timezone.localdate() - dt.timedelta(days=30)
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Zięba", "given_names": "Ewa", "death_date": recent.isoformat()})
    first = client.get("/api/v1/cemetery/search", {"q": "zieba"}).json()["results"][0]
    assert first["death_date"] is None
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"holder_allows_details": True},
                  actor=None, reason="the holder agreed")
    first = client.get("/api/v1/cemetery/search", {"q": "zieba"}).json()["results"][0]
    assert first["death_date"] == recent.isoformat()
    # Renamed outside the services (by hand): the index check reads the names too.
    Cemetery.objects.filter(pk=grave.cemetery_id).update(name="Cmentarz Parafialny")
    first = client.get("/api/v1/cemetery/search", {"q": "zieba"}).json()["results"][0]
    assert first["cemetery"] == "Cmentarz Parafialny"


def test_a_rolled_back_write_leaves_no_trace_in_the_index(client, gmina, grave, burial):
    from django.db import transaction

    assert _names(client, q="lukasiewicz") == ["Łukasiewicz Ignacy"]
    try:
        with transaction.atomic():
            burial_register(gmina=gmina, grave=grave, data={
                "surname": "Łukasiewicz", "given_names": "Jan", "death_date": "1901-01-01"})
            assert len(_names(client, q="lukasiewicz")) == 2  # seen inside the transaction
            raise RuntimeError("the clerk's import failed further on")
    except RuntimeError:
        pass
    assert _names(client, q="lukasiewicz") == ["Łukasiewicz Ignacy"]
