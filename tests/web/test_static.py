import json

import pytest
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic with the production storage (DEBUG off) into a temporary STATIC_ROOT.

    Once per module: compressing every asset (Swagger UI's bundle included) takes long.
    """
    root = tmp_path_factory.mktemp("static")
    with override_settings(DEBUG=False, STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def test_collectstatic_fingerprints_and_compresses_the_shell(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["web/css/site.css"]
    assert hashed != "web/css/site.css"
    assert hashed.startswith("web/css/site.") and hashed.endswith(".css")
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()
    assert manifest["web/vendor/htmx/htmx.min.js"] != "web/vendor/htmx/htmx.min.js"


def test_pages_and_service_worker_use_fingerprinted_names(collected, client, gmina):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    css = f"/static/{manifest['web/css/site.css']}"
    # The manifest storage is strict: a template naming a missing file fails to render here.
    for path in ["/", "/deklaracja-dostepnosci/", "/rodo/", "/offline/"]:
        assert css in client.get(path).content.decode(), path
    assert css in client.get("/sw.js").content.decode()
    assert f"/static/{manifest['web/icons/maskable-512.png']}" in client.get(
        "/manifest.webmanifest"
    ).content.decode()
