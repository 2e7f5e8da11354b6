"""Open311 GeoReport v2 at /open311/v2/ (JSON): services — one per public register plus a
general one — and service requests (create, list, detail).

A request about an object carries its id (`attribute[object_id]`, FixMyStreet's asset id)
and is filed as a case in the back office. Creating needs a signed-in resident: the website's
session (with the CSRF token) or a personal API token, as `Authorization: Bearer …` or
Open311's `api_key`. Lists are public and never show who reported nor what they wrote.
"""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.utils import check_csrf

from podkowa.accounts.models import Channel
from podkowa.core.api_auth import bearer_auth
from podkowa.registers.models import FaultReport, Register
from podkowa.registers.services.faults import fault_report_file

GENERAL = "general"
MAX_REQUESTS = 200


def _errors(status: int, items: list[tuple[int, str]]) -> JsonResponse:
    return JsonResponse([{"code": code, "description": str(text)} for code, text in items],
                        status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False,
                        json_dumps_params={"ensure_ascii": False})


def open311_view(methods: tuple[str, ...]):
    def wrap(view):
        @csrf_exempt  # the session is CSRF-checked in _reporter; tokens carry no cookie
        def handler(request, *args, fmt: str | None = None, **kwargs):
            if (fmt or "json") != "json":
                return _errors(400, [(400, _("Only the JSON format is offered."))])
            if request.method not in methods:
                return _errors(405, [(405, _("Method not allowed."))])
            try:
                return view(request, *args, **kwargs)
            except ValidationError as error:
                messages = (error.message_dict if hasattr(error, "error_dict")
                            else {"": error.messages})
                return _errors(400, [(400, f"{field}: {m}" if field else m)
                                     for field, ms in messages.items() for m in ms])

        handler.__name__ = view.__name__
        return handler

    return wrap


def _public_registers(request) -> list[Register]:
    return list(Register.objects.filter(gmina=request.gmina, is_public=True)
                .order_by("order", "name"))


def _service(register: Register | None) -> dict:
    if register is None:
        return {"service_code": GENERAL, "service_name": _("Other fault or problem"),
                "description": _("Anything in town that needs the office's attention."),
                "metadata": False, "type": "realtime", "keywords": "", "group": ""}
    return {"service_code": register.slug, "service_name": register.name,
            "description": register.description, "metadata": True, "type": "realtime",
            "keywords": register.slug, "group": _("Registers")}


@open311_view(("GET",))
def services(request: HttpRequest):
    return _json([_service(r) for r in _public_registers(request)] + [_service(None)])


@open311_view(("GET",))
def service_definition(request: HttpRequest, code: str):
    register = Register.objects.filter(gmina=request.gmina, slug=code, is_public=True).first()
    if register is None:
        return _errors(404, [(404, _("No such service."))])
    return _json({"service_code": register.slug, "attributes": [{
        "variable": True, "code": "object_id", "datatype": "number", "required": False,
        "datatype_description": _("The number of the object on the map."), "order": 1,
        "description": _("Which object is faulty (e.g. the lamp's number on the map)."),
        "values": [],
    }]})


def _reporter(request):
    token = request.POST.get("api_key") or ""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:]
    if token:
        user = bearer_auth.authenticate(request, token)
        if user is None:
            return None, _("The API key is not valid.")
        return user, ""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if check_csrf(request):
            return None, _("The security check of the form failed (CSRF). Reload the page "
                           "and try again.")
        request.channel = Channel.WEB
        return user, ""
    return None, _("Sign in or send your API key to report a fault.")


def _float(value, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError({field: _("A number is needed.")}) from None


def _status(report: FaultReport) -> str:
    return "closed" if report.fixed_at or not report.case.is_open else "open"


def _request_out(report: FaultReport, user) -> dict:
    own = getattr(user, "pk", None) == report.reporter_id or (
        getattr(user, "is_authenticated", False)
        and user.has_perm("cases.handle_case", report.case))
    return {
        "service_request_id": str(report.pk),
        "status": _status(report),
        "status_notes": "",
        "service_code": report.register.slug if report.register_id else GENERAL,
        "service_name": report.register.name if report.register_id else str(
            _("Other fault or problem")),
        "description": report.description if own else "",
        "requested_datetime": report.created_at.isoformat(timespec="seconds"),
        "updated_datetime": (report.fixed_at or report.case.updated_at).isoformat(
            timespec="seconds"),
        "address": report.address,
        "lat": round(report.location.y, 7),
        "long": round(report.location.x, 7),
        "media_url": "",
        "attributes": {"object_id": report.object_id} if report.object_id else {},
    }


def _viewer(request):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return bearer_auth.authenticate(request, header[7:]) or AnonymousUser()
    return getattr(request, "user", None) or AnonymousUser()


@open311_view(("GET", "POST"))
def requests(request: HttpRequest):
    if request.method == "POST":
        return _create(request)
    reports = (FaultReport.objects.filter(gmina=request.gmina)
               .select_related("register", "case").order_by("-created_at", "-id"))
    codes = [c for c in request.GET.get("service_code", "").split(",") if c]
    if codes:
        reports = reports.filter(register__slug__in=[c for c in codes if c != GENERAL]) | (
            reports.filter(register__isnull=True) if GENERAL in codes else reports.none())
    for name, lookup in (("start_date", "created_at__gte"), ("end_date", "created_at__lte")):
        if request.GET.get(name):
            moment = parse_datetime(request.GET[name])
            if not isinstance(moment, datetime):
                raise ValidationError({name: _("Use a date and time like "
                                               "2026-05-01T00:00:00Z.")})
            reports = reports.filter(**{lookup: moment})
    ids = [i for i in request.GET.get("service_request_id", "").split(",") if i.isdigit()]
    if ids:
        reports = reports.filter(pk__in=ids)
    wanted = request.GET.get("status", "")
    user = _viewer(request)
    out = [_request_out(r, user) for r in reports[:MAX_REQUESTS * 2]]
    if wanted in ("open", "closed"):
        out = [r for r in out if r["status"] == wanted]
    return _json(out[:MAX_REQUESTS])


def _create(request: HttpRequest):
    reporter, problem = _reporter(request)
    if reporter is None:
        return _errors(403, [(403, problem)])
    data = request.POST
    code = data.get("service_code", "")
    register = None
    if code != GENERAL:
        register = Register.objects.filter(gmina=request.gmina, slug=code,
                                           is_public=True).first()
        if register is None:
            return _errors(400, [(400, _("service_code: no such service."))])
    object_id = data.get("attribute[object_id]") or data.get("object_id")
    if object_id not in (None, ""):
        try:
            object_id = int(object_id)
        except ValueError:
            raise ValidationError({"attribute[object_id]": _("A number is needed.")}
                                  ) from None
    else:
        object_id = None
    lat, lon = _float(data.get("lat"), "lat"), _float(data.get("long"), "long")
    location = Point(lon, lat, srid=4326) if lat is not None and lon is not None else None
    report = fault_report_file(
        gmina=request.gmina, reporter=reporter, description=data.get("description", ""),
        register=register, object_id=object_id, location=location,
        address=data.get("address_string", ""),
        channel=getattr(request, "channel", Channel.WEB))
    return _json([{"service_request_id": str(report.pk),
                   "service_notice": _("Filed as case %(number)s.") % {
                       "number": report.case.number},
                   "account_id": None}], status=201)


@open311_view(("GET",))
def request_detail(request: HttpRequest, request_id: int):
    report = (FaultReport.objects.filter(gmina=request.gmina, pk=request_id)
              .select_related("register", "case").first())
    if report is None:
        return _errors(404, [(404, _("No such service request."))])
    return _json([_request_out(report, _viewer(request))])

