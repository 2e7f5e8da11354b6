"""The registers' pages: the map (each public register a layer, object cards, search, and
for officials placing and moving points) and the data it loads per viewport."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from podkowa.registers.api import register_out
from podkowa.registers.models import ObjectStatus
from podkowa.registers.selectors.map import map_layer, map_search
from podkowa.registers.selectors.objects import parse_bbox, register_for, registers_visible


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
