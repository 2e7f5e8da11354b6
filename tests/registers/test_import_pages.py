"""The import pages: upload, preview and mapping, the report, the confirmation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from podkowa.registers.models import ImportJob, RegisterObject
from tests.admin_support import sign_in_with_second_factor

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}


def test_an_editor_imports_a_csv_through_the_pages(client, gmina, benches, editor, clerk,
                                                   media, django_capture_on_commit_callbacks,
                                                   settings):
    sign_in_with_second_factor(client, clerk)
    assert client.get(reverse("registers:imports")).status_code == 403
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in_with_second_factor(client, editor)
    content = b"Nr;Siedziska;szer;dl\nB1;3;52.12;20.73\nB2;x;52.121;20.731\n"
    response = client.post(reverse("registers:imports"), {
        "register": benches.pk, "file": SimpleUploadedFile("lawki.csv", content)})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("registers:import", kwargs={"job_id": job.pk})
    page = client.get(response["Location"]).content.decode()
    assert "B2" in page and "Siedziska" in page  # the preview
    mapping = {"action": "check", "column_0": "number", "column_1": "seats", "column_2": "",
               "column_3": "", "x": "dl", "y": "szer", "crs": "auto", "axes": "auto",
               "radius_m": "5"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], mapping)
    page = client.get(response["Location"]).content.decode()
    assert "Seats: a number is needed" in page and "Nothing has been written yet" in page
    assert not RegisterObject.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "confirm"})
    assert "1 object was added" in client.get(response["Location"]).content.decode()
    assert RegisterObject.objects.get().attributes == {"number": "B1", "seats": 3}


def test_the_page_shows_the_rows_written_while_the_worker_writes(
        client, gmina, benches, editor, media, django_capture_on_commit_callbacks, settings,
        monkeypatch):
    from podkowa.registers.services import imports

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in_with_second_factor(client, editor)
    content = b"Nr;szer;dl\nB1;52.12;20.73\nB2;52.121;20.731\nB3;52.122;20.732\n"
    response = client.post(reverse("registers:imports"), {
        "register": benches.pk, "file": SimpleUploadedFile("lawki.csv", content)})
    page_url = response["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url, {"action": "check", "column_0": "number", "column_1": "",
                               "column_2": "", "x": "dl", "y": "szer", "crs": "auto",
                               "axes": "auto", "radius_m": "5"})
    # The write goes a row at a time here; at each step the page is polled as htmx does.
    monkeypatch.setattr(imports, "WRITE_CHUNK", 1)
    seen = []
    store = imports._progress_store

    def polled(job, done, total):
        store(job, done, total)
        seen.append(client.get(page_url, HTTP_HX_REQUEST="true").content.decode())

    monkeypatch.setattr(imports, "_progress_store", polled)
    job = ImportJob.objects.get()
    job.state = ImportJob.State.WRITING  # as import_confirm leaves it, to see the bar first
    job.save()
    assert '<progress id="import-progress" value="0"' in client.get(page_url).content.decode()
    job.state = ImportJob.State.CHECKED
    job.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url, {"action": "confirm"})
    assert len(seen) == 4 and all("Rows written" in html for html in seen)
    assert [html.count(f'value="{n}" max="3"') for n, html in enumerate(seen)] == [1] * 4
    assert "2 of 3" in seen[2] and 'hx-trigger="every 2s"' in seen[0]
    finished = client.get(page_url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"  # the page reloads to show the result
    assert "3 objects were added" in client.get(page_url).content.decode()
