

def test_pages_are_polish_by_default_whatever_the_browser_prefers(client, gmina):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="pl"' in response.content.decode()


def test_the_switch_wins_over_the_default(client, gmina, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pl")
    assert '<html lang="en"' in response.content.decode()


def test_the_api_follows_the_apps_accept_language(client, gmina):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="pl")
    assert response["Content-Language"] == "pl"
