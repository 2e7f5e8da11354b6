"""Reading graves for the public page, the clerk and the books."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from podkowa.cemetery.models import (
    BookEntryVersion,
    Burial,
    Cemetery,
    Grave,
    GraveHolder,
    GraveNote,
    GravePhoto,
    Moderation,
)
from podkowa.cemetery.selectors.privacy import details_hidden
from podkowa.core.models import AuditLogEntry, Gmina


@dataclass
class PublicBurial:
    burial: Burial
    hidden: bool

    def __getattr__(self, name):
        return getattr(self.burial, name)


def cemeteries_for(*, gmina: Gmina):
    return Cemetery.objects.filter(gmina=gmina).order_by("name")


def cemetery_by_slug(*, gmina: Gmina, slug: str) -> Cemetery:
    return get_object_or_404(Cemetery, gmina=gmina, slug=slug)


def grave_get(*, gmina: Gmina, grave_id: int) -> Grave:
    return get_object_or_404(
        Grave.objects.select_related("cemetery", "quarter", "row"), gmina=gmina, pk=grave_id)


def grave_public_burials(*, grave: Grave) -> list[PublicBurial]:
    burials = Burial.objects.filter(gmina_id=grave.gmina_id, grave=grave).select_related(
        "grave__cemetery").order_by("burial_date", "id")
    return [PublicBurial(b, details_hidden(b)) for b in burials]


def grave_public_content(*, grave: Grave) -> tuple[list[GraveNote], list[GravePhoto]]:
    """Moderated notes and photos — none at all when the holder vetoed them."""
    if grave.holder_vetoes_public_content:
        return [], []
    notes = list(GraveNote.objects.filter(gmina_id=grave.gmina_id, grave=grave,
                                          status=Moderation.APPROVED))
    photos = list(GravePhoto.objects.filter(gmina_id=grave.gmina_id, grave=grave,
                                            status=Moderation.APPROVED))
    return notes, photos


def photo_public(*, gmina: Gmina, photo_id: int) -> GravePhoto:
    return get_object_or_404(GravePhoto.objects.select_related("grave"), gmina=gmina,
                             pk=photo_id, status=Moderation.APPROVED,
                             grave__holder_vetoes_public_content=False)


def grave_holders_for_clerk(*, gmina: Gmina, grave: Grave, actor, request=None
                            ) -> list[GraveHolder]:
    """The grave's holders (living people): each read by an official goes to the audit log."""
    holders = list(GraveHolder.objects.filter(gmina=gmina, grave=grave).select_related("user"))
    for holder in holders:
        AuditLogEntry.objects.create(
            gmina=gmina, actor=actor, actor_label=actor.email, subject=holder.user,
            subject_label=f"{holder.first_name} {holder.last_name}"[:254],
            action=AuditLogEntry.Action.VIEW, what="cemetery: grave holder",
            object_ref=f"cemetery.graveholder:{holder.pk}",
            path=(request.get_full_path()[:500] if request is not None else ""))
    return holders


def entry_versions(*, gmina: Gmina, book: str, entry_id: int) -> list[BookEntryVersion]:
    return list(BookEntryVersion.objects.filter(gmina=gmina, book=book, entry_id=entry_id)
                .order_by("version"))


def pending_contributions(*, gmina: Gmina) -> tuple[list[GraveNote], list[GravePhoto]]:
    notes = list(GraveNote.objects.filter(gmina=gmina, status=Moderation.PENDING)
                 .select_related("grave__quarter", "grave__row"))
    photos = list(GravePhoto.objects.filter(gmina=gmina, status=Moderation.PENDING)
                  .select_related("grave__quarter", "grave__row"))
    return notes, photos


def burials_book(*, gmina: Gmina, cemetery: Cemetery):
    """Księga osób pochowanych: in the order of register numbers."""
    return (Burial.objects.filter(gmina=gmina, grave__cemetery=cemetery)
            .select_related("grave__quarter", "grave__row").order_by("record_number"))


def alphabetical_index(*, gmina: Gmina, cemetery: Cemetery):
    """Spis alfabetyczny: name, place, register number."""
    return (Burial.objects.filter(gmina=gmina, grave__cemetery=cemetery)
            .select_related("grave__quarter", "grave__row")
            .order_by("surname", "given_names", "record_number"))


def free_places_by_quarter(*, gmina: Gmina, cemetery: Cemetery) -> list[dict]:
    """Per quarter: graves, graves with nobody recorded (free places)."""
    from django.db.models import Count, Q

    rows = (Grave.objects.filter(gmina=gmina, cemetery=cemetery)
            .values("quarter__code")
            .annotate(graves=Count("id", distinct=True),
                      free=Count("id", filter=Q(burials__isnull=True), distinct=True))
            .order_by("quarter__code"))
    return sorted(({"quarter": r["quarter__code"], "graves": r["graves"], "free": r["free"]}
                   for r in rows), key=lambda r: (len(r["quarter"]), r["quarter"]))
