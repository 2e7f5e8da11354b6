"""The registers' pages: the map (each public register a layer, object cards, search, and
for officials placing and moving points) and the data it loads per viewport."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from podkowa.registers.api import register_out
from podkowa.registers.models import ObjectStatus
from podkowa.registers.rules import may_handle_fault_reports
from podkowa.registers.selectors.faults import fault_reports_list
from podkowa.registers.selectors.map import map_layer, map_search
from podkowa.registers.selectors.objects import (
    object_for,
    parse_bbox,
    register_for,
    registers_visible,
)
from podkowa.registers.services.attributes import register_attributes
from podkowa.registers.services.faults import (
    DESCRIPTION_MAX,
    fault_report_file,
    fault_report_mark_fixed,
    object_label,
    object_title,
)


@require_GET
def home(request: HttpRequest):
    gmina = request.gmina
    registers = registers_visible(gmina=gmina, user=request.user)
    centre = gmina.map_center
    config = {
        "tiles": settings.MAP_TILE_URL,
        "center": [centre.y, centre.x] if centre else [52.1225, 20.7286],
        "zoom": gmina.map_zoom or 14,
        "registers": [register_out(r, request.user) for r in registers],
        "api": reverse("api-v1:registers") + "/",
        "layerUrl": reverse("registers:layer", args=["SLUG"]),
        "searchUrl": reverse("registers:search", args=["SLUG"]),
        "report": reverse("registers:report", args=["SLUG", 999999999]),
    }
    return render(request, "registers/map.html", {
        "registers": registers, "config": config, "labels": _labels()})


def _labels() -> dict:
    return {
        "yes": _("yes"), "no": _("no"), "status": _("Status"), "length": _("Length"),
        "statuses": {value: str(label) for value, label in ObjectStatus.choices},
        "report": _("Report a fault"), "move": _("Move this point"),
        "clickToMove": _("Click the new place on the map."),
        "moved": _("The point was moved."), "failed": _("That did not work; try again."),
        "newObject": _("New object"), "save": _("Save"), "added": _("The object was added."),
        "addIn": _("Add an object to"), "place": _("Place on the map"),
        "clickToPlace": _("Click the place on the map."),
        "nothingFound": _("Nothing found."),
    }


def _register(request, slug):
    register = register_for(gmina=request.gmina, slug=slug, user=request.user)
    if register is None:
        raise Http404
    return register


@require_GET
def layer(request: HttpRequest, slug: str):
    """The objects (or clusters) of one register inside ?bbox=west,south,east,north."""
    register = _register(request, slug)
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
    except ValidationError as error:
        return JsonResponse({"detail": error.messages[0]}, status=400)
    if bbox is None:
        return JsonResponse({"detail": "bbox"}, status=400)
    return JsonResponse(map_layer(gmina=request.gmina, register=register, user=request.user,
                                  bbox=bbox, request=request))


@require_GET
def search(request: HttpRequest, slug: str):
    register = _register(request, slug)
    return JsonResponse({"type": "FeatureCollection", "features": map_search(
        gmina=request.gmina, register=register, user=request.user,
        text=request.GET.get("q", ""))})


class FaultForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"), max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("E.g. the lamp does not light at night, the bench is broken."))


@login_required
@never_cache
def report_fault(request: HttpRequest, slug: str, object_id: int):
    """A resident reports a fault of one object; it becomes a case in the back office."""
    register = _register(request, slug)
    obj = object_for(gmina=request.gmina, register=register, object_id=object_id)
    if obj is None or not register.is_public:
        raise Http404
    form = FaultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = fault_report_file(gmina=request.gmina, reporter=request.user,
                                       description=form.cleaned_data["description"],
                                       register=register, object_id=obj.pk)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error("description" if field not in form.fields else field,
                               problems)
        else:
            messages.success(request, _(
                "Thank you. Your report was filed as case %(number)s; we will tell you when "
                "the fault is fixed.") % {"number": report.case.number})
            return redirect("cases:detail", case_id=report.case_id)
    return render(request, "registers/report.html", {
        "form": form, "register": register, "object": obj, "label": object_label(obj),
        "attributes": [(a.label, obj.attributes.get(a.key)) for a in register_attributes(
            register) if not a.personal and a.kind not in ("photo",)
            and obj.attributes.get(a.key) not in (None, "")],
    })


@login_required
@never_cache
def fault_reports(request: HttpRequest):
    """The office's list of fault reports with the object each is about."""
    if not may_handle_fault_reports(request.user, request.gmina):
        raise PermissionDenied
    if request.method == "POST":
        try:
            fault_report_mark_fixed(gmina=request.gmina,
                                    report_id=int(request.POST.get("report", "0")),
                                    actor=request.user, note=request.POST.get("note", ""))
        except (ValueError, ValidationError):
            messages.error(request, _("No such fault report."))
        else:
            messages.success(request, _("Marked as fixed; the reporter has been told."))
        return redirect("registers:fault_reports")
    reports = list(fault_reports_list(gmina=request.gmina,
                                      open_only=request.GET.get("all") != "1"))
    for report in reports:
        report.object_title = object_title(report.object) if report.object else ""
    return render(request, "registers/fault_reports.html", {"reports": reports})
