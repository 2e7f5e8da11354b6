"""The accounts part of the API: who am I, and my personal tokens for the mobile app."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from podkowa.accounts.selectors.me import account_overview
from podkowa.accounts.selectors.tokens import api_tokens_for
from podkowa.accounts.services.tokens import api_token_create, api_token_revoke
from podkowa.core.api_errors import ErrorOut, FieldErrorsOut
from podkowa.core.channels import TOKENS_MANAGE, web_only

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    language: str = Field(description="Preferred language: pl or en.")
    verification_level: int = Field(
        description="In this gmina: 0 registered, 10 e-mail confirmed, 20 identity verified, "
                    "30 verified resident."
    )
    verification_level_label: str
    is_official: bool = Field(description="An active official of this gmina.")
    channel: str = Field(description="Channel of this request: web or mobile.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    channel: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most once a minute.")


class TokenIn(Schema):
    name: str = Field(max_length=100, description="What the token is for, e.g. the phone.")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The plain token. Shown only in this answer; store it now.")


@router.get("/me", response={200: MeOut, 401: ErrorOut})
def me(request: HttpRequest):
    """The signed-in account as seen in this gmina, and the channel of this request."""
    overview = account_overview(gmina=request.gmina, user=request.auth)
    return {**overview.__dict__, "channel": request.channel}


@router.get("/me/tokens", response={200: list[TokenOut], 401: ErrorOut})
@web_only(TOKENS_MANAGE)
def my_tokens(request: HttpRequest):
    """The caller's live API tokens in this gmina (website only)."""
    return list(api_tokens_for(gmina=request.gmina, user=request.auth))


@router.post(
    "/me/tokens", response={201: TokenCreatedOut, 400: FieldErrorsOut, 401: ErrorOut}
)
@web_only(TOKENS_MANAGE)
def create_my_token(request: HttpRequest, payload: TokenIn):
    """Issue a token for the mobile app (website only). The plain token is in this answer only."""
    token, plain = api_token_create(gmina=request.gmina, user=request.auth, name=payload.name)
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": plain})


@router.delete("/me/tokens/{token_id}", response={204: None, 401: ErrorOut, 404: ErrorOut})
@web_only(TOKENS_MANAGE)
def revoke_my_token(request: HttpRequest, token_id: int):
    """Revoke one of the caller's tokens (website only); the app using it is signed out."""
    api_token_revoke(gmina=request.gmina, user=request.auth, token_id=token_id)
    return Status(204, None)
