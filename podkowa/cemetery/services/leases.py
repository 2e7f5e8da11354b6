"""Grave leases (ustawa o cmentarzach i chowaniu zmarłych, art. 7).

An earth grave may not be used again for 20 years after the last burial; whoever pays before
that keeps it for another 20 years, and again after that. The rule does not apply to masonry
graves (built for more than one coffin) nor to urn graves, and a grave whose tombstone is in
the register of monuments is never reused. Reminders go to the holders 12 and 3 months before
the date, through the notifications service (deduplicated, so a daily run sends each once).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from podkowa.cemetery.models import (
    BookEntryVersion,
    Burial,
    Grave,
    GraveHolder,
    GraveKind,
    LeasePayment,
)
from podkowa.cemetery.services.books import GRAVE_FIELDS, _version_write, _with_version
from podkowa.core.models import Gmina

REUSE_YEARS = 20
EXEMPT_KINDS = {GraveKind.MASONRY, GraveKind.TOMB, GraveKind.URN}
REMINDER_MONTHS = (12, 3)
LEASE_TOPIC = "grave-lease"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@dataclass(frozen=True)
class LeaseState:
    exempt: str  # "" or why the 20-year rule does not apply
    protected_until: dt.date | None  # the last burial + 20 years
    paid_until: dt.date | None
    expires: dt.date | None

    def expired(self, today: dt.date) -> bool:
        return not self.exempt and self.expires is not None and self.expires < today


def lease_state(grave: Grave, *, last_burial: dt.date | None = None) -> LeaseState:
    if grave.in_monuments_register:
        return LeaseState(str(_("the tombstone is in the register of monuments: never "
                                "reused")), None, grave.paid_until, None)
    if grave.kind in EXEMPT_KINDS:
        return LeaseState(str(_("masonry and urn graves are not subject to the 20-year "
                                "rule")), None, grave.paid_until, None)
    if last_burial is None:
        last_burial = (Burial.objects.filter(gmina_id=grave.gmina_id, grave=grave)
                       .aggregate(last=Max("burial_date"))["last"])
    protected = _add_years(last_burial, REUSE_YEARS) if last_burial else None
    dates = [d for d in (protected, grave.paid_until) if d]
    return LeaseState("", protected, grave.paid_until, max(dates) if dates else None)


@transaction.atomic
def lease_prolong(*, gmina: Gmina, grave_id: int, amount_grosze: int, paid_on: dt.date,
                  actor, years: int = REUSE_YEARS, reference: str = "",
                  payer: GraveHolder | None = None) -> LeasePayment:
    """Record a payment keeping the grave `years` more years from its current expiry (or from
    the payment, when it has lapsed)."""
    # The grave's row lock orders two clerks recording payments at once.
    grave = Grave.objects.select_for_update().get(gmina=gmina, pk=grave_id)
    errors = {}
    if not isinstance(amount_grosze, int) or amount_grosze <= 0:
        errors["amount_grosze"] = _("The amount must be a positive number of grosze.")
    if not 1 <= years <= REUSE_YEARS:
        errors["years"] = _("A lease is prolonged by 1 to 20 years.")
    if paid_on > timezone.localdate():
        errors["paid_on"] = _("The payment date is in the future.")
    state = lease_state(grave)
    if state.exempt:
        errors["grave"] = _("This grave needs no prolongation: %(why)s.") % {"why": state.exempt}
    if payer is not None and payer.grave_id != grave.pk:
        errors["payer"] = _("The payer is not a holder of this grave.")
    if grave.prolongations.filter(gmina=gmina, status="pending",
                                  charge__cancelled_at__isnull=True).exists():
        # Recording the same money by hand too would keep the grave 40 years for one fee.
        errors["grave"] = _("A prolongation of this grave is waiting for its payment: take "
                            "the payment there, or cancel it first.")
    if errors:
        raise ValidationError(errors)
    return lease_extend(gmina=gmina, grave=grave, state=state, amount_grosze=amount_grosze,
                        paid_on=paid_on, years=years, reference=reference, payer=payer,
                        actor=actor)


def lease_extend(*, gmina: Gmina, grave: Grave, state: LeaseState, amount_grosze: int,
                 paid_on: dt.date, years: int, reference: str, payer: GraveHolder | None,
                 actor) -> LeasePayment:
    """Move the paid-until date of `grave` (locked by the caller) `years` on from its expiry
    (or from the payment, when it has lapsed), with the payment and a new grave-book version.
    """
    start = max(d for d in (state.expires, state.paid_until, paid_on) if d)
    new_until = _add_years(start, years)
    payment = LeasePayment.objects.create(
        gmina=gmina, grave=grave, amount_grosze=amount_grosze, paid_on=paid_on, years=years,
        previous_until=state.expires or state.paid_until, new_until=new_until,
        reference=reference.strip()[:120], payer=payer,
        recorded_by=actor if getattr(actor, "pk", None) else None)
    grave.paid_until = new_until
    grave.save(update_fields=["paid_until"])
    last = (BookEntryVersion.objects.filter(gmina=gmina, book="grave", entry_id=grave.pk)
            .aggregate(n=Max("version"))["n"]) or 0
    _version_write(gmina=gmina, book=BookEntryVersion.Book.GRAVE,
                   obj=_with_version(grave, last + 1), fields=GRAVE_FIELDS, actor=actor,
                   reason=_("lease prolonged until %(date)s (payment %(ref)s)") % {
                       "date": new_until.isoformat(), "ref": reference or paid_on.isoformat()})
    return payment


def _earth_graves_with_expiry(gmina: Gmina):
    graves = (Grave.objects.filter(gmina=gmina, in_monuments_register=False,
                                   kind=GraveKind.EARTH)
              .select_related("cemetery", "quarter", "row")
              .annotate(last_burial=Max("burials__burial_date")))
    for grave in graves:
        yield grave, lease_state(grave, last_burial=grave.last_burial)


def expired_leases(*, gmina: Gmina, today: dt.date | None = None) -> list[tuple[Grave,
                                                                                LeaseState]]:
    """Earth graves whose 20 years (and any paid prolongation) have passed."""
    today = today or timezone.localdate()
    found = [(g, s) for g, s in _earth_graves_with_expiry(gmina) if s.expired(today)]
    return sorted(found, key=lambda item: (item[1].expires, item[0].pk))


def _reminder_text(**params) -> str:
    return _("The paid period of the grave %(place)s at %(cemetery)s ends on %(date)s. To "
             "keep the grave, pay for another period before that date.") % params


# Rendered when notify() writes it, in the holder's language.
_reminder_body = lazy(_reminder_text, str)


def _topic(gmina: Gmina):
    from podkowa.notifications.models import Topic

    topic, _created = Topic.objects.get_or_create(
        gmina=gmina, slug=LEASE_TOPIC,
        defaults={"name": "Opłaty za groby", "is_system": True,
                  "description": "Przypomnienia o końcu okresu opłaconego grobu."})
    return topic


@transaction.atomic
def lease_reminders_send(*, gmina: Gmina, today: dt.date | None = None) -> dict[str, int]:
    """Remind the holders of graves expiring in 12 or 3 months (today or since the last run
    within a week: a missed day is caught up). Idempotent: each reminder is sent once."""
    from podkowa.notifications.services import notify

    today = today or timezone.localdate()
    sent = without_account = 0
    topic = None
    for grave, state in _earth_graves_with_expiry(gmina):
        if state.expires is None or state.expires < today:
            continue
        for months in REMINDER_MONTHS:
            due = _add_months(state.expires, -months)
            if not (due <= today < due + dt.timedelta(days=7)):
                continue
            holders = GraveHolder.objects.filter(gmina=gmina, grave=grave, is_current=True)
            for holder in holders:
                if holder.user_id is None:
                    without_account += 1
                    continue
                topic = topic or _topic(gmina)
                notify(
                    gmina=gmina, recipient=holder.user, topic=topic,
                    subject=gettext_lazy("The grave's lease ends soon"),
                    body=_reminder_body(place=grave.place, cemetery=grave.cemetery.name,
                                        date=state.expires.isoformat()),
                    url=reverse("cemetery:grave", args=[grave.pk]),
                    # Per holder: each of two holders with an account gets their own.
                    dedup_key=(f"grave-lease:{grave.pk}:{holder.pk}:"
                               f"{state.expires.isoformat()}:{months}m"),
                )
                sent += 1
    return {"sent": sent, "holders_without_account": without_account}
