import pytest
from django_scopes import ScopeError, scope

from podkowa.accounts.models import Department


def test_home_page_serves_the_town_chosen_by_host(client, gmina):
    response = client.get("/")
    assert response.status_code == 200
    assert "Podkowa Leśna" in response.content.decode()


def test_query_outside_scope_refused(db):
    with pytest.raises(ScopeError):
        list(Department.objects.all())


def test_each_town_sees_only_its_own_rows(gmina, other_gmina):
    Department.objects.create(gmina=gmina, name="Referat Finansowy")
    with scope(gmina=other_gmina):
        Department.objects.create(gmina=other_gmina, name="Wydział Podatków")
        assert list(Department.objects.values_list("name", flat=True)) == ["Wydział Podatków"]
    assert list(Department.objects.values_list("name", flat=True)) == ["Referat Finansowy"]


def test_a_changed_gmina_is_served_on_the_next_request(client, gmina):
    """The town kept between requests is checked against the database on each one, changes
    that bypass the model included; each request gets its own copy of it."""
    from podkowa.core.models import Gmina
    from podkowa.core.selectors import gmina_for_host

    def title():
        return client.get("/ogc/").json()["title"]  # names the town

    assert title().endswith(" Podkowa Leśna")
    Gmina.objects.filter(pk=gmina.pk).update(name="Podkowa")
    assert title().endswith(" Podkowa")
    gmina.refresh_from_db()
    gmina.name = "Podkowa Leśna"
    gmina.save()
    assert title().endswith(" Podkowa Leśna")
    mine = gmina_for_host(host="testserver")
    mine.name = "changed in place, not saved"
    mine.map_center.x = 0
    again = gmina_for_host(host="testserver")
    assert again.name == "Podkowa Leśna" and again.map_center.x == 20.7286
