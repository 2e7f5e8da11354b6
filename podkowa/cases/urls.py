from django.urls import path

from podkowa.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("nowa/", views.catalogue, name="catalogue"),
    path("nowa/<slug:slug>/", views.file_case, name="file"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/zlozona/", views.filed, name="filed"),
    path("<int:case_id>/potwierdzenie.pdf", views.receipt, name="receipt"),
    path("<int:case_id>/wiadomosc/", views.message_post, name="message"),
    path("<int:case_id>/wycofaj/", views.withdraw, name="withdraw"),
    path("zalacznik/<int:attachment_id>/", views.attachment, name="attachment"),
    path("pisma/", views.letters, name="letters"),
    path("pisma/nowe/", views.letter_write, name="letter_write"),
    path("pisma/<int:letter_id>/", views.letter_detail, name="letter"),
    path("pisma/<int:letter_id>/pismo.xml", views.letter_document, name="letter_document"),
    path("pisma/<int:letter_id>/potwierdzenie.xml", views.letter_receipt,
         name="letter_receipt"),
    path("urzad/", views.office_queue, name="office_queue"),
    path("urzad/<int:case_id>/", views.office_detail, name="office_detail"),
    path("urzad/<int:case_id>/status/", views.office_status, name="office_status"),
    path("urzad/<int:case_id>/przydziel/", views.office_assign, name="office_assign"),
    path("urzad/<int:case_id>/termin/", views.office_extend, name="office_extend"),
]
