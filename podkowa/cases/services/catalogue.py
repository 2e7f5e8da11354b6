"""The case-type catalogue: publishing form versions (each one immutable once used)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import CaseType, FormVersion
from podkowa.cases.services.formdef import form_definition_validate
from podkowa.core.models import Gmina


@transaction.atomic
def form_version_publish(*, gmina: Gmina, case_type_id: int, definition: list[dict],
                         actor=None) -> FormVersion:
    """A new version of the type's form with the next number; cases filed from now use it."""
    definition = form_definition_validate(definition)
    try:
        # The type's row lock orders concurrent publications; the unique constraint backs it.
        case_type = CaseType.objects.select_for_update().get(gmina=gmina, pk=case_type_id)
    except CaseType.DoesNotExist:
        raise ValidationError({"case_type": _("No such case type.")}) from None
    last = (FormVersion.objects.filter(gmina=gmina, case_type=case_type)
            .aggregate(n=Max("number"))["n"]) or 0
    return FormVersion.objects.create(
        gmina=gmina, case_type=case_type, number=last + 1, definition=definition,
        published_by=actor,
    )


@transaction.atomic
def form_version_update(*, gmina: Gmina, form_version_id: int, definition: list[dict]
                        ) -> FormVersion:
    """Correct a version that no case has used yet (a used one is frozen)."""
    definition = form_definition_validate(definition)
    version = FormVersion.objects.select_for_update().get(gmina=gmina, pk=form_version_id)
    if version.is_used:
        raise ValidationError({"definition": _(
            "This form version has been used by a case and can no longer change; publish a "
            "new version instead.")})
    version.definition = definition
    version.save(update_fields=["definition"])
    return version
