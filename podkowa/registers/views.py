"""The registers' pages: the map (each public register a layer, object cards, search, and
for officials placing and moving points) and the data it loads per viewport."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from podkowa.registers.api import attribute_filters, register_out
from podkowa.registers.models import ImportJob, ObjectStatus
from podkowa.registers.rules import may_edit_register_objects, may_handle_fault_reports
from podkowa.registers.selectors.exports import FORMATS as EXPORT_FORMATS
from podkowa.registers.selectors.exports import register_export
from podkowa.registers.selectors.faults import fault_reports_list
from podkowa.registers.selectors.imports import import_for, import_progress, imports_recent
from podkowa.registers.selectors.map import map_layer, map_search
from podkowa.registers.selectors.objects import (
    object_for,
    objects_filtered,
    parse_bbox,
    register_for,
    registers_visible,
)
from podkowa.registers.selectors.styles import register_styles
from podkowa.registers.services.attributes import register_attributes
from podkowa.registers.services.faults import (
    DESCRIPTION_MAX,
    fault_report_file,
    fault_report_mark_fixed,
    object_label,
    object_title,
)
from podkowa.registers.services.imports import import_confirm, import_map, import_upload


@require_GET
def home(request: HttpRequest):
    gmina = request.gmina
    registers = registers_visible(gmina=gmina, user=request.user)
    centre = gmina.map_center
    styles = {r.slug: register_styles(gmina=gmina, register=r) for r in registers}
    for register in registers:
        register.styles = styles[register.slug]
    config = {
        "base": _base_map(),
        "center": [centre.y, centre.x] if centre else [52.1225, 20.7286],
        "zoom": gmina.map_zoom or 14,
        "registers": [register_out(r, request.user) for r in registers],
        "styles": styles,
        "api": reverse("api-v1:registers") + "/",
        "layerUrl": reverse("registers:layer", args=["SLUG"]),
        "searchUrl": reverse("registers:search", args=["SLUG"]),
        "report": reverse("registers:report", args=["SLUG", 999999999]),
    }
    return render(request, "registers/map.html", {
        "registers": registers, "config": config, "labels": _labels(),
        "may_import": any(may_edit_register_objects(request.user, r) for r in registers),
        "may_handle_faults": may_handle_fault_reports(request.user, gmina)})


def _base_map() -> dict | None:
    """The background: a WMS (e.g. the Geoportal orthophoto) when one is configured, else
    the tile source, else none (the map still shows the objects on a plain ground)."""
    attribution = settings.MAP_BASE_ATTRIBUTION
    if settings.MAP_BASE_WMS_URL:
        return {"wms": settings.MAP_BASE_WMS_URL, "layers": settings.MAP_BASE_WMS_LAYERS,
                "format": settings.MAP_BASE_WMS_FORMAT, "attribution": attribution}
    if settings.MAP_TILE_URL:
        return {"tiles": settings.MAP_TILE_URL, "attribution": attribution}
    return None


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
        "draw": _("Draw on the map"), "reshape": _("Change the shape"),
        "drawLine": _("Click the map at each point of the line. Double-click, or press "
                      "Finish, to end it; Escape takes back the last point."),
        "drawArea": _("Click the map at each corner of the area. Double-click, click the "
                      "first corner, or press Finish, to close it; Escape takes back the "
                      "last corner."),
        "dragVertices": _("Drag the points to change the shape; a click on the map adds a "
                          "point at the end. Press Finish to save."),
        "reshaped": _("The shape was changed."),
        "addCentre": _("Add a point at the centre of the map"),
        "useCentre": _("Use the centre of the map"),
        "undo": _("Undo last point"), "finish": _("Finish"), "cancel": _("Cancel"),
        "cancelled": _("Cancelled."), "addedPoint": _("Point added."),
        "removedPoint": _("Last point removed."),
        "needTwo": _("A line needs at least two points."),
        "needThree": _("An area needs at least three corners."),
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


# --- imports ---------------------------------------------------------------------------


def _editable_registers(request) -> list:
    return [r for r in registers_visible(gmina=request.gmina, user=request.user)
            if may_edit_register_objects(request.user, r)]


class UploadForm(forms.Form):
    register = forms.ChoiceField(label=gettext_lazy("Register"))
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "XLSX, CSV, GeoJSON, GeoPackage or a zipped Shapefile; the first row names the "
        "columns."))

    def __init__(self, *args, registers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["register"].choices = [(r.pk, r.name) for r in registers]


CRS_LABELS = [("auto", gettext_lazy("tell from the values")),
              ("lonlat", gettext_lazy("longitude and latitude (WGS 84)")),
              ("2178", gettext_lazy("PL-2000 zone 7 (EPSG:2178)")),
              ("2180", gettext_lazy("PL-1992 (EPSG:2180)"))]
AXES_LABELS = [("auto", gettext_lazy("tell from the values, row by row")),
               ("as_is", gettext_lazy("as the columns say (x = northing in PL-2000/1992)")),
               ("swapped", gettext_lazy("swapped"))]


class MappingForm(forms.Form):
    x = forms.ChoiceField(label=gettext_lazy("Column with x (or longitude)"), required=False)
    y = forms.ChoiceField(label=gettext_lazy("Column with y (or latitude)"), required=False)
    crs = forms.ChoiceField(label=gettext_lazy("Coordinate system"), choices=CRS_LABELS)
    axes = forms.ChoiceField(label=gettext_lazy("Order of x and y"), choices=AXES_LABELS)
    radius_m = forms.FloatField(label=gettext_lazy("Duplicates: within (metres)"),
                                min_value=0, max_value=1000)
    keys = forms.MultipleChoiceField(
        label=gettext_lazy("Duplicates: with the same values of"), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        attributes = register_attributes(job.register)
        column_choices = [("", "—")] + [(c, c) for c in job.columns]
        self.fields["x"].choices = column_choices
        self.fields["y"].choices = column_choices
        self.fields["keys"].choices = [(a.key, a.label) for a in attributes]
        field_choices = [("", _("— leave out —"))] + [(a.key, a.label) for a in attributes]
        self.column_fields = []
        for index, column in enumerate(job.columns):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=column, choices=field_choices, required=False)
            self.column_fields.append((column, name))
        mapping = job.mapping or {}
        self.initial.update({"x": mapping.get("x", ""), "y": mapping.get("y", ""),
                             "crs": mapping.get("crs", "auto"),
                             "axes": mapping.get("axes", "auto"),
                             "radius_m": mapping.get("radius_m", 5),
                             "keys": mapping.get("keys", [])})
        for column, name in self.column_fields:
            self.initial[name] = (mapping.get("columns") or {}).get(column, "")

    def mapping(self) -> dict:
        data = self.cleaned_data
        return {"columns": {column: data[name] for column, name in self.column_fields
                            if data.get(name)},
                "x": data["x"], "y": data["y"], "crs": data["crs"], "axes": data["axes"],
                "radius_m": data["radius_m"], "keys": data["keys"]}


@login_required
@never_cache
def imports(request: HttpRequest):
    registers = _editable_registers(request)
    if not registers:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, registers=registers)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_upload(gmina=request.gmina, register_id=int(
                form.cleaned_data["register"]), upload=form.cleaned_data["file"],
                actor=request.user)
        except ValidationError as error:
            for problems in error.message_dict.values():
                form.add_error("file", problems)
        else:
            return redirect("registers:import", job_id=job.pk)
    jobs = imports_recent(gmina=request.gmina, registers=registers)
    return render(request, "registers/imports.html", {"form": form, "jobs": jobs})


@login_required
@never_cache
def import_detail(request: HttpRequest, job_id: int):
    job = import_for(gmina=request.gmina, job_id=job_id)
    if job is None or not may_edit_register_objects(request.user, job.register):
        raise Http404
    form = MappingForm(request.POST if request.POST.get("action") == "check" else None,
                       job=job)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check" and form.is_valid():
                import_map(gmina=request.gmina, job_id=job.pk, mapping=form.mapping())
                return redirect("registers:import", job_id=job.pk)
            if request.POST.get("action") == "confirm":
                keep = [int(v) for v in request.POST.getlist("keep") if v.isdigit()]
                import_confirm(gmina=request.gmina, job_id=job.pk, import_duplicates=keep,
                               actor=request.user)
                return redirect("registers:import", job_id=job.pk)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    running = job.state in (ImportJob.State.CHECKING, ImportJob.State.WRITING)
    done, total = import_progress(job)
    if request.headers.get("HX-Request") and request.method == "GET":
        if not running:  # the report or the result: the whole page again
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "registers/_import_progress.html",
                      {"job": job, "done": done, "total": total})
    return render(request, "registers/import.html", {
        "job": job, "form": form, "report": job.report or {}, "refresh": running,
        "done": done, "total": total,
    })


@require_GET
def export(request: HttpRequest, slug: str, fmt: str):
    """The register (filtered by ?bbox=, ?status= and field values) as a file."""
    register = _register(request, slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    try:
        objects = objects_filtered(
            gmina=request.gmina, register=register, user=request.user,
            bbox=parse_bbox(request.GET.get("bbox")), status=request.GET.getlist("status"),
            attributes=attribute_filters(request, register))
    except ValidationError as error:
        return JsonResponse({"detail": error.messages[0]}, status=400)
    content = register_export(gmina=request.gmina, register=register, user=request.user,
                              objects=objects, fmt=fmt, request=request)
    content_type, suffix = EXPORT_FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{register.slug}.{suffix}"'
    return response
