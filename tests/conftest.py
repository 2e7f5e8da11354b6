import pytest
from django.contrib.gis.geos import Point
from django_scopes import scope, scopes_disabled

from podkowa.core.selectors import clear_host_cache


def pytest_collection_modifyitems(config, items):
    # Races of real connections prove something only on PostgreSQL (SQLite serialises every
    # writer): tests marked `postgres` are skipped on the SpatiaLite run.
    from django.conf import settings

    if "postgis" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgis://…)")
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    clear_host_cache()
    yield
    clear_host_cache()


@pytest.fixture
def english(client, settings):
    """The test client browses in English (the site's default is Polish)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def gmina(db):
    """Podkowa Leśna, the default town; the test body runs inside its tenant scope."""
    from tests.factories import GminaFactory

    town = GminaFactory(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021",
                        map_center=Point(20.7286, 52.1225, srid=4326))
    with scope(gmina=town):
        yield town


@pytest.fixture
def other_gmina(db):
    from tests.factories import GminaFactory

    with scopes_disabled():
        return GminaFactory(name="Milanówek", slug="milanowek", teryt="1405011")


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and generated files go to this test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path / "media"
