"""The state machine of a case and its KPA clock — the one place that knows them.

    FILED → REGISTERED → IN_PROGRESS ⇄ NEEDS_INFORMATION
                          IN_PROGRESS → DECIDED | READY_FOR_PICKUP → CLOSED
    FILED | REGISTERED → WITHDRAWN (the applicant, before work starts)

The clock: due date = filing date + the type's deadline (months calendar-aware), moved off
Saturdays, Sundays and public holidays (KPA art. 57); it stops while the office waits for the
applicant and the due date moves by the days it stood still.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseTransition,
    CaseType,
    Deadline,
    DeadlineExtension,
    Status,
)
from podkowa.cases.services import notify as case_notifications
from podkowa.cases.services.notify import applicant_language
from podkowa.core.calendar import add_months, next_working_day
from podkowa.core.models import Gmina

WARSAW = ZoneInfo("Europe/Warsaw")


class Actor(Enum):
    SYSTEM = "system"  # the filing service itself
    OFFICIAL = "official"  # a case clerk (or the administrator) of the case's town
    APPLICANT = "applicant"


@dataclass(frozen=True)
class Rule:
    who: frozenset[Actor]
    label: str  # what the move is called, for error messages


_O, _A, _S = Actor.OFFICIAL, Actor.APPLICANT, Actor.SYSTEM

TRANSITIONS: dict[tuple[str, str], Rule] = {
    ("", Status.FILED): Rule(frozenset({_S}), "file"),
    (Status.FILED, Status.REGISTERED): Rule(frozenset({_S, _O}), "register"),
    (Status.REGISTERED, Status.IN_PROGRESS): Rule(frozenset({_O}), "start work"),
    (Status.IN_PROGRESS, Status.NEEDS_INFORMATION): Rule(frozenset({_O}), "ask for information"),
    # The applicant's answer in the thread, or the office receiving it another way.
    (Status.NEEDS_INFORMATION, Status.IN_PROGRESS): Rule(frozenset({_A, _O}), "resume"),
    (Status.IN_PROGRESS, Status.DECIDED): Rule(frozenset({_O}), "decide"),
    (Status.IN_PROGRESS, Status.READY_FOR_PICKUP): Rule(frozenset({_O}), "ready for pickup"),
    (Status.DECIDED, Status.CLOSED): Rule(frozenset({_O}), "close"),
    (Status.READY_FOR_PICKUP, Status.CLOSED): Rule(frozenset({_O}), "close"),
    (Status.FILED, Status.WITHDRAWN): Rule(frozenset({_A}), "withdraw"),
    (Status.REGISTERED, Status.WITHDRAWN): Rule(frozenset({_A}), "withdraw"),
}


def allowed_next(status: str, actor_kinds: set[Actor]) -> list[str]:
    """The statuses these kinds of actor may move a case in `status` to (for buttons)."""
    return [to for (frm, to), rule in TRANSITIONS.items()
            if frm == status and rule.who & actor_kinds]


def actor_kinds(*, case: Case, user) -> set[Actor]:
    """In what capacity `user` acts on the case (empty: none).

    A clerk who filed a case acts in it only as its applicant: an employee is excluded from
    handling their own matter (KPA art. 24 §1).
    """
    if user is None:
        return set()
    if case.applicant_id == getattr(user, "pk", None):
        return {Actor.APPLICANT}
    if rules.has_perm("cases.handle_case", user, case):
        return {Actor.OFFICIAL}
    return set()


# --- the clock ------------------------------------------------------------------------------


def warsaw_today() -> date:
    return timezone.now().astimezone(WARSAW).date()


def warsaw_date(moment: datetime) -> date:
    return moment.astimezone(WARSAW).date()


def due_date_for(*, case_type: CaseType, filed_on: date) -> date:
    """KPA art. 57: the period counts from the filing day; months by the calendar; a deadline
    ending on a Saturday or a day free from work moves to the next working day."""
    deadline = case_type.deadline
    if deadline == Deadline.MONTH_1:
        end = add_months(filed_on, 1)
    elif deadline == Deadline.MONTHS_2:
        end = add_months(filed_on, 2)
    elif deadline == Deadline.DAYS_7:
        end = filed_on + timedelta(days=7)
    elif deadline == Deadline.DAYS_14:
        end = filed_on + timedelta(days=14)
    else:
        end = filed_on + timedelta(days=case_type.deadline_days or 30)
    return next_working_day(end)


def _pause_clock(case: Case, today: date) -> None:
    case.paused_since = today


def _resume_clock(case: Case, today: date) -> None:
    if case.paused_since is None:
        return
    stood_still = max((today - case.paused_since).days, 0)
    case.paused_days += stood_still
    case.due_date = next_working_day(case.due_date + timedelta(days=stood_still))
    case.paused_since = None


# --- transitions ----------------------------------------------------------------------------


def _illegal(case: Case, to_status: str) -> ValidationError:
    return ValidationError(
        {"status": _g("A case that is “%(current)s” cannot become “%(target)s”.") % {
            "current": Status(case.status).label if case.status else "—",
            "target": Status(to_status).label if to_status in Status.values else to_status,
        }},
        code="illegal_transition",
    )


def apply_transition(*, case: Case, to_status: str, actor, kinds: set[Actor],
                     note: str = "") -> Case:
    """Move a locked case; the callers (this module's services, filing, messages) have
    checked who `actor` is. Logs the move, runs the clock and notifies when the type says."""
    rule = TRANSITIONS.get((case.status, to_status))
    if rule is None:
        raise _illegal(case, to_status)
    if not rule.who & kinds:
        raise PermissionDenied(_g("You may not change this case to “%(target)s”.")
                               % {"target": Status(to_status).label})
    today = warsaw_today()
    from_status = case.status
    if to_status == Status.NEEDS_INFORMATION:
        _pause_clock(case, today)
    elif from_status == Status.NEEDS_INFORMATION:
        _resume_clock(case, today)
    case.status = to_status
    case.save(update_fields=["status", "paused_since", "paused_days", "due_date", "updated_at"])
    CaseTransition.objects.create(
        gmina_id=case.gmina_id, case=case, from_status=from_status, to_status=to_status,
        actor=actor, note=note,
    )
    if to_status in (case.case_type.notify_statuses or []):
        with applicant_language(case):
            case_notifications.case_notify(
                case=case,
                subject=_g("Case %(number)s: %(status)s") % {
                    "number": case.number, "status": Status(to_status).label},
                body=_status_body(case, to_status, note),
                dedup_key=f"case-{case.pk}-status-{case.transitions.count()}",
            )
    return case


def _status_body(case: Case, to_status: str, note: str) -> str:
    text = _g("Your case %(number)s (%(type)s) is now: %(status)s.") % {
        "number": case.number, "type": case.case_type.name, "status": Status(to_status).label}
    if to_status == Status.NEEDS_INFORMATION:
        text += " " + _g("The office needs more information from you: please answer in the "
                         "case's messages.")
    if note:
        text += "\n\n" + note
    return text


def lock_case(*, gmina: Gmina, case_id: int) -> Case:
    try:
        return (Case.objects.select_for_update(of=("self",))
                .select_related("case_type", "applicant").get(gmina=gmina, pk=case_id))
    except Case.DoesNotExist:
        raise ValidationError({"case": _("No such case.")}) from None


@transaction.atomic
def case_transition(*, gmina: Gmina, case_id: int, to_status: str, actor, note: str = "") -> Case:
    """Move the case to `to_status` if the table allows it for this actor (row-locked)."""
    if to_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    case = lock_case(gmina=gmina, case_id=case_id)
    kinds = actor_kinds(case=case, user=actor)
    if not kinds:
        raise PermissionDenied(_g("You may not change this case."))
    return apply_transition(case=case, to_status=to_status, actor=actor, kinds=kinds,
                            note=note.strip())


@transaction.atomic
def case_deadline_extend(*, gmina: Gmina, case_id: int, new_due_date: date, reason: str,
                         actor) -> DeadlineExtension:
    """A new due date with its reason; the applicant gets the art. 36 notice whatever their
    notification preferences (the law requires it)."""
    case = lock_case(gmina=gmina, case_id=case_id)
    if not rules.has_perm("cases.extend_deadline", actor, case):
        raise PermissionDenied(_g("You may not change this case's deadline."))
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for the delay: the applicant is told it.")
    if case.status not in OPEN_STATUSES:
        errors["case"] = _("The case is settled; its deadline no longer runs.")
    if not isinstance(new_due_date, date) or new_due_date <= case.due_date:
        errors["new_due_date"] = _("The new date must be later than the current due date "
                                   "(%(date)s).") % {"date": case.due_date.isoformat()}
    if errors:
        raise ValidationError(errors)
    extension = DeadlineExtension.objects.create(
        gmina_id=case.gmina_id, case=case, previous_due_date=case.due_date,
        new_due_date=new_due_date, reason=reason, by=actor,
    )
    case.due_date = new_due_date
    case.save(update_fields=["due_date", "updated_at"])
    with applicant_language(case):
        case_notifications.case_notify(
            case=case,
            subject=_g("Case %(number)s: new date of settlement") % {"number": case.number},
            body=_g(
                "Under art. 36 of the Code of Administrative Procedure we inform you that your "
                "case %(number)s (%(type)s) will not be settled by %(old)s. The new date is "
                "%(new)s.\n\nReason: %(reason)s\n\nYou may file a reminder (ponaglenie) "
                "under art. 37."
            ) % {"number": case.number, "type": case.case_type.name,
                 "old": extension.previous_due_date.isoformat(),
                 "new": new_due_date.isoformat(), "reason": reason},
            legally_required=True,
            dedup_key=f"case-{case.pk}-extension-{extension.pk}",
        )
    return extension
