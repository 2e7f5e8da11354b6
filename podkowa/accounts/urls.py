from django.urls import path

from podkowa.accounts import views
from podkowa.accounts.logingovpl import views as logingov

app_name = "accounts"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("rejestracja/", views.signup, name="signup"),
    path("rejestracja/wyslano/", views.signup_done, name="signup_done"),
    path("potwierdz/<str:token>/", views.email_confirm_view, name="email_confirm"),
    path("potwierdz-ponownie/", views.email_confirmation_resend_view, name="email_resend"),
    path("logowanie/", views.login_view, name="login"),
    path("wyloguj/", views.logout_view, name="logout"),
    path("login-gov/", logingov.start, name="logingov_start"),
    path("login-gov/acs/", logingov.acs, name="logingov_acs"),
    path("login-gov/email/", logingov.email_step, name="logingov_email"),
    path("login-gov/polacz/", logingov.link_step, name="logingov_link"),
    path("login-gov/wylogowano/", logingov.logout_return, name="logingov_logout_return"),
    path("haslo/", views.password_reset, name="password_reset"),
    path("haslo/wyslano/", views.password_reset_done, name="password_reset_done"),
    path("haslo/nowe/<uidb64>/<token>/", views.password_reset_confirm,
         name="password_reset_confirm"),
    path("haslo/zmienione/", views.password_reset_complete, name="password_reset_complete"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("dane/", views.profile_edit, name="profile"),
    path("zgody/", views.consents, name="consents"),
    path("zamieszkanie/", views.residency, name="residency"),
    path("pelnomocnictwa/", views.representations, name="representations"),
    path("moje-dane.json", views.data_download, name="data_download"),
    path("usuniecie/", views.erasure_request, name="erasure"),
    path("tokeny/", views.api_tokens, name="api_tokens"),
    path("tokeny/uniewaznij/", views.api_token_revoke_view, name="api_token_revoke"),
]
