"""Cemetery pages: search (public, as-you-type), the grave page with its map and the way to
it, a printable QR label; for the cemetery clerk: moderation, corrections, the orthophoto.

Thin: selectors read (auditing an official's reads of holders), services write.
"""

from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from podkowa.cemetery.models import BookEntryVersion, Burial, GraveKind
from podkowa.cemetery.selectors.graves import (
    cemeteries_for,
    cemetery_by_slug,
    entry_versions,
    grave_get,
    grave_holders_for_clerk,
    grave_public_burials,
    grave_public_content,
    pending_contributions,
    photo_public,
)
from podkowa.cemetery.selectors.routes import grave_route
from podkowa.cemetery.selectors.search import burial_search, query_parse
from podkowa.cemetery.services.books import BURIAL_FIELDS, burial_correct, grave_correct
from podkowa.cemetery.services.contributions import (
    contribution_moderate,
    note_submit,
    photo_submit,
)
from podkowa.cemetery.services.network import orthophoto_set


def _may(request: HttpRequest, perm: str, obj=None) -> bool:
    return request.user.has_perm(f"cemetery.{perm}", obj if obj is not None else request.gmina)


def _require_clerk(request: HttpRequest) -> None:
    if not _may(request, "keep_books"):
        raise PermissionDenied(_("Only the cemetery's clerks may open this page."))


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for problem in error.messages:
        messages.error(request, problem)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def home(request: HttpRequest) -> HttpResponse:
    """Find a grave: the whole page, or only the results for the as-you-type requests."""
    q = (request.GET.get("q") or "").strip()[:200]
    born, died = _int(request.GET.get("born")), _int(request.GET.get("died"))
    quarter = (request.GET.get("quarter") or "").strip()[:20]
    query = query_parse(q, born=born, died=died, quarter=quarter)
    hits = burial_search(gmina=request.gmina, query=query, limit=20) if not query.empty else []
    results = [h.burial for h in hits]
    context = {"q": q, "born": born or "", "died": died or "", "quarter": quarter,
               "results": results, "searched": not query.empty,
               "cemeteries": cemeteries_for(gmina=request.gmina),
               "is_clerk": _may(request, "keep_books")}
    if request.headers.get("HX-Request"):
        return render(request, "cemetery/includes/results.html", context)
    return render(request, "cemetery/home.html", context)


def _offline_urls(cemetery) -> dict:
    """What the service worker keeps of a cemetery once its map is opened: the cemetery's page
    and its offline pack, in the page's language (the API would go by Accept-Language)."""
    pack = reverse("api-v1:cemetery_offline", args=[cemetery.slug])
    return {"cemetery_url": reverse("cemetery:cemetery", args=[cemetery.slug]),
            "pack_url": f"{pack}?lang={get_language()}"}


def cemetery_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Find a grave of one cemetery and the way to it, in the browser from the offline pack:
    the same with a network or without one, once the page has been opened."""
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    response = render(request, "cemetery/cemetery.html", {
        "cemetery": cemetery, **_offline_urls(cemetery),
        "map_url": reverse("api-v1:cemetery_map", args=[cemetery.slug]),
        "tile_url": settings.MAP_TILE_URL})
    # Nothing on it but the cemetery's name and the page's texts: the service worker keeps it,
    # and the offline page links to it by this title (podkowa/web/static/web/js/offline.js).
    response["X-Podkowa-Offline"] = "public"
    response["X-Podkowa-Offline-Title"] = quote(cemetery.name)
    return response


def grave(request: HttpRequest, grave_id: int) -> HttpResponse:
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    notes, photos = grave_public_content(grave=place)
    entrances = list(place.cemetery.entrances.filter(gmina=request.gmina))
    route = route_error = None
    step_free = request.GET.get("step_free") == "1"
    entrance_id = _int(request.GET.get("entrance"))
    want_route = "route" in request.GET
    if want_route:
        try:
            route = grave_route(grave=place, entrance_id=entrance_id, step_free=step_free)
        except ValidationError as error:
            route_error = " ".join(error.messages)
    route_api = reverse("api-v1:cemetery_grave_route", args=[place.pk])
    params = []
    if entrance_id:
        params.append(f"entrance={entrance_id}")
    if step_free:
        params.append("step_free=true")
    context = {
        "grave": place, "cemetery": place.cemetery,
        "burials": grave_public_burials(grave=place), "notes": notes, "photos": photos,
        "entrances": entrances, "route": route, "route_error": route_error,
        "route_url": (route_api + ("?" + "&".join(params) if params else "")) if route else "",
        "map_url": reverse("api-v1:cemetery_map", args=[place.cemetery.slug]),
        **_offline_urls(place.cemetery),
        "tile_url": settings.MAP_TILE_URL, "step_free": step_free,
        "entrance_id": entrance_id, "want_route": want_route,
        "may_contribute": _may(request, "contribute") and not
        place.holder_vetoes_public_content,
        "is_clerk": _may(request, "keep_books"),
        "may_set_wishes": _may(request, "set_holder_wishes", place),
    }
    if context["is_clerk"] or _may(request, "view_lease", place):
        context.update(_lease_context(request, place))
    if context["is_clerk"]:
        context["holders"] = grave_holders_for_clerk(gmina=request.gmina, grave=place,
                                                     actor=request.user, request=request)
    response = render(request, "cemetery/grave.html", context)
    if not context["is_clerk"] and not context["may_set_wishes"]:
        # What anyone may see: the service worker may keep it for use without a network.
        response["X-Podkowa-Offline"] = "public"
    return response


def _lease_context(request: HttpRequest, place) -> dict:
    """The lease as the clerk or the grave's holder sees it: the date it is kept until, the
    fee, the prolongation waiting for its payment and the earlier ones."""
    from django.utils import timezone

    from podkowa.cemetery.selectors.leases import grave_prolongations, lease_fee_for
    from podkowa.cemetery.services.leases import lease_state

    lease = lease_state(place)
    prolongations = grave_prolongations(gmina=request.gmina, grave=place)
    return {
        "show_lease": True, "lease": lease,
        "lease_expired": lease.expired(timezone.localdate()),
        "lease_fee": lease_fee_for(gmina=request.gmina, grave=place),
        "prolongation": next((p for p in prolongations if p.is_waiting), None),
        "prolongations": prolongations,
        "current_holders": [h for h in place.holders.filter(gmina=request.gmina,
                                                            is_current=True)],
        "may_request_prolongation": _may(request, "request_prolongation", place),
    }


def grave_label(request: HttpRequest, grave_id: int) -> HttpResponse:
    """A label to print and fix on the grave: the QR code leads to this grave's page."""
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    url = request.build_absolute_uri(reverse("cemetery:grave", args=[place.pk]))
    svg = segno.make(url, error="m").svg_inline(
        scale=6, title=_("QR code: the grave's page"), svgclass="grave-qr")
    return render(request, "cemetery/label.html", {
        "grave": place, "url": url,
        "qr_svg": mark_safe(svg),  # noqa: S308  (segno's own SVG of our URL)
    })


def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    item = photo_public(gmina=request.gmina, photo_id=photo_id)
    return FileResponse(item.image.open("rb"), content_type=item.content_type)


@login_required
@require_POST
def note_add(request: HttpRequest, grave_id: int) -> HttpResponse:
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    if not _may(request, "contribute"):
        raise PermissionDenied
    try:
        note_submit(gmina=request.gmina, grave=place, author=request.user,
                    text=request.POST.get("text", ""),
                    author_name=request.POST.get("author_name", ""))
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("Thank you. The note will appear once the cemetery's "
                                 "administration has checked it."))
    return redirect("cemetery:grave", grave_id=place.pk)


@login_required
@require_POST
def photo_add(request: HttpRequest, grave_id: int) -> HttpResponse:
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    if not _may(request, "contribute"):
        raise PermissionDenied
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise ValidationError({"photo": _("Choose a photo to send.")})
        photo_submit(gmina=request.gmina, grave=place, author=request.user, upload=upload,
                     caption=request.POST.get("caption", ""))
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("Thank you. The photo will appear once the cemetery's "
                                 "administration has checked it."))
    return redirect("cemetery:grave", grave_id=place.pk)


# --- the cemetery clerk ----------------------------------------------------------------------


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    _require_clerk(request)
    if request.method == "POST":
        try:
            contribution_moderate(gmina=request.gmina, kind=request.POST.get("kind", ""),
                                  pk=_int(request.POST.get("id")) or 0,
                                  approve=request.POST.get("decision") == "approve",
                                  moderator=request.user)
        except ValidationError as error:
            _flash(request, error)
        return redirect("cemetery:moderation")
    notes, photos = pending_contributions(gmina=request.gmina)
    return render(request, "cemetery/office/moderation.html", {"notes": notes,
                                                                "photos": photos})


@login_required
def pending_photo(request: HttpRequest, photo_id: int) -> FileResponse:
    _require_clerk(request)
    from podkowa.cemetery.models import GravePhoto

    item = get_object_or_404(GravePhoto, gmina=request.gmina, pk=photo_id)
    return FileResponse(item.image.open("rb"), content_type=item.content_type)


@login_required
def grave_wishes(request: HttpRequest, grave_id: int) -> HttpResponse:
    """The holder's wishes: show details of the recently deceased; veto notes and photos."""
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    if not _may(request, "set_holder_wishes", place):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("cemetery:grave", grave_id=place.pk)
    try:
        grave_correct(gmina=request.gmina, grave_id=place.pk, actor=request.user,
                      changes={
                          "holder_allows_details": request.POST.get("allows_details") == "1",
                          "holder_vetoes_public_content": request.POST.get("veto") == "1"},
                      reason=request.POST.get("reason") or _("the holder's wishes"))
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("The holder's wishes are saved."))
    return redirect("cemetery:grave", grave_id=place.pk)


@login_required
def burial_edit(request: HttpRequest, burial_id: int) -> HttpResponse:
    """Correct an entry of the księga osób pochowanych; earlier versions stay listed."""
    _require_clerk(request)
    burial = get_object_or_404(Burial.objects.select_related("grave__cemetery"),
                               gmina=request.gmina, pk=burial_id)
    editable = [f for f in BURIAL_FIELDS if f not in ("birth_year", "death_year")]
    errors: dict = {}
    if request.method == "POST":
        changes = {f: request.POST.get(f, "") for f in editable if f != "infectious_disease"}
        changes["infectious_disease"] = request.POST.get("infectious_disease") == "1"
        try:
            burial_correct(gmina=request.gmina, burial_id=burial.pk, changes=changes,
                           actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {
                "__all__": error.messages}
        else:
            messages.info(request, _("The correction is saved; the earlier version stays "
                                     "in the history."))
            return redirect("cemetery:burial_edit", burial_id=burial.pk)
    fields = []
    for name in editable:
        model_field = Burial._meta.get_field(name)
        value = getattr(burial, name)
        if name in ("birth_date", "death_date") and value is None:
            value = getattr(burial, name.replace("date", "year")) or ""
        if request.method == "POST":
            value = request.POST.get(name, "")
        fields.append({"name": name, "label": model_field.verbose_name,
                       "value": "" if value is None else value,
                       "choices": model_field.choices, "errors": errors.get(name, [])})
    return render(request, "cemetery/office/burial_edit.html", {
        "burial": burial, "fields": fields, "errors": errors.get("__all__", []) + errors.get(
            "reason", []),
        "versions": entry_versions(gmina=request.gmina, book=BookEntryVersion.Book.BURIAL,
                                   entry_id=burial.pk),
        "kinds": GraveKind.choices,
    })


@login_required
def orthophoto(request: HttpRequest, slug: str) -> HttpResponse:
    _require_clerk(request)
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    if request.method == "POST":
        try:
            if "image" not in request.FILES:
                raise ValidationError({"image": _("Choose the orthophoto image.")})
            orthophoto_set(gmina=request.gmina, cemetery=cemetery, upload=request.FILES["image"],
                           south=request.POST.get("south"), west=request.POST.get("west"),
                           north=request.POST.get("north"), east=request.POST.get("east"))
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.info(request, _("The orthophoto is on the map."))
            return redirect("cemetery:orthophoto", slug=cemetery.slug)
    return render(request, "cemetery/office/orthophoto.html", {"cemetery": cemetery})


_IMPORT_SESSION_KEY = "cemetery_import"
MAX_PREVIEW_ROWS = 20


@login_required
def import_burials(request: HttpRequest) -> HttpResponse:
    """Upload → preview with every problem by row → import all rows (or none)."""
    import base64

    from podkowa.cemetery.services.imports import (
        MAX_BYTES,
        ImportRefused,
        burials_import,
        burials_import_preview,
    )

    _require_clerk(request)
    context: dict = {"cemeteries": cemeteries_for(gmina=request.gmina)}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        pending = request.session.get(_IMPORT_SESSION_KEY)
        if not pending:
            messages.error(request, _("Upload the file again: the preview has expired."))
            return redirect("cemetery:import")
        try:
            report = burials_import(
                gmina=request.gmina, cemetery_slug=pending["slug"],
                content=base64.b64decode(pending["content"]), filename=pending["name"],
                actor=request.user)
        except ImportRefused as refused:
            context.update(report=refused.report, slug=pending["slug"])
            return render(request, "cemetery/office/import.html", context)
        except ValidationError as error:
            _flash(request, error)
            return redirect("cemetery:import")
        request.session.pop(_IMPORT_SESSION_KEY, None)
        messages.info(request, _("Imported %(n)s burials (%(g)s new graves).") % {
            "n": report.imported, "g": report.graves_created})
        return redirect("cemetery:import")
    if request.method == "POST":
        upload = request.FILES.get("file")
        slug = (request.POST.get("cemetery") or "").strip()
        if upload is None or not slug:
            messages.error(request, _("Choose the cemetery and the file."))
            return redirect("cemetery:import")
        if upload.size > MAX_BYTES:
            messages.error(request, _("The file is too large."))
            return redirect("cemetery:import")
        content = upload.read()
        try:
            report = burials_import_preview(gmina=request.gmina, cemetery_slug=slug,
                                            content=content, filename=upload.name)
        except ValidationError as error:
            _flash(request, error)
            return redirect("cemetery:import")
        if report.ok:
            request.session[_IMPORT_SESSION_KEY] = {
                "slug": slug, "name": upload.name,
                "content": base64.b64encode(content).decode()}
        context.update(report=report, slug=slug, preview=report.rows[:MAX_PREVIEW_ROWS],
                       total=len(report.rows), filename=upload.name)
    return render(request, "cemetery/office/import.html", context)


BOOK_PAGE_SIZE = 100


@login_required
def book(request: HttpRequest, slug: str, book: str) -> HttpResponse:
    """One of the three books, page by page (the PDF holds the whole book)."""
    from django.core.paginator import Paginator
    from django.http import Http404

    from podkowa.cemetery.selectors.books import BOOKS, book_rows

    _require_clerk(request)
    if book not in BOOKS:
        raise Http404
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    page = Paginator(book_rows(gmina=request.gmina, cemetery=cemetery, book=book),
                     BOOK_PAGE_SIZE).get_page(request.GET.get("strona"))
    return render(request, "cemetery/office/book.html", {
        "cemetery": cemetery, "book": book, "title": BOOKS[book], "page": page,
        "books": list(BOOKS.items())})


@login_required
def book_pdf(request: HttpRequest, slug: str, book: str) -> HttpResponse:
    from django.http import Http404

    from podkowa.cemetery.selectors.books import BOOKS
    from podkowa.cemetery.selectors.books import book_pdf as render_book

    _require_clerk(request)
    if book not in BOOKS:
        raise Http404
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    pdf = render_book(gmina=request.gmina, cemetery=cemetery, book=book)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cemetery.slug}-{book}.pdf"'
    return response


@login_required
def office(request: HttpRequest, slug: str) -> HttpResponse:
    """A cemetery's office page: free places per quarter, expired leases, books, exports,
    the alley network."""
    from podkowa.cemetery.selectors.graves import free_places_by_quarter
    from podkowa.cemetery.services.leases import expired_leases

    _require_clerk(request)
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    from podkowa.cemetery.selectors.leases import lease_fee_table, waiting_prolongations

    expired = [(g, s) for g, s in expired_leases(gmina=request.gmina)
               if g.cemetery_id == cemetery.pk]
    return render(request, "cemetery/office/cemetery.html", {
        "cemetery": cemetery, "quarters": free_places_by_quarter(gmina=request.gmina,
                                                                 cemetery=cemetery),
        "expired": expired[:200], "expired_count": len(expired),
        "fees": lease_fee_table(gmina=request.gmina, cemetery=cemetery),
        "waiting": waiting_prolongations(gmina=request.gmina, cemetery=cemetery,
                                         actor=request.user, request=request)})


@login_required
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    import json

    from django.http import Http404

    from podkowa.cemetery.selectors import exports
    from podkowa.core.models import AuditLogEntry

    _require_clerk(request)
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    if fmt == "csv":
        body, kind = exports.burials_csv(gmina=request.gmina, cemetery=cemetery), "text/csv"
    elif fmt == "xlsx":
        body = exports.burials_xlsx(gmina=request.gmina, cemetery=cemetery)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "geojson":
        body = json.dumps(exports.graves_geojson(gmina=request.gmina, cemetery=cemetery),
                          ensure_ascii=False).encode()
        kind = "application/geo+json"
    else:
        raise Http404
    if fmt != "geojson":
        # The register holds the right-to-bury column (living people's names).
        AuditLogEntry.objects.create(
            gmina=request.gmina, actor=request.user, actor_label=request.user.email,
            subject=None, subject_label="", action=AuditLogEntry.Action.EXPORT,
            what="cemetery: burial register", object_ref=f"cemetery.cemetery:{cemetery.pk}",
            path=request.get_full_path()[:500])
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{cemetery.slug}.{fmt}"'
    return response


@login_required
@require_POST
def lease_prolong_view(request: HttpRequest, grave_id: int) -> HttpResponse:
    import datetime as dt
    from decimal import Decimal, InvalidOperation

    from podkowa.cemetery.services.leases import lease_prolong

    _require_clerk(request)
    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    try:
        try:
            amount = int((Decimal(request.POST.get("amount", "").replace(",", ".")) * 100)
                         .to_integral_exact())
        except (InvalidOperation, ValueError):
            raise ValidationError({"amount": _("Give the amount in złoty, e.g. 450.00.")}
                                  ) from None
        try:
            paid_on = dt.date.fromisoformat(request.POST.get("paid_on", ""))
        except ValueError:
            raise ValidationError({"paid_on": _("Give the payment date as YYYY-MM-DD.")}
                                  ) from None
        payment = lease_prolong(gmina=request.gmina, grave_id=place.pk, amount_grosze=amount,
                                paid_on=paid_on, actor=request.user,
                                reference=request.POST.get("reference", ""))
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("The grave is paid until %(date)s.") % {
            "date": payment.new_until.isoformat()})
    return redirect("cemetery:grave", grave_id=place.pk)


@login_required
def alleys(request: HttpRequest, slug: str) -> HttpResponse:
    """Import the alley network as GeoJSON (LineStrings; properties name, stairs, length_m)."""
    import json

    from podkowa.cemetery.services.network import (
        alley_add,
        alley_delete,
        alleys_import_geojson,
    )

    _require_clerk(request)
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    if request.method == "POST":
        action = request.POST.get("action", "import")
        try:
            if action == "add":
                try:
                    coords = json.loads(request.POST.get("coords") or "[]")
                except ValueError:
                    raise ValidationError(_("Draw the segment on the map first.")) from None
                alley_add(gmina=request.gmina, cemetery=cemetery, coords=coords,
                          name=request.POST.get("name", ""),
                          is_stairs=request.POST.get("stairs") == "1")
                messages.info(request, _("The segment is on the map."))
            elif action == "delete":
                alley_delete(gmina=request.gmina, cemetery=cemetery,
                             edge_id=_int(request.POST.get("id")) or 0)
                messages.info(request, _("The segment is removed."))
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationError(_("Choose the GeoJSON file."))
                count = alleys_import_geojson(gmina=request.gmina, cemetery=cemetery,
                                              content=upload.read())
                messages.info(request, _("%(n)s alley segments are on the map.") % {"n": count})
        except ValidationError as error:
            _flash(request, error)
        return redirect("cemetery:alleys", slug=cemetery.slug)
    return render(request, "cemetery/office/alleys.html", {
        "cemetery": cemetery, "map_url": reverse("api-v1:cemetery_map", args=[cemetery.slug]),
        "count": cemetery.alleys.filter(gmina=request.gmina).count(),
        "segments": cemetery.alleys.filter(gmina=request.gmina).order_by("name", "pk"),
        "tile_url": settings.MAP_TILE_URL,
        "center": cemetery.location})


@login_required
@require_POST
def lease_prolongation_request_view(request: HttpRequest, grave_id: int) -> HttpResponse:
    """Charge another 20 years: the clerk for the holder they choose, the holder for
    themself. The grave is kept longer once the charge is paid (in Payments)."""
    from podkowa.cemetery.services.prolongations import lease_prolongation_request

    place = grave_get(gmina=request.gmina, grave_id=grave_id)
    if not _may(request, "request_prolongation", place):
        raise PermissionDenied
    if _may(request, "keep_books"):
        holder_id = _int(request.POST.get("holder"))
    else:
        own = place.holders.filter(gmina=request.gmina, user=request.user,
                                   is_current=True).first()
        holder_id = own.pk if own else None
        if holder_id is None:
            raise PermissionDenied
    try:
        prolongation = lease_prolongation_request(gmina=request.gmina, grave_id=place.pk,
                                                  holder_id=holder_id, actor=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        if prolongation.status == prolongation.Status.PAID:
            messages.info(request, _("Paid from the money on the holder's account: the grave "
                                     "is kept until %(date)s.") % {
                "date": prolongation.lease_payment.new_until.isoformat()})
        else:
            messages.info(request, _("The fee is charged: the grave is kept 20 more years once "
                                     "it is paid."))
    return redirect("cemetery:grave", grave_id=place.pk)


@login_required
@require_POST
def lease_prolongation_office(request: HttpRequest, prolongation_id: int) -> HttpResponse:
    """The clerk: the fee was paid in cash at the office, or the prolongation is taken back."""
    from podkowa.cemetery.models import LeaseProlongation
    from podkowa.cemetery.services.prolongations import (
        lease_prolongation_cancel,
        lease_prolongation_pay_at_desk,
    )

    _require_clerk(request)
    prolongation = get_object_or_404(LeaseProlongation, gmina=request.gmina,
                                     pk=prolongation_id)
    action = request.POST.get("action")
    try:
        if action == "desk":
            done = lease_prolongation_pay_at_desk(gmina=request.gmina,
                                                  prolongation_id=prolongation.pk,
                                                  actor=request.user)
            if done.lease_payment_id:
                messages.info(request, _("The grave is paid until %(date)s.") % {
                    "date": done.lease_payment.new_until.isoformat()})
        elif action == "cancel":
            lease_prolongation_cancel(gmina=request.gmina, prolongation_id=prolongation.pk,
                                      actor=request.user)
            messages.info(request, _("The prolongation and its charge are cancelled."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        _flash(request, error)
    return redirect("cemetery:grave", grave_id=prolongation.grave_id)


@login_required
@require_POST
def lease_fees(request: HttpRequest, slug: str) -> HttpResponse:
    """The cemetery's fees for 20 years, by grave type, in złoty."""
    from decimal import Decimal, InvalidOperation

    from podkowa.cemetery.services.prolongations import lease_fees_set

    _require_clerk(request)
    cemetery = cemetery_by_slug(gmina=request.gmina, slug=slug)
    fees, problems = {}, []
    for kind, label in GraveKind.choices:
        raw = (request.POST.get(f"fee_{kind}") or "").strip().replace(" ", "").replace(",", ".")
        try:
            fees[kind] = int((Decimal(raw) * 100).to_integral_exact()) if raw else None
        except InvalidOperation:
            problems.append(_("%(kind)s: give the fee in złoty, e.g. 700.00.") % {
                "kind": label})
    try:
        if problems:
            raise ValidationError(problems)
        lease_fees_set(gmina=request.gmina, cemetery=cemetery, fees=fees)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("The fees are saved."))
    return redirect("cemetery:office", slug=cemetery.slug)
