"""何芳 checks in and out of today's shift on a 360-px phone (the demo gives her a shift from the last full
hour), and the community worker sees her on the site's duty roster."""

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _overflow_px(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_volunteer_checks_in_and_out_on_a_phone(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "hefang")
    page.goto(demo_server + "/volunteers/")
    shift = page.locator(".vol-shift").filter(has_text="三元社区东门卡点").first
    assert _overflow_px(page) <= 1, "the page scrolls sideways on a phone"
    button = shift.locator("button.check-in")
    assert button.bounding_box()["width"] >= 300, "the check-in button fills the phone's width"
    with page.expect_navigation():
        button.click()
    shift = page.locator(".vol-shift").filter(has_text="三元社区东门卡点").first
    assert shift.locator("p.state").count() == 1 and shift.locator("button.check-out").count() == 1
    screenshot(page, "volunteers-checked-in-360")
    with page.expect_navigation():
        shift.locator("button.check-out").click()
    assert "–" in page.locator(".vol-shift p.state").first.inner_text()
    assert _overflow_px(page) <= 1

    community = new_page(width=1280, height=800)
    login(community, demo_server, "sanyuan")
    community.goto(demo_server + "/volunteers/")
    with community.expect_navigation():
        community.locator("a", has_text="小区进出登记").first.click()
    with community.expect_navigation():
        community.locator(".crumbs a", has_text="三元社区东门卡点").click()
    roster = community.locator("table.roster").inner_text()
    assert "何芳" in roster and "娄底市审计局" in roster
