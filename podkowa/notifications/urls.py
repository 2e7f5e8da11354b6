from django.urls import path

from podkowa.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_settings, name="settings"),
    path("skrzynka/", views.inbox, name="inbox"),
]
