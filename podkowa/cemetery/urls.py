from django.urls import path

from podkowa.cemetery import views

app_name = "cemetery"
urlpatterns = [
    path("", views.home, name="home"),
    path("mapa/<slug:slug>/", views.cemetery_page, name="cemetery"),
    path("grob/<int:grave_id>/", views.grave, name="grave"),
    path("grob/<int:grave_id>/etykieta/", views.grave_label, name="label"),
    path("grob/<int:grave_id>/wpis/", views.note_add, name="note_add"),
    path("grob/<int:grave_id>/zdjecie/", views.photo_add, name="photo_add"),
    path("grob/<int:grave_id>/zyczenia/", views.grave_wishes, name="wishes"),
    path("zdjecie/<int:photo_id>/", views.photo, name="photo"),
    path("urzad/moderacja/", views.moderation, name="moderation"),
    path("urzad/import/", views.import_burials, name="import"),
    path("urzad/zdjecie/<int:photo_id>/", views.pending_photo, name="pending_photo"),
    path("urzad/pochowany/<int:burial_id>/", views.burial_edit, name="burial_edit"),
    path("urzad/<slug:slug>/ortofotomapa/", views.orthophoto, name="orthophoto"),
    path("urzad/<slug:slug>/", views.office, name="office"),
    path("urzad/<slug:slug>/alejki/", views.alleys, name="alleys"),
    path("urzad/<slug:slug>/eksport.<str:fmt>", views.export, name="export"),
    path("grob/<int:grave_id>/oplata/", views.lease_prolong_view, name="lease_prolong"),
    path("grob/<int:grave_id>/przedluzenie/", views.lease_prolongation_request_view,
         name="prolongation_request"),
    path("urzad/przedluzenie/<int:prolongation_id>/", views.lease_prolongation_office,
         name="prolongation_office"),
    path("urzad/<slug:slug>/oplaty/", views.lease_fees, name="lease_fees"),
    path("urzad/<slug:slug>/ksiegi/<slug:book>/", views.book, name="book"),
    path("urzad/<slug:slug>/ksiegi/<slug:book>.pdf", views.book_pdf, name="book_pdf"),
]
