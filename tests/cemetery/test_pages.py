import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from podkowa.accounts.models import Role
from podkowa.cemetery.models import GraveNote, GravePhoto, Moderation
from podkowa.cemetery.personal_data import export, shred
from podkowa.cemetery.services.books import holder_register
from podkowa.cemetery.services.contributions import contribution_moderate
from podkowa.core.models import AuditLogEntry
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path / "media"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 140, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 7.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_search_page_lists_people_and_answers_htmx_with_the_results_only(client, burial):
    page = client.get("/cmentarz/", {"q": "lukasiewicz"})
    assert page.status_code == 200
    assert "Łukasiewicz Ignacy" in page.content.decode()
    assert "<html" in page.content.decode()
    partial = client.get("/cmentarz/", {"q": "lukasiew"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "Łukasiewicz Ignacy" in body and "<html" not in body
    nothing = client.get("/cmentarz/", {"q": "xqzwv"}).content.decode()
    assert "Nobody found" in nothing


def test_grave_page_shows_who_rests_there_and_the_route_without_javascript(client, burial):
    page = client.get(f"/cmentarz/grob/{burial.grave_id}/").content.decode()
    assert "Łukasiewicz Ignacy" in page and "23 March 1822" in page
    routed = client.get(f"/cmentarz/grob/{burial.grave_id}/", {"route": "1"}).content.decode()
    assert "Enter through Brama and walk along alley A" in routed
    assert "After 50 m turn left into alley 2 (stairs)" in routed
    step_free = client.get(f"/cmentarz/grob/{burial.grave_id}/",
                           {"route": "1", "step_free": "1"}).content.decode()
    assert "(stairs)" not in step_free and "alley B" in step_free


def test_label_has_a_qr_code_of_the_grave_page(client, grave):
    page = client.get(f"/cmentarz/grob/{grave.pk}/etykieta/").content.decode()
    assert "<svg" in page and f"/cmentarz/grob/{grave.pk}/" in page


def test_photo_is_moderated_and_stored_without_exif(client, gmina, grave, media):
    resident = UserFactory()
    client.force_login(resident)
    response = client.post(f"/cmentarz/grob/{grave.pk}/zdjecie/", {
        "photo": SimpleUploadedFile("grave.jpg", jpeg_with_gps(), "image/jpeg"),
        "caption": "Spring"})
    assert response.status_code == 302
    photo = GravePhoto.objects.get(gmina=gmina)
    assert photo.status == Moderation.PENDING
    stored = Image.open(photo.image.open("rb"))
    assert not stored.getexif()
    assert client.get(f"/cmentarz/zdjecie/{photo.pk}/").status_code == 404
    assert "Spring" not in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    contribution_moderate(gmina=gmina, kind="photo", pk=photo.pk, approve=True,
                          moderator=resident)
    assert client.get(f"/cmentarz/zdjecie/{photo.pk}/").status_code == 200
    assert "Spring" in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()


def test_notes_need_moderation_and_a_holder_veto_hides_them(client, gmina, grave):
    client.force_login(UserFactory())
    client.post(f"/cmentarz/grob/{grave.pk}/wpis/", {"text": "Pamiętamy", "author_name": "J."})
    note = GraveNote.objects.get(gmina=gmina)
    assert "Pamiętamy" not in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    sign_in_with_second_factor(client, clerk)
    queue = client.get("/cmentarz/urzad/moderacja/").content.decode()
    assert "Pamiętamy" in queue
    client.post("/cmentarz/urzad/moderacja/", {"kind": "note", "id": note.pk,
                                               "decision": "approve"})
    assert "Pamiętamy" in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    client.post(f"/cmentarz/grob/{grave.pk}/zyczenia/", {"veto": "1", "reason": "pismo"})
    client.logout()
    assert "Pamiętamy" not in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    client.force_login(UserFactory(email="late@example.org"))
    client.post(f"/cmentarz/grob/{grave.pk}/wpis/", {"text": "Another"})
    assert GraveNote.objects.filter(gmina=gmina).count() == 1


def test_moderation_is_for_cemetery_clerks_only(client, gmina):
    client.force_login(UserFactory())
    assert client.get("/cmentarz/urzad/moderacja/").status_code == 403
    case_clerk = make_official(gmina, Role.CASE_CLERK)
    sign_in_with_second_factor(client, case_clerk)
    assert client.get("/cmentarz/urzad/moderacja/").status_code == 403


def test_clerk_reading_holders_is_audited(client, gmina, grave):
    holder_register(gmina=gmina, grave=grave, first_name="Zofia", last_name="Nowak",
                    phone="+48 600 100 200")
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    sign_in_with_second_factor(client, clerk)
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "+48 600 100 200" in page
    entry = AuditLogEntry.objects.get(gmina=gmina, actor=clerk)
    assert entry.subject_label == "Zofia Nowak"
    client.logout()
    public = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "+48 600 100 200" not in public and "Zofia" not in public


def test_clerk_corrects_a_burial_and_sees_the_history(client, gmina, burial):
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    sign_in_with_second_factor(client, clerk)
    url = f"/cmentarz/urzad/pochowany/{burial.pk}/"
    form = client.get(url).content.decode()
    assert 'value="1822-03-23"' in form
    bad = client.post(url, {"surname": "Łukasiewicz", "given_names": "Ignacy",
                            "birth_date": "1822-03-23", "death_date": "1802-01-01",
                            "reason": "x", "entry_kind": "regular"})
    assert "The death is dated before the birth." in bad.content.decode()
    burial.refresh_from_db()
    assert burial.version == 1
    data = {"record_number": burial.record_number, "entry_kind": "regular",
            "surname": "Łukasiewicz", "given_names": "Ignacy Jan",
            "birth_date": "1822-03-23", "death_date": "1882-03-07",
            "burial_date": "1882-03-10", "reason": "a typo in the book"}
    assert client.post(url, data).status_code == 302
    history = client.get(url).content.decode()
    assert "a typo in the book" in history and "Version 2" in history and "Version 1" in history


def test_personal_data_export_and_shred_of_a_holder(gmina, grave):
    person = UserFactory()
    holder_register(gmina=gmina, grave=grave, first_name="Ewa", last_name="Lis",
                    phone="123", user=person)
    data = export(gmina=gmina, user=person)
    assert data["grave_holder"][0]["phone"] == "123"
    shred(gmina=gmina, user=person)
    assert export(gmina=gmina, user=person)["grave_holder"] == []
    holder = grave.holders.get()
    assert holder.phone == "" and holder.user is None and holder.last_name == "Lis"


def test_only_the_public_grave_page_may_be_kept_offline(client, gmina, grave):
    assert client.get(f"/cmentarz/grob/{grave.pk}/")["X-Podkowa-Offline"] == "public"
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    # The clerk's page shows the holders (living people's data): never kept.
    assert "X-Podkowa-Offline" not in client.get(f"/cmentarz/grob/{grave.pk}/")


def test_the_holder_may_veto_and_nobody_else(client, gmina, grave):
    holder_user = UserFactory(email="holder@example.org")
    holder_register(gmina=gmina, grave=grave, first_name="Ewa", last_name="Lis",
                    user=holder_user)
    stranger = UserFactory(email="stranger@example.org")
    client.force_login(stranger)
    assert "wish-veto" not in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert client.post(f"/cmentarz/grob/{grave.pk}/zyczenia/",
                       {"veto": "1", "reason": "x"}).status_code == 403
    client.force_login(holder_user)
    page = client.get(f"/cmentarz/grob/{grave.pk}/")
    assert "wish-veto" in page.content.decode()
    assert "X-Podkowa-Offline" not in page
    client.post(f"/cmentarz/grob/{grave.pk}/zyczenia/", {"veto": "1", "reason": "my wish"})
    grave.refresh_from_db()
    assert grave.holder_vetoes_public_content is True


def test_moderating_something_that_is_not_there_is_a_message_not_an_error(client, gmina):
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    client.cookies["django_language"] = "en"
    response = client.post("/cmentarz/urzad/moderacja/", {"kind": "note", "id": 999,
                                                          "decision": "approve"}, follow=True)
    assert response.status_code == 200
    assert "It has been removed or never existed." in response.content.decode()


def test_the_cemetery_page_is_kept_offline_and_names_its_pack_in_the_pages_language(
        client, cemetery, grave):
    response = client.get(f"/cmentarz/mapa/{cemetery.slug}/")
    assert response.status_code == 200
    assert response["X-Podkowa-Offline"] == "public"
    html = response.content.decode()
    pack = f"/api/v1/cemetery/cemeteries/{cemetery.slug}/offline?lang=en"
    assert f'data-pack-url="{pack}"' in html
    # Without JavaScript the search box asks the server's search.
    assert 'action="/cmentarz/"' in html
    # A grave's map asks the service worker to keep the cemetery's page and its pack.
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert f'data-keep-urls="/cmentarz/mapa/{cemetery.slug}/ {pack}"' in page
    assert f'href="/cmentarz/mapa/{cemetery.slug}/"' in page
    assert client.get("/cmentarz/mapa/nie-ma/").status_code == 404
