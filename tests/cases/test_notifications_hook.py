"""The cases app through the real notification service (podkowa.notifications.notify)."""

from datetime import timedelta

import pytest

from podkowa.cases.models import Status
from podkowa.cases.services.lifecycle import case_deadline_extend, case_transition
from podkowa.cases.services.messages import case_message_post
from podkowa.notifications.models import InboxItem

pytestmark = [pytest.mark.real_notifications, pytest.mark.usefixtures("in_english")]


def test_status_extension_and_office_message_reach_the_applicants_inbox(
        gmina, file_case, clerk, applicant):
    case = file_case()
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    case_deadline_extend(gmina=gmina, case_id=case.pk,
                         new_due_date=case.due_date + timedelta(days=10),
                         reason="Waiting for the registry.", actor=clerk)
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.READY_FOR_PICKUP,
                    actor=clerk)
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Come on Monday.")
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="note", internal=True)
    items = list(InboxItem.objects.filter(recipient=applicant).order_by("created_at", "id"))
    assert [(i.topic.slug, i.legally_required) for i in items] == [
        ("case-status", True), ("case-status", False), ("case-status", False)]
    assert "Waiting for the registry." in items[0].body
    assert "ready for pickup" in items[1].subject
    assert all(case.number in i.subject for i in items)
