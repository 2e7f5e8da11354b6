"""The NinjaAPI under /api/v1/ that mounts each app's router.

Every endpoint requires a signed-in caller unless it says `auth=None`: the website's session
(CSRF-checked) or the mobile app's personal token. Web-only capabilities are refused to the
mobile channel by `podkowa.core.channels.web_only`, and marked `x-podkowa-web-only` here.
"""

from ninja import NinjaAPI, Swagger

from podkowa.accounts.api import router as accounts_router
from podkowa.cases.api import router as cases_router
from podkowa.cemetery.api import router as cemetery_router
from podkowa.core.api_auth import API_AUTH
from podkowa.core.api_errors import install_error_handlers
from podkowa.notifications.api import router as notifications_router
from podkowa.payments.api import router as payments_router
from podkowa.registers.api import router as registers_router

api = NinjaAPI(
    title="Podkowa API",
    version="1",
    description=(
        "E-services of the town: the API the mobile app is built on.\n\n"
        "Authenticate with the website's session (unsafe methods need the CSRF token) or with "
        "a personal token: `Authorization: Bearer pdk_…`, created on the website. A token "
        "works only in the town that issued it. Operations marked `x-podkowa-web-only` answer "
        "403 with code `web_only` to the mobile channel. Errors are JSON: "
        "`{\"detail\": \"…\", \"code\": \"…\"}`."
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
    # The bundled Swagger UI (ninja's static files, no CDN). ninja's template keeps its
    # settings in a JSON data block and its code in static files, so it runs under the site's
    # `script-src 'self'; style-src 'self'` without an exception. No validator badge: it would
    # call swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", cases_router)
api.add_router("/cemetery", cemetery_router)
api.add_router("/notifications", notifications_router)
api.add_router("/", payments_router)
api.add_router("/", registers_router)
