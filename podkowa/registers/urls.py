from django.urls import path

from podkowa.registers import views

app_name = "registers"
urlpatterns = [
    path("", views.home, name="home"),
    path("mapa/<slug:slug>/", views.layer, name="layer"),
    path("mapa/<slug:slug>/szukaj/", views.search, name="search"),
    path("zglos/<slug:slug>/<int:object_id>/", views.report_fault, name="report"),
    path("zgloszenia/", views.fault_reports, name="fault_reports"),
    path("eksport/<slug:slug>.<str:fmt>", views.export, name="export"),
    path("import/", views.imports, name="imports"),
    path("import/<int:job_id>/", views.import_detail, name="import"),
]
