"""The one place where cases talk to the notification service (podkowa.notifications).

Everything a case sends to its applicant passes through `case_notify`, so a change in the
notification service's interface is adapted here alone, and tests replace this function.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

# The topic of the notification catalogue that case news belong to.
CASE_TOPIC = "case-status"


def applicant_language(case):
    """Write the message in the language the applicant chose (Polish unless they switched)."""
    return translation.override(getattr(case.applicant, "language", "") or settings.LANGUAGE_CODE)


def case_url(case) -> str:
    try:
        return reverse("cases:detail", kwargs={"case_id": case.pk})
    except NoReverseMatch:  # the case pages arrive in a later round
        return ""


def case_notify(*, case, subject: str, body: str, legally_required: bool = False,
                dedup_key: str | None = None) -> None:
    """Tell the case's applicant something, in the caller's transaction (the outbox way)."""
    from podkowa.notifications.services import notify

    notify(
        gmina=case.gmina,
        recipient=case.applicant,
        topic=CASE_TOPIC,
        subject=subject,
        body=body,
        legally_required=legally_required,
        dedup_key=dedup_key,
        url=case_url(case),
    )

