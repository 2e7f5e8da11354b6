"""Who in the office works on a case."""

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import Case
from podkowa.cases.services.lifecycle import lock_case
from podkowa.core.models import Gmina


@transaction.atomic
def case_assign(*, gmina: Gmina, case_id: int, assignee, actor) -> Case:
    """Give the case to a case clerk of the town (the actor themself or a colleague);
    `assignee=None` puts it back in the queue."""
    case = lock_case(gmina=gmina, case_id=case_id)
    if not rules.has_perm("cases.assign_case", actor, case):
        raise PermissionDenied(_g("You may not assign this case."))
    if assignee is not None and not rules.has_perm("cases.handle_case", assignee, case):
        raise ValidationError({"assignee": _("This person does not handle cases in this town.")})
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to", "updated_at"])
    return case
