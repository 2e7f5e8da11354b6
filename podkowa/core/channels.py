"""The channel rule, in one place: what the mobile channel may not do.

The website may do everything. The mobile channel (the installed app and the API tokens
issued to it) may not send ePUAP/e-Doręczenia letters nor view or pay taxes, and a token may
not mint further tokens. The API enforces this with `@web_only(...)`; pages and menus ask
`channel_allows(...)`.

    @router.get("/taxes", response=list[TaxOut])
    @web_only("taxes.view")
    def taxes(request): ...

`@web_only` goes below the route decorator (it must wrap the function ninja registers).
"""

import functools
from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.utils import contribute_operation_callback

from podkowa.accounts.models import Channel
from podkowa.core.api_errors import ApiError, ErrorOut

LETTERS_SEND = "letters.send"
TAXES_VIEW = "taxes.view"
TAXES_PAY = "taxes.pay"
TOKENS_MANAGE = "tokens.manage"

# Capability → why the mobile channel may not use it (shown to the person).
WEB_ONLY_CAPABILITIES: dict[str, object] = {
    LETTERS_SEND: _("Letters through ePUAP or e-Doręczenia can be sent only on the website."),
    TAXES_VIEW: _("Taxes can be viewed only on the website."),
    TAXES_PAY: _("Taxes can be paid only on the website."),
    TOKENS_MANAGE: _("API tokens can be managed only on the website, not with a token."),
}

MOBILE_FORBIDDEN: frozenset[str] = frozenset(WEB_ONLY_CAPABILITIES)

OPENAPI_FLAG = "x-podkowa-web-only"
OPENAPI_CAPABILITY = "x-podkowa-capability"


def channel_allows(channel: str | None, capability: str) -> bool:
    """May a request coming through `channel` use `capability`? Unknown channels: as mobile."""
    if capability not in WEB_ONLY_CAPABILITIES:
        return True
    return channel in (Channel.WEB, Channel.DESK)


def web_only_reason(capability: str) -> str:
    return str(WEB_ONLY_CAPABILITIES[capability])


def web_only(capability: str) -> Callable[[Callable], Callable]:
    """Refuse the handler to the mobile channel (403, code "web_only") and mark it in OpenAPI."""
    if capability not in WEB_ONLY_CAPABILITIES:
        raise ValueError(f"Unknown web-only capability {capability!r}; add it to "
                         "WEB_ONLY_CAPABILITIES first.")

    def decorate(view: Callable) -> Callable:
        if hasattr(view, "_ninja_operation"):
            raise TypeError("Put @web_only below the @router.<method>(...) decorator.")

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            if not channel_allows(getattr(request, "channel", None), capability):
                raise ApiError(403, web_only_reason(capability), "web_only")
            return view(request, *args, **kwargs)

        def mark(operation) -> None:
            extra = dict(operation.openapi_extra or {})
            extra[OPENAPI_FLAG] = True
            extra[OPENAPI_CAPABILITY] = capability
            operation.openapi_extra = extra
            if 403 not in operation.response_models:
                operation.response_models[403] = operation._create_response_model(ErrorOut)

        contribute_operation_callback(guarded, mark)
        guarded.web_only_capability = capability
        return guarded

    return decorate
