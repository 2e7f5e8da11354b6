"""The state machine (every legal and illegal move), who may make each one, the KPA clock."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.accounts.models import Role
from podkowa.cases.models import CaseType, Deadline, DeadlineExtension, Status
from podkowa.cases.selectors.cases import overdue_cases
from podkowa.cases.services import lifecycle
from podkowa.cases.services.lifecycle import (
    TRANSITIONS,
    case_deadline_extend,
    case_transition,
    due_date_for,
)
from tests.admin_support import make_official
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")

S = Status
# How to reach each status from REGISTERED (where filing leaves a case), by the office.
PATHS = {
    S.REGISTERED: [],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.NEEDS_INFORMATION: [S.IN_PROGRESS, S.NEEDS_INFORMATION],
    S.DECIDED: [S.IN_PROGRESS, S.DECIDED],
    S.READY_FOR_PICKUP: [S.IN_PROGRESS, S.READY_FOR_PICKUP],
    S.CLOSED: [S.IN_PROGRESS, S.DECIDED, S.CLOSED],
}
OFFICE_MOVES = {
    (S.REGISTERED, S.IN_PROGRESS), (S.IN_PROGRESS, S.NEEDS_INFORMATION),
    (S.NEEDS_INFORMATION, S.IN_PROGRESS), (S.IN_PROGRESS, S.DECIDED),
    (S.IN_PROGRESS, S.READY_FOR_PICKUP), (S.DECIDED, S.CLOSED), (S.READY_FOR_PICKUP, S.CLOSED),
}
APPLICANT_MOVES = {(S.REGISTERED, S.WITHDRAWN), (S.NEEDS_INFORMATION, S.IN_PROGRESS)}


def bring(gmina, case, status, clerk):
    for step in PATHS[status]:
        case_transition(gmina=gmina, case_id=case.pk, to_status=step, actor=clerk)
    case.refresh_from_db()
    assert case.status == status
    return case


def test_filing_leaves_the_case_registered_with_the_log(file_case, applicant):
    case = file_case()
    log = list(case.transitions.values_list("from_status", "to_status", "actor"))
    assert log == [("", S.FILED, applicant.pk), (S.FILED, S.REGISTERED, None)]
    assert case.status == S.REGISTERED


@pytest.mark.parametrize("start", list(PATHS))
@pytest.mark.parametrize("target", list(S))
def test_every_move_from_every_reachable_status(gmina, file_case, clerk, applicant, start,
                                                target):
    case = bring(gmina, file_case(), start, clerk)
    office_ok = (start, target) in OFFICE_MOVES
    applicant_ok = (start, target) in APPLICANT_MOVES
    for actor, ok in ((clerk, office_ok), (applicant, applicant_ok)):
        if ok:
            moved = case_transition(gmina=gmina, case_id=case.pk, to_status=target,
                                    actor=actor, note="why")
            assert moved.status == target
            last = moved.transitions.last()
            assert (last.from_status, last.to_status, last.actor, last.note) == (
                start, target, actor, "why")
            return
    if (start, target) in TRANSITIONS:
        # A legal move, but neither of them may make it: refused as a permission matter.
        with pytest.raises(PermissionDenied):
            case_transition(gmina=gmina, case_id=case.pk, to_status=target, actor=applicant)
        return
    for actor in (clerk, applicant):
        with pytest.raises(ValidationError) as error:
            case_transition(gmina=gmina, case_id=case.pk, to_status=target, actor=actor)
        assert "cannot become" in str(error.value.message_dict["status"])
    case.refresh_from_db()
    assert case.status == start
    assert case.transitions.count() == 2 + len(PATHS[start])


def test_the_applicant_may_withdraw_only_before_work_starts(gmina, file_case, clerk, applicant):
    early = case_transition(gmina=gmina, case_id=file_case().pk, to_status=S.WITHDRAWN,
                            actor=applicant)
    assert early.status == S.WITHDRAWN
    late = bring(gmina, file_case(), S.IN_PROGRESS, clerk)
    with pytest.raises(ValidationError):
        case_transition(gmina=gmina, case_id=late.pk, to_status=S.WITHDRAWN, actor=applicant)
    # …and the office cannot withdraw it for the applicant.
    other = file_case()
    with pytest.raises(PermissionDenied):
        case_transition(gmina=gmina, case_id=other.pk, to_status=S.WITHDRAWN, actor=clerk)


def test_the_applicant_cannot_do_the_office_work(gmina, file_case, applicant):
    case = file_case()
    with pytest.raises(PermissionDenied):
        case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS, actor=applicant)


def test_strangers_and_officials_without_the_role_cannot_move_a_case(gmina, file_case):
    case = file_case()
    for stranger in (UserFactory(), make_official(gmina, Role.CULTURE_EDITOR)):
        with pytest.raises(PermissionDenied):
            case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS,
                            actor=stranger)
    admin = make_official(gmina, Role.ADMIN)
    assert case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS,
                           actor=admin).status == S.IN_PROGRESS


def test_a_clerk_of_another_town_cannot_move_our_case(gmina, other_gmina, file_case):
    case = file_case()
    foreign_clerk = make_official(other_gmina, Role.CASE_CLERK)
    with pytest.raises(PermissionDenied):
        case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS,
                        actor=foreign_clerk)


def test_only_the_statuses_the_type_marks_notify_the_applicant(gmina, file_case, clerk,
                                                               notified):
    case = file_case()
    assert notified == []  # REGISTERED is not marked on this type
    case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS, actor=clerk)
    assert notified == []
    case_transition(gmina=gmina, case_id=case.pk, to_status=S.READY_FOR_PICKUP, actor=clerk,
                    note="Room 12, Mon–Fri 8–16.")
    assert len(notified) == 1
    assert notified[0]["case"].pk == case.pk
    assert case.number in notified[0]["subject"]
    assert "ready for pickup" in notified[0]["body"]
    assert "Room 12" in notified[0]["body"]
    assert notified[0].get("legally_required", False) is False


# --- the KPA clock ----------------------------------------------------------------------------


def _type(deadline, days=None):
    return CaseType(deadline=deadline, deadline_days=days)


@pytest.mark.parametrize(("deadline", "filed", "due"), [
    # 7 days from Monday 23 Nov 2026 → Monday 30 Nov.
    (Deadline.DAYS_7, date(2026, 11, 23), date(2026, 11, 30)),
    # 7 days from Friday 20 Nov → Friday 27 Nov.
    (Deadline.DAYS_7, date(2026, 11, 20), date(2026, 11, 27)),
    # 7 days from Wednesday 4 Nov → Wed 11 Nov (Independence Day) → Thursday 12 Nov.
    (Deadline.DAYS_7, date(2026, 11, 4), date(2026, 11, 12)),
    # 14 days from Saturday 14 Nov → Saturday 28 Nov → Monday 30 Nov.
    (Deadline.DAYS_14, date(2026, 11, 14), date(2026, 11, 30)),
    # 1 month from 31 Jan 2026 → 28 Feb (a Saturday) → Monday 2 March.
    (Deadline.MONTH_1, date(2026, 1, 31), date(2026, 3, 2)),
    # 1 month from 5 March 2026 → 5 April, Easter Sunday → Tuesday 7 April (Monday is Easter).
    (Deadline.MONTH_1, date(2026, 3, 5), date(2026, 4, 7)),
    # 2 months from 24 Oct 2026 → 24 Dec, Christmas Eve → Monday 28 Dec.
    (Deadline.MONTHS_2, date(2026, 10, 24), date(2026, 12, 28)),
])
def test_due_date_counts_the_kpa_way(deadline, filed, due):
    assert due_date_for(case_type=_type(deadline), filed_on=filed) == due


def test_a_deadline_in_days_uses_the_types_number(gmina):
    assert due_date_for(case_type=_type(Deadline.DAYS, 3),
                        filed_on=date(2026, 11, 23)) == date(2026, 11, 26)


def test_a_filed_case_gets_its_due_date(file_case):
    case = file_case()
    filed_on = lifecycle.warsaw_date(case.filed_at)
    assert case.due_date == due_date_for(case_type=case.case_type, filed_on=filed_on)
    assert case.due_date > filed_on


def test_the_clock_stops_while_the_office_waits_for_the_applicant(
        gmina, file_case, clerk, applicant, monkeypatch):
    case = bring(gmina, file_case(), S.IN_PROGRESS, clerk)
    case.due_date = date(2026, 12, 1)  # a Tuesday
    case.save(update_fields=["due_date"])
    monkeypatch.setattr(lifecycle, "warsaw_today", lambda: date(2026, 11, 16))
    case_transition(gmina=gmina, case_id=case.pk, to_status=S.NEEDS_INFORMATION, actor=clerk)
    case.refresh_from_db()
    assert case.paused_since == date(2026, 11, 16)
    # Paused, so not overdue even when the due date has passed.
    assert case not in overdue_cases(gmina=gmina, today=date(2026, 12, 10))
    monkeypatch.setattr(lifecycle, "warsaw_today", lambda: date(2026, 11, 20))
    case_transition(gmina=gmina, case_id=case.pk, to_status=S.IN_PROGRESS, actor=applicant)
    case.refresh_from_db()
    # Four days paused: 1 Dec + 4 = Saturday 5 Dec → Monday 7 Dec.
    assert (case.paused_days, case.paused_since, case.due_date) == (4, None, date(2026, 12, 7))
    assert case in overdue_cases(gmina=gmina, today=date(2026, 12, 8))
    assert case not in overdue_cases(gmina=gmina, today=date(2026, 12, 7))


def test_a_settled_case_is_never_overdue(gmina, file_case, clerk):
    case = bring(gmina, file_case(), S.DECIDED, clerk)
    assert case not in overdue_cases(gmina=gmina, today=case.due_date + timedelta(days=90))


def test_extending_the_deadline_sends_the_art_36_notice(gmina, file_case, clerk, notified):
    case = file_case()
    new = case.due_date + timedelta(days=30)
    extension = case_deadline_extend(gmina=gmina, case_id=case.pk, new_due_date=new,
                                     reason="An expert opinion is needed.", actor=clerk)
    case.refresh_from_db()
    assert case.due_date == new
    assert extension.previous_due_date < new
    assert [n["legally_required"] for n in notified] == [True]
    assert new.isoformat() in notified[0]["body"]
    assert "An expert opinion is needed." in notified[0]["body"]
    assert "art. 36" in notified[0]["body"]


def test_an_extension_needs_a_reason_a_later_date_and_the_role(gmina, file_case, clerk,
                                                              applicant, notified):
    case = file_case()
    with pytest.raises(ValidationError) as error:
        case_deadline_extend(gmina=gmina, case_id=case.pk, new_due_date=case.due_date,
                             reason=" ", actor=clerk)
    assert set(error.value.message_dict) == {"reason", "new_due_date"}
    with pytest.raises(PermissionDenied):
        case_deadline_extend(gmina=gmina, case_id=case.pk,
                             new_due_date=case.due_date + timedelta(days=5), reason="x",
                             actor=applicant)
    assert not DeadlineExtension.objects.filter(case=case).exists()
    assert notified == []


def test_a_clerk_acts_in_their_own_case_only_as_its_applicant(gmina, case_type, media):
    from podkowa.cases.services.filing import case_file
    from tests.cases.conftest import VALID_ANSWERS, photo

    clerk = make_official(gmina, Role.CASE_CLERK)
    own = case_file(gmina=gmina, applicant=clerk, case_type_id=case_type.pk,
                    data=dict(VALID_ANSWERS), files={"photo": [photo()]})
    with pytest.raises(PermissionDenied):
        case_transition(gmina=gmina, case_id=own.pk, to_status=S.IN_PROGRESS, actor=clerk)
    assert case_transition(gmina=gmina, case_id=own.pk, to_status=S.WITHDRAWN,
                           actor=clerk).status == S.WITHDRAWN
