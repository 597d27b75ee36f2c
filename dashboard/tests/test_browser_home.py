"""The home page in a real browser: Chinese by default, the language switch, the 360-px phone layout, sign-in."""

import re

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
OVERFLOW_TOLERANCE_PX = 2


def _lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _language_switch(page, label: str) -> None:
    with page.expect_navigation():
        page.locator("header form button[name=language]", has_text=label).click()


def _language_reset(new_page, base_url: str, username: str) -> None:
    """Put the account back on Chinese, so a failure here cannot leak English into other tests."""
    page = new_page()
    login(page, base_url, username)
    if _lang(page) != "zh-hans":
        _language_switch(page, "中文")


def _overflow_px(page) -> int:
    """How far the document is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_street_officer_home_is_in_chinese(new_page, demo_server):
    page = new_page(width=1280, height=800)
    login(page, demo_server, "heying")

    assert page.url == demo_server + "/"
    assert _lang(page) == "zh-hans"
    assert "长青街道" in page.locator("main").inner_text()
    assert "贺英" in page.locator("header .who").inner_text()
    assert "贺英" in page.locator("main h1").inner_text()
    screenshot(page, "home-heying-1280x800-zh")


def test_language_choice_is_kept_on_the_account(new_page, demo_server):
    page = new_page()
    login(page, demo_server, "heying")
    try:
        assert _lang(page) == "zh-hans"
        _language_switch(page, "English")
        assert _lang(page) == "en"
        assert page.url == demo_server + "/", "the switch returns to the page it was made on"
        screenshot(page, "home-heying-1280x800-en")

        with page.expect_navigation():
            page.locator("nav.main a[href='/units/']").click()
        assert _lang(page) == "en"

        with page.expect_navigation():
            page.locator("header form[action$='/logout/'] button").click()
        assert "/accounts/login/" in page.url
        # Without the language cookie only the account itself can carry the choice.
        page.context.clear_cookies()
        login(page, demo_server, "heying")
        assert _lang(page) == "en"
        screenshot(page, "home-heying-1280x800-en-after-relogin")

        _language_switch(page, "中文")
        assert _lang(page) == "zh-hans"
    finally:
        _language_reset(new_page, demo_server, "heying")


def _menu_open(page) -> None:
    """On a phone the menu shows what the role uses most; the rest is folded under 更多."""
    more = page.locator("nav.main details.more")
    if more.is_visible() and more.get_attribute("open") is None:
        more.locator("summary").click()


def test_phone_navigation_reachable_and_pages_fit_360px(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "heying")
    links = page.locator("nav.main a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"/", "/units/", "/accounts/users/", "/audit/"} <= set(hrefs), hrefs
    shown = [a.get_attribute("href") for a in links.all() if a.is_visible()]
    assert 3 <= len(shown) <= 5 and "/reports/" in shown, shown  # folded to what the officer uses most
    assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX

    _menu_open(page)
    for href in hrefs:
        link = page.locator(f"nav.main a[href='{href}']")
        link.scroll_into_view_if_needed()
        assert link.is_visible(), href
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (href, box)

    for href in hrefs:
        _menu_open(page)
        link = page.locator(f"nav.main a[href='{href}']")
        link.scroll_into_view_if_needed()
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200, href
        assert page.url == demo_server + href
        assert page.locator("nav.main a.active").get_attribute("href") == href
        name = href.strip("/").replace("/", "-") or "home"
        screenshot(page, f"phone-360-heying-{name}")
        assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX, f"{href} is wider than the 360-px screen"


def test_wrong_password_shows_error_and_stays_signed_out(new_page, demo_server):
    page = new_page()
    login(page, demo_server, "heying", "Not-the-password-2020", check=False)

    assert re.search(r"/accounts/login/", page.url)
    error = page.locator("main .errorlist")
    assert error.is_visible()
    assert error.inner_text().strip()
    assert page.locator("nav.main").count() == 0
    assert page.locator("header form[action$='/logout/']").count() == 0
    screenshot(page, "login-wrong-password-zh")

    page.goto(demo_server + "/")
    assert "/accounts/login/" in page.url, "the home page still asks for a sign-in"
