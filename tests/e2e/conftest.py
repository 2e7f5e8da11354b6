"""Browser-test harness: Debian's chromium driven by Playwright, axe-core injected into pages.

Every test under tests/e2e is marked ``e2e`` automatically. The ``page`` fixture fails a test
whose page (or service worker) requested anything from a host other than the live server:
a resident's browser never talks to a third party.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django_scopes import scopes_disabled

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
E2E_DIR = Path(__file__).resolve().parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Schemes that never leave the browser; anything else must go to the live server.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-extension", "chrome"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be on the items before `-m e2e` / `-m "not e2e"` deselects.
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).")
    # Playwright's sync API keeps an asyncio loop in this thread, so Django's async_unsafe
    # guard would refuse the database work that fixtures and tests do after the launch. The
    # tests are synchronous code; the guard protects against nothing here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()
    playwright.stop()


@pytest.fixture
def site(live_server, transactional_db) -> str:
    """The demo town (TERYT 1405021) served by the live server; returns its base URL."""
    from django.core.cache import cache

    from tests.factories import GminaFactory

    # The cache is a database table the per-test flush does not empty: without this, the
    # per-address login limit counts every browser test's sign-in (all from 127.0.0.1) and
    # locks out the thirty-first. Each test is a new visitor.
    cache.clear()

    with scopes_disabled():
        GminaFactory(
            name="Podkowa Leśna",
            official_name="Urząd Miasta Podkowa Leśna",
            slug="podkowa-lesna",
            teryt="1405021",
            address="ul. Akacjowa 39/41",
            postal_code="05-807",
            city="Podkowa Leśna",
            email="urzad@podkowalesna.pl",
            phone="+48 22 759 21 00",
        )
    return live_server.url


def _foreign(url: str, allowed_netloc: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return parts.netloc != allowed_netloc


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh context (locale pl-PL) per test; fails the test on any third-party request."""
    allowed = urlsplit(live_server.url).netloc
    context = browser.new_context(locale="pl-PL", base_url=live_server.url)
    requested: list[str] = []
    # On the context, not the page: this also sees the service worker's fetches.
    context.on("request", lambda request: requested.append(request.url))
    new_page = context.new_page()
    # The CSP blocks a third-party fetch before it becomes a request, and an inline script or
    # style silently does nothing: both show up only as console errors, so collect those too.
    csp_violations: list[str] = []
    new_page.on(
        "console",
        lambda message: csp_violations.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    new_page.requested_urls = requested
    yield new_page
    context.close()
    foreign = sorted({url for url in requested if _foreign(url, allowed)})
    if foreign:
        pytest.fail(
            "The page made requests to third parties (only the site itself is allowed):\n  "
            + "\n  ".join(foreign),
            pytrace=False,
        )
    if csp_violations:
        pytest.fail(
            "The page broke its Content-Security-Policy (no inline script/style, no third "
            "party):\n  " + "\n  ".join(csp_violations),
            pytrace=False,
        )


def _axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(
            f"{AXE_PATH.relative_to(REPO_ROOT)} is missing: run `npm ci` in the repository root "
            "to install axe-core for the accessibility checks.",
            pytrace=False,
        )
    return AXE_PATH.read_text(encoding="utf-8")


def axe_check(page, context: str | None = None) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page and fail listing every violation.

    The script is evaluated through the DevTools protocol rather than added as a <script>
    element, which the site's CSP (script-src 'self') would rightly block. The context must
    have JavaScript enabled (evaluate() waits forever otherwise): to test a page without the
    site's scripts, block them with page.route() instead.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """async (tags) => {
            // preload off: axe would re-inject the stylesheets it fetched as <style> elements,
            // which the site's CSP rightly blocks; only experimental rules need the CSSOM.
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                preload: false,
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(' ')),
            }));
        }""",
        WCAG_TAGS,
    )
    if violations:
        where = context or page.url
        lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {where}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    at {target}" for target in v["targets"])
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def axe() -> Callable[..., None]:
    """``axe(page)`` checks the page against WCAG 2.1 A/AA with axe-core."""
    return axe_check
