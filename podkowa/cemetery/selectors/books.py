"""The three books of the regulation as read views — and as PDF for printing and signing:
księga osób pochowanych, księga grobów, spis alfabetyczny."""

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from podkowa.cemetery.models import Burial, Cemetery, Grave
from podkowa.core.models import Gmina

BOOKS = {
    "pochowani": _("Register of buried persons"),
    "groby": _("Register of graves"),
    "alfabetyczny": _("Alphabetical index"),
}


def book_rows(*, gmina: Gmina, cemetery: Cemetery, book: str):
    burials = Burial.objects.filter(gmina=gmina, grave__cemetery=cemetery).select_related(
        "grave__quarter", "grave__row")
    if book == "pochowani":
        return burials.order_by("record_number")
    if book == "alfabetyczny":
        return burials.order_by("surname", "given_names", "record_number")
    if book == "groby":
        return (Grave.objects.filter(gmina=gmina, cemetery=cemetery)
                .select_related("quarter", "row")
                .prefetch_related(Prefetch("burials", queryset=Burial.objects.filter(
                    gmina=gmina).order_by("burial_date", "id")))
                .order_by("record_number"))
    raise KeyError(book)


def book_pdf(*, gmina: Gmina, cemetery: Cemetery, book: str,
             language: str | None = None) -> bytes:
    """The whole book as PDF (WeasyPrint; DejaVu fonts carry the Polish letters)."""
    from weasyprint import HTML  # heavy; only the books need it

    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        html = render_to_string("cemetery/book_pdf.html", {
            "gmina": gmina, "cemetery": cemetery, "book": book, "title": BOOKS[book],
            "rows": book_rows(gmina=gmina, cemetery=cemetery, book=book),
            "printed": timezone.localtime()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
