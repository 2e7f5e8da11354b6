import datetime as dt

from django.utils import timezone

from podkowa.cemetery.services.books import (
    burial_register,
    burials_register,
    grave_correct,
    grave_create,
)
from tests.cemetery.conftest import xy


def test_search_finds_lukasiewicz_without_polish_letters_and_login(client, burial):
    response = client.get("/api/v1/cemetery/search", {"q": "lukasiewicz"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["surname"] for r in results] == ["Łukasiewicz"]
    first = results[0]
    assert first == {
        "surname": "Łukasiewicz", "given_names": "Ignacy", "family_name": "",
        "birth_date": "1822-03-23", "death_date": "1882-03-07", "quarter": "I", "row": "1",
        "number": "7", "grave_id": burial.grave_id, "cemetery": "Cmentarz testowy",
        "score": first["score"]}


def test_search_by_typo_gender_and_years(client, gmina, grave, burial):
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Kowalska", "given_names": "Anna", "family_name": "Nowak",
        "birth_date": "1930", "death_date": "1990-05-01"})
    def names(**params):
        rows = client.get("/api/v1/cemetery/search", params).json()["results"]
        return [f"{r['surname']} {r['given_names']}" for r in rows]
    assert names(q="Kowalski anna") == ["Kowalska Anna"]
    assert names(q="anna kowlaska") == ["Kowalska Anna"]
    assert names(q="Anna Nowak") == ["Kowalska Anna"]  # the maiden name
    assert names(q="kowalska", died=1991) == ["Kowalska Anna"]
    assert names(q="kowalska", died=1993) == []
    assert names(q="kowalska", born=1930, tolerance=0) == ["Kowalska Anna"]
    # Years alone: a year-only birth date is returned as the year.
    rows = client.get("/api/v1/cemetery/search", {"born": 1931}).json()["results"]
    assert [(r["surname"], r["birth_date"]) for r in rows] == [("Kowalska", "1930")]


def test_a_fitting_year_lifts_a_weaker_name_above_many_with_the_wrong_year(client, gmina,
                                                                           grave):
    # Asked "kubiak jacek 1995": twelve Jacek Kubiaks and 450 Adam Kubiaks died in 1960,
    # Zofia Kubiak (written after them all) in 1995, Ewa Kubiak was born in 1994; Jacek is the
    # commoner name (500 Jacek Nowaks). The year outweighs the missing given name: Zofia, then
    # Ewa, then Jaceks; no Adam (neither his name nor his year fits), no Nowak (the surname
    # does not). The Adams, who cannot place, must not crowd Zofia out of the 400 ranked.
    def people(surname: str, given: str, count: int = 1, **dates: str) -> list:
        return [(grave, {"surname": surname, "given_names": given, **dates})] * count
    burials_register(gmina=gmina, entries=[
        *people("Kubiak", "Jacek", 12, death_date="1960-03-01"),
        *people("Kubiak", "Adam", 450, death_date="1960-03-01"),
        *people("Kubiak", "Zofia", death_date="1995-06-01"),
        *people("Kubiak", "Ewa", birth_date="1994-02-02", death_date="2001-01-01"),
        *people("Nowak", "Jacek", 500, death_date="1995-06-01")])
    rows = client.get("/api/v1/cemetery/search", {"q": "kubiak jacek 1995"}).json()["results"]
    assert [(r["surname"], r["given_names"]) for r in rows] == [
        ("Kubiak", "Zofia"), ("Kubiak", "Ewa")] + [("Kubiak", "Jacek")] * 8


def test_search_as_you_type_prefix(client, burial):
    rows = client.get("/api/v1/cemetery/search", {"q": "ignacy lukas"}).json()["results"]
    assert [r["surname"] for r in rows] == ["Łukasiewicz"]


def test_recently_deceased_details_hidden_until_holder_agrees(client, gmina, grave):
    recent = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Zięba", "given_names": "Marta", "birth_date": "1950-01-02",
        "death_date": recent, "death_place": "Warszawa"})
    result = client.get("/api/v1/cemetery/search", {"q": "zieba"}).json()["results"][0]
    assert result["birth_date"] is None and result["death_date"] is None
    detail = client.get(f"/api/v1/cemetery/graves/{grave.pk}").json()
    assert detail["burials"][0]["details_hidden"] is True
    assert detail["burials"][0]["death_place"] is None
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"holder_allows_details": True},
                  actor=None, reason="the holder agreed in writing")
    result = client.get("/api/v1/cemetery/search", {"q": "zieba"}).json()["results"][0]
    assert result["death_date"] == recent


def test_route_api_is_a_geojson_feature_with_steps(client, grave):
    response = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route", {"lang": "en"})
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    steps = [s["instruction"] for s in feature["properties"]["steps"]]
    assert steps[1] == "After 50 m turn left into alley 2 (stairs)"
    step_free = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route",
                           {"lang": "en", "step_free": "true"}).json()
    assert step_free["properties"]["step_free"] is True
    assert step_free["properties"]["length_m"] > feature["properties"]["length_m"]


def test_route_to_a_grave_without_position_is_a_clear_400(client, gmina, cemetery):
    nowhere = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="2", number="1")
    response = client.get(f"/api/v1/cemetery/graves/{nowhere.pk}/route")
    assert response.status_code == 400
    assert "grave" in response.json()["errors"]


def test_map_data_in_one_call(client, cemetery, grave):
    data = client.get(f"/api/v1/cemetery/cemeteries/{cemetery.slug}/map").json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds.count("alley") == 7 and kinds.count("entrance") == 1
    assert kinds.count("grave") == 1
    assert any(f["properties"].get("stairs") for f in data["features"])
    assert data["cemetery"]["slug"] == "test"


def test_another_towns_grave_is_404(client, gmina, other_gmina):
    from django_scopes import scope

    from podkowa.cemetery.services.books import cemetery_ensure

    with scope(gmina=other_gmina):
        c = cemetery_ensure(gmina=other_gmina, slug="m", name="Milanówek")
        far = grave_create(gmina=other_gmina, cemetery=c, quarter="A", row="1", number="1",
                           location=xy(1, 1))
    assert client.get(f"/api/v1/cemetery/graves/{far.pk}").status_code == 404
