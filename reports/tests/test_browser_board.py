"""The timeliness board on a 360-px phone, in Chinese, on the demo data: one card per street with each form's
state and how long it is overdue in 天/小时, and nothing wider than the screen."""

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_the_board_fits_a_phone_and_says_overdue_times_in_days(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "louxing")  # 娄星区's command centre: its streets' reports
    page.goto(demo_server + "/reports/board/?day=2020-05-21")
    assert "报送情况" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    street = page.locator("table.board tr", has_text="长青街道")
    assert street.is_visible()
    cell = street.locator("td.board-cell:not(.none)").first
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box  # a card, not a column off the screen
    text = street.inner_text()
    assert "天" in text and "小时" in text and "57352" not in text
    assert page.locator("table.board tr").first.is_hidden()  # the header row: each cell names its form itself
    screenshot(page, "reports-board-louxing-phone-360-zh")
