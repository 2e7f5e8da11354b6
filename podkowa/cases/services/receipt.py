"""The filing receipt as a PDF (WeasyPrint; DejaVu fonts carry the Polish letters)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from podkowa.cases.models import Case
from podkowa.cases.services.formdef import answers_as_text
from podkowa.cases.services.lifecycle import WARSAW
from podkowa.core.models import Gmina


def case_receipt_html(*, gmina: Gmina, case_id: int) -> str:
    case = (Case.objects.select_related("case_type", "form_version", "applicant")
            .get(gmina=gmina, pk=case_id))
    return render_to_string("cases/receipt_pdf.html", {
        "gmina": gmina,
        "case": case,
        "filed_at": case.filed_at.astimezone(WARSAW),
        "answers": answers_as_text(case.form_version.definition, case.data),
        "attachments": list(case.attachments.filter(message__isnull=True)),
    })


def case_receipt_pdf(*, gmina: Gmina, case_id: int, language: str | None = None) -> bytes:
    """What was filed, when, with the hashes that let anyone check it was not changed since.

    A read, not a write: the receipt is drawn from the stored case each time it is asked for.
    The caller has checked that the reader may see the case (`case_detail_for`).
    """
    from weasyprint import HTML  # heavy; only the receipt needs it

    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        html = case_receipt_html(gmina=gmina, case_id=case_id)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
