from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    language: str


@router.get("/me", response=MeOut, auth=django_auth)
def me(request: HttpRequest):
    return request.auth
