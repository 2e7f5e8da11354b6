"""The NinjaAPI under /api/v1/ that mounts each app's router."""

from ninja import NinjaAPI

from podkowa.accounts.api import router as accounts_router

api = NinjaAPI(
    title="Podkowa API",
    version="1",
    description="E-services of the town: the API the mobile app is built on.",
    urls_namespace="api-v1",
)
api.add_router("/", accounts_router)
