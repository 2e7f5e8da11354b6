"""Notes and photos from the public: moderated before anyone sees them; photos re-encoded so
that no EXIF (a phone's GPS position, its owner's name) is ever stored."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.cases.services.attachments import attachment_check
from podkowa.cemetery.models import Grave, GraveNote, GravePhoto, Moderation
from podkowa.core.models import Gmina

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_NOTE = 2000


def _open_for_contributions(grave: Grave) -> None:
    if grave.holder_vetoes_public_content:
        raise ValidationError(_("The grave's holder does not wish notes or photos on this "
                                "grave's page."))


@transaction.atomic
def note_submit(*, gmina: Gmina, grave: Grave, author, text: str,
                author_name: str = "") -> GraveNote:
    _open_for_contributions(grave)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": _("A note may have at most %(n)s characters.") % {
            "n": MAX_NOTE}})
    return GraveNote.objects.create(gmina=gmina, grave=grave, author=author, text=text,
                                    author_name=author_name.strip()[:120])


@transaction.atomic
def photo_submit(*, gmina: Gmina, grave: Grave, author, upload,
                 caption: str = "") -> GravePhoto:
    _open_for_contributions(grave)
    try:
        checked = attachment_check(upload, kinds=["image"], max_bytes=MAX_PHOTO_BYTES)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    photo = GravePhoto(gmina=gmina, grave=grave, author=author, caption=caption.strip()[:200],
                       content_type=checked.content_type)
    photo.image.save(checked.name, checked.as_content_file(), save=False)
    photo.save()
    return photo


@transaction.atomic
def contribution_moderate(*, gmina: Gmina, kind: str, pk: int, approve: bool,
                          moderator) -> GraveNote | GravePhoto:
    model = {"note": GraveNote, "photo": GravePhoto}.get(kind)
    if model is None:
        raise ValidationError(_("Unknown kind of contribution."))
    item = model.objects.select_for_update().filter(gmina=gmina, pk=pk).first()
    if item is None:
        raise ValidationError(_("It has been removed or never existed."))
    item.status = Moderation.APPROVED if approve else Moderation.REJECTED
    item.moderated_by = moderator
    item.moderated_at = timezone.now()
    item.save(update_fields=["status", "moderated_by", "moderated_at"])
    return item
