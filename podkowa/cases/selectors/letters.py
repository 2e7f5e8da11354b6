"""Reads of letters: a resident's own, and their stored documents."""

from podkowa.cases.models import Letter
from podkowa.core.models import Gmina


def letters_for_author(*, gmina: Gmina, user):
    return (Letter.objects.filter(gmina=gmina, author=user)
            .select_related("case").order_by("-created_at", "-id"))


def letter_for_author(*, gmina: Gmina, user, letter_id: int) -> Letter | None:
    """The letter if it is the user's own; None otherwise (never another person's)."""
    return letters_for_author(gmina=gmina, user=user).filter(pk=letter_id).first()


def letter_document_bytes(letter: Letter) -> bytes:
    with letter.document.open("rb") as handle:
        return handle.read()


def letter_receipt_bytes(letter: Letter) -> bytes | None:
    if not letter.receipt:
        return None
    with letter.receipt.open("rb") as handle:
        return handle.read()
