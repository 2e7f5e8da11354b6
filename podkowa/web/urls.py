from django.urls import path

from podkowa.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("deklaracja-dostepnosci/", views.accessibility_statement, name="accessibility"),
    path("rodo/", views.privacy_notice, name="privacy"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
