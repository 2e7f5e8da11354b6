from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from podkowa.api import api
from podkowa.core import views as core_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("konto/powiadomienia/", include("podkowa.notifications.urls")),
    path("konto/", include("podkowa.accounts.urls")),
    path("sprawy/", include("podkowa.cases.urls")),
    path("platnosci/", include("podkowa.payments.urls")),
    path("cmentarz/", include("podkowa.cemetery.urls")),
    path("ogc/", include("podkowa.registers.urls_ogc")),
    path("rejestry/", include("podkowa.registers.urls")),
    path("open311/v2/", include("podkowa.registers.urls_open311")),
    path("", include("podkowa.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
