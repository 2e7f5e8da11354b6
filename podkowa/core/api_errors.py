"""One shape for every API error: `{"detail": "...", "code": "..."}` (plus `errors` for bad input).

App builders branch on `code` (stable, English, never translated) and show `detail` (translated
into the request's language) to the person.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


class ErrorOut(Schema):
    detail: str
    code: str


class FieldErrorsOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]]


class ApiError(Exception):
    """Raised by API code (auth classes, channel rule) to answer with a given status and code."""

    def __init__(self, status: int, detail, code: str) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.code = code


def error_response(api: NinjaAPI, request: HttpRequest, status: int, detail, code: str,
                   **extra) -> HttpResponse:
    return api.create_response(request, {"detail": str(detail), "code": code, **extra},
                               status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    def api_error(request, exc: ApiError):
        return error_response(api, request, exc.status, exc.detail, exc.code)

    def not_authenticated(request, exc: AuthenticationError):
        return error_response(
            api, request, 401,
            _("Sign in on the website or send a valid API token (Authorization: Bearer …)."),
            "not_authenticated",
        )

    def http_error(request, exc: HttpError):
        return error_response(api, request, exc.status_code, str(exc), f"http_{exc.status_code}")

    def not_found(request, exc: Exception):
        # Never says whether the thing exists for someone else: a stranger's token id and a
        # made-up id get the same answer.
        return error_response(api, request, 404, _("Not found."), "not_found")

    def forbidden(request, exc: PermissionDenied):
        return error_response(api, request, 403, _("You may not do this."), "forbidden")

    def bad_input(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in msgs] for field, msgs in
                      exc.message_dict.items()}
        else:
            errors = {"__all__": [str(m) for m in exc.messages]}
        first = next(iter(errors.values()))[0]
        return error_response(api, request, 400, first, "invalid", errors=errors)

    def bad_request_shape(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
            errors.setdefault(".".join(loc) or "__all__", []).append(str(error.get("msg", "")))
        return error_response(api, request, 422, _("The request is not valid: {fields}.").format(
            fields=", ".join(errors)), "invalid_request", errors=errors)

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(AuthenticationError, not_authenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(DjangoValidationError, bad_input)
    api.add_exception_handler(NinjaValidationError, bad_request_shape)
