"""The site shell in a real browser: every page passes axe-core, works by keyboard and offline."""

import re

from playwright.sync_api import expect

PHONE = {"width": 375, "height": 812}


def test_home_lists_the_services_and_passes_axe(site, page, axe):
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".card")).to_have_count(7)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    axe(page)
    # Desktop: the menu is always shown, its button never is.
    expect(page.locator(".nav-toggle")).to_be_hidden()
    expect(page.get_by_role("navigation").first).to_be_visible()


def test_footer_leads_to_the_accessibility_statement(site, page, axe):
    page.goto(site + "/")
    footer = page.locator("footer")
    footer.get_by_role("link", name=re.compile("^Deklaracja|^Accessibility")).click()
    expect(page).to_have_url(site + "/deklaracja-dostepnosci/")
    expect(page.locator("#a11y-podmiot")).to_have_text("Urząd Miasta Podkowa Leśna")
    expect(page.locator("#a11y-email")).to_have_text("urzad@podkowalesna.pl")
    axe(page)


def test_privacy_notice_passes_axe(site, page, axe):
    page.goto(site + "/rodo/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Urząd Miasta Podkowa Leśna")
    axe(page)


def test_error_page_passes_axe(site, page, axe):
    response = page.goto(site + "/no-such-page/")
    assert response.status == 404
    expect(page.locator('.status-page a[href="/"]')).to_be_visible()
    axe(page)


def test_language_switch_turns_the_site_english(site, page, axe):
    page.goto(site + "/rodo/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(site + "/rodo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data protection")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    axe(page)


def test_skip_link_moves_focus_to_the_main_content(site, page):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_phone_menu_opens_and_closes_by_keyboard(site, page, axe):
    page.set_viewport_size(PHONE)
    page.goto(site + "/")
    toggle = page.locator(".nav-toggle")
    menu = page.locator("#site-menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    axe(page, "home, phone, menu closed")

    # Skip link, brand, then the menu button: reached and used with the keyboard only.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link").first).to_be_focused()
    axe(page, "home, phone, menu open")

    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("Space")
    expect(menu).to_be_hidden()


def test_narrowest_phone_has_no_sideways_scrolling(site, page):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ["/", "/deklaracja-dostepnosci/", "/rodo/"]:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_menu_without_the_script_is_a_plain_visible_list(site, page, axe):
    # The script failing to load (or being blocked) must leave a usable menu, not a dead button.
    page.route(re.compile(r".*/web/js/site\.[^/]*js$"), lambda route: route.abort())
    page.set_viewport_size(PHONE)
    page.goto(site + "/")
    expect(page.locator("html")).to_have_class(re.compile("no-js"))
    expect(page.locator(".nav-toggle")).to_be_hidden()
    expect(page.locator("#site-menu")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link").first).to_be_visible()
    axe(page, "home without the site script")


def test_offline_page_is_served_by_the_service_worker(site, page, axe):
    page.goto(site + "/")
    # Wait until the service worker has installed (precached the offline page) and controls
    # the page.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    try:
        page.goto(site + "/rodo/")
        # The address stays, the content is the stored offline page.
        expect(page).to_have_url(site + "/rodo/")
        expect(page.locator(".status-page .status-page__icon")).to_be_visible()
        expect(page.locator('.status-page a[href="/"]')).to_be_visible()
        expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
        # The stylesheet came from the cache: the page is styled, not bare HTML.
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert background == "rgb(20, 61, 41)"
        axe(page, "offline page served by the service worker")
    finally:
        page.context.set_offline(False)


def test_offline_page_itself_passes_axe(site, page, axe):
    page.goto(site + "/offline/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
