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
