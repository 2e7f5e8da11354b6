from django.urls import path

from podkowa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("logowanie/", views.login_view, name="login"),
    path("wyloguj/", views.logout_view, name="logout"),
]
