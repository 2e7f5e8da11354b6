from django.http import HttpRequest, HttpResponse


class OfficialTwoFactorMiddleware:
    """Officials must pass TOTP before anything else (filled in with the 2FA flow)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
