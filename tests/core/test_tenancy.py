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
