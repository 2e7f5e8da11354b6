import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.style_attributes = 0
        self._script_type: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[name] for name in ("src", "href") if attrs.get(name)]
        if "style" in attrs:
            self.style_attributes += 1
        if tag == "script" and "src" not in attrs:
            self._script_type = attrs.get("type", "text/javascript")
        if tag == "style":
            self.inline_scripts.append("<style>")

    def handle_data(self, data):
        if self._script_type is not None and self._script_type != "application/json":
            self.inline_scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None


def test_docs_page_runs_under_the_sites_csp_with_local_assets_only(client, gmina):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp

    page = _Assets()
    page.feed(response.content.decode())
    # Data blocks (the Swagger settings as JSON) are not scripts; nothing else is inline.
    assert page.inline_scripts == []
    assert page.style_attributes == 0
    assert any(url.endswith("swagger-ui-bundle.js") for url in page.urls)
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} points off-site"
        assert url.startswith("/static/")
        assert finders.find(url.removeprefix("/static/")), f"{url} is not served by the site"


def test_docs_scripts_load_nothing_from_a_cdn():
    init = Path(finders.find("ninja/swagger-ui-init.js")).read_text(encoding="utf-8")
    code = re.sub(r"//.*", "", init)

    assert "http" not in code
    assert "cdn" not in code.lower()


def test_openapi_document_is_3_1_and_public(client, gmina):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/me" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "WebSessionAuth"}
    assert schema["components"]["securitySchemes"]["BearerTokenAuth"]["scheme"] == "bearer"
