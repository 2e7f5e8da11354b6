import pytest
from django.utils import translation
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from podkowa.accounts.models import ApiToken
from podkowa.api import api
from podkowa.core.api_errors import install_error_handlers
from podkowa.core.channels import MOBILE_FORBIDDEN, channel_allows, web_only
from tests.api.conftest import bearer


@pytest.mark.parametrize("capability", ["letters.send", "taxes.view", "taxes.pay",
                                        "tokens.manage"])
def test_mobile_channel_may_not_use_web_only_capabilities(capability):
    assert capability in MOBILE_FORBIDDEN
    assert channel_allows("web", capability) is True
    assert channel_allows("mobile", capability) is False


def test_other_capabilities_are_open_to_every_channel():
    assert channel_allows("mobile", "cases.read") is True


def test_a_mobile_token_cannot_manage_tokens(client, gmina, person, phone_token):
    listing = client.get("/api/v1/me/tokens", headers=bearer(phone_token))
    minting = client.post(
        "/api/v1/me/tokens", {"name": "Another"}, content_type="application/json",
        headers=bearer(phone_token),
    )
    token = ApiToken.objects.get(user=person)
    revoking = client.delete(f"/api/v1/me/tokens/{token.pk}", headers=bearer(phone_token))

    for response in (listing, minting, revoking):
        assert response.status_code == 403
        assert response.json()["code"] == "web_only"
        assert "only on the website" in response.json()["detail"]
    assert ApiToken.objects.filter(user=person).count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_reason_is_translated(client, gmina, person, phone_token):
    with translation.override("pl"):
        from podkowa.core.channels import web_only_reason

        polish = web_only_reason("tokens.manage")
    response = client.get(
        "/api/v1/me/tokens", headers={**bearer(phone_token), "Accept-Language": "pl"}
    )

    # Whatever the catalogue says, the API answers in the request's language.
    assert response.json()["detail"] == polish


def test_web_only_operations_are_marked_in_openapi():
    schema = api.get_openapi_schema()
    me = schema["paths"]["/api/v1/me"]["get"]
    tokens = schema["paths"]["/api/v1/me/tokens"]

    assert "x-podkowa-web-only" not in me
    for operation in (tokens["get"], tokens["post"]):
        assert operation["x-podkowa-web-only"] is True
        assert operation["x-podkowa-capability"] == "tokens.manage"
        assert 403 in operation["responses"] or "403" in operation["responses"]


def test_the_decorator_guards_any_new_endpoint():
    router = Router()

    @router.get("/taxes", auth=None)
    @web_only("taxes.view")
    def taxes(request):
        return {"due": 0}

    test_api = NinjaAPI(urls_namespace="test-channel-rule")
    install_error_handlers(test_api)
    test_api.add_router("/", router)
    test_client = TestClient(test_api)

    assert test_client.get("/taxes", channel="web").status_code == 200
    with translation.override("en"):
        refused = test_client.get("/taxes", channel="mobile")
    assert refused.status_code == 403
    assert refused.json()["code"] == "web_only"
    assert "Taxes" in refused.json()["detail"]


def test_the_decorator_refuses_unknown_capabilities_and_wrong_order():
    with pytest.raises(ValueError, match="Unknown web-only capability"):
        web_only("taxes.veiw")

    router = Router()
    with pytest.raises(TypeError, match="below"):

        @web_only("taxes.view")
        @router.get("/x")
        def x(request):
            return {}


def test_errors_from_services_keep_the_json_shape():
    from django.core.exceptions import PermissionDenied

    router = Router()

    @router.get("/secret", auth=None)
    def secret(request):
        raise PermissionDenied

    test_api = NinjaAPI(urls_namespace="test-error-shape")
    install_error_handlers(test_api)
    test_api.add_router("/", router)

    with translation.override("en"):
        response = TestClient(test_api).get("/secret")

    assert response.status_code == 403
    assert response.json() == {"detail": "You may not do this.", "code": "forbidden"}
