from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

login_view = auth_views.LoginView.as_view(template_name="accounts/login.html")
logout_view = auth_views.LogoutView.as_view()


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/panel.html")


def locked_out(request: HttpRequest, credentials: dict, *args, **kwargs) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)
