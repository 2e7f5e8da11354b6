from django.urls import path

from podkowa.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.home, name="home"),
    path("zaplac/", views.pay, name="pay"),
    path("zlecenie/<str:session_id>/", views.order, name="order"),
    path("historia/", views.history, name="history"),
    path("wodomierze/", views.meters, name="meters"),
    path("wplata/<int:payment_id>/potwierdzenie.pdf", views.receipt, name="receipt"),
    path("naleznosc/<int:charge_id>/zawiadomienie.pdf", views.charge_notice,
         name="charge_notice"),
    path("urzad/<str:kind>/<int:object_id>/zawiadomienie.pdf", views.office_charge_notice,
         name="office_charge_notice"),
    path("powiadomienie/<str:kind>/", views.notify, name="notify"),
    path("piaskownica/<str:session_id>/", views.sandbox, name="sandbox"),
    path("urzad/upomnienie/<int:reminder_id>.pdf", views.reminder_pdf, name="reminder_pdf"),
]
