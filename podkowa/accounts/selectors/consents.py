"""The consent register as the person sees it."""

from dataclasses import dataclass

from podkowa.accounts.models import Consent, ConsentKind, ConsentText
from podkowa.core.models import Gmina


def current_consent_text(*, gmina: Gmina, kind: str) -> ConsentText | None:
    """The wording in force for a kind: its latest version in this town."""
    return ConsentText.objects.filter(gmina=gmina, kind=kind).order_by("-version").first()


def live_consent(*, gmina: Gmina, user, kind: str) -> Consent | None:
    return (
        Consent.objects.filter(gmina=gmina, user=user, kind=kind, revoked_at__isnull=True)
        .select_related("text")
        .first()
    )


def has_consent(*, gmina: Gmina, user, kind: str) -> bool:
    """Whether the person has a consent of this kind that they have not withdrawn.

    A consent given to an earlier wording stays valid until withdrawn; the page offers the
    new wording to agree to.
    """
    return Consent.objects.filter(
        gmina=gmina, user=user, kind=kind, revoked_at__isnull=True
    ).exists()


@dataclass(frozen=True)
class ConsentState:
    kind: str
    label: str
    text: ConsentText | None
    live: Consent | None

    @property
    def granted(self) -> bool:
        return self.live is not None

    @property
    def granted_current_text(self) -> bool:
        return self.live is not None and self.text is not None and self.live.text_id == self.text.pk


def current_consents(*, gmina: Gmina, user) -> list[ConsentState]:
    """For each kind: the wording in force and the person's live consent, if any."""
    return [
        ConsentState(
            kind=kind.value,
            label=str(kind.label),
            text=current_consent_text(gmina=gmina, kind=kind.value),
            live=live_consent(gmina=gmina, user=user, kind=kind.value),
        )
        for kind in ConsentKind
    ]


def consent_history(*, gmina: Gmina, user):
    """Every consent the person gave here, newest first, with the wording it was given to."""
    return (
        Consent.objects.filter(gmina=gmina, user=user)
        .select_related("text")
        .order_by("-granted_at", "-id")
    )
