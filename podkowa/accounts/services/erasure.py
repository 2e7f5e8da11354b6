"""A person's request to erase their data, and carrying it out."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import ErasureRequest
from podkowa.core import personal_data
from podkowa.core.models import Gmina

ALREADY_PENDING_MESSAGE = _(
    "You have already asked for your data to be erased; the office is dealing with that "
    "request. You can make a new one after it has been answered."
)


@transaction.atomic
def erasure_request_create(*, gmina: Gmina, user, reason: str = "") -> ErasureRequest:
    """Record the request; one may wait at a time (the database refuses a second)."""
    try:
        with transaction.atomic():
            return ErasureRequest.objects.create(gmina=gmina, user=user, reason=reason.strip())
    except IntegrityError as exc:
        raise ValidationError(ALREADY_PENDING_MESSAGE, code="pending") from exc


@transaction.atomic
def erasure_request_execute(*, gmina: Gmina, request_id: int, official) -> ErasureRequest:
    """Run every app's shredder for the person, then mark the request as carried out.

    All of it is one transaction: if one app fails, nothing is erased and the request stays
    waiting.
    """
    erasure = (
        ErasureRequest.objects.select_for_update()
        .select_related("user")
        .filter(gmina=gmina, pk=request_id)
        .first()
    )
    if erasure is None:
        raise ValidationError(_("There is no such erasure request."), code="missing")
    if erasure.status != ErasureRequest.Status.PENDING:
        raise ValidationError(
            _("This erasure request has already been answered."), code="not_pending"
        )
    for handler in personal_data.handlers():
        handler.shred(gmina=gmina, user=erasure.user)
    erasure.status = ErasureRequest.Status.DONE
    erasure.resolved_by = official
    erasure.resolved_at = timezone.now()
    erasure.save(update_fields=["status", "resolved_by", "resolved_at"])
    return erasure
