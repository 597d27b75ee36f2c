"""The situation dashboard in a real browser, in Chinese: the district's figures and charts drawn, a unit
picked, a figure opened, and the page on a 360-px phone."""

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _real_clock():
    """The demo server runs on the real clock and in Chinese: this module fixes neither."""
    yield


def test_district_dashboard_draws_its_charts_in_chinese(new_page, demo_server):
    page = new_page(width=1280, height=900)
    login(page, demo_server, "louxing")  # 娄星区's command centre
    assert page.url == demo_server + "/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "娄星区" in page.locator("#dash-title").inner_text()
    people = page.locator("#dash-people")
    assert people.locator("tr[data-figure='people.managed'] td").first.inner_text() == "全部人员·正在管理"
    assert people.locator("tr[data-figure='hubei_wuhan.registered'] td").first.inner_text() == "涉鄂涉汉人员·登记在册"
    for key, marks in (("arrivals", "rect.mark"), ("managed", "circle.mark"), ("alerts", "rect.mark")):
        chart = page.locator(f"figure[data-chart='{key}'] svg")
        assert chart.is_visible(), key
        assert chart.locator(marks).count() == 30, key
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 80, (key, box)
    for section in ("dash-cases", "dash-follow-up", "dash-checkpoints", "dash-reports", "dash-supplies"):
        assert page.locator(f"#{section}").is_visible(), section
    assert page.locator("#dash-supplies").inner_text().count("物资") >= 1
    screenshot(page, "dashboard-louxing-1280-zh")

    # Narrow to the street with the picker; the confirmed cases open the cases they count, as many rows.
    page.select_option("#dash-query select[name=unit]", "431302004")
    with page.expect_navigation():
        page.locator("#dash-query button[type=submit]").click()
    assert "长青街道" in page.locator("#dash-title").inner_text()
    figure = page.locator("tr[data-figure='cases.confirmed'] a.figure")
    confirmed = int(figure.inner_text())
    with page.expect_navigation():
        figure.click()
    assert "/reports/figures/cases.confirmed/" in page.url and "unit=431302004" in page.url
    assert page.locator("h1 .figure-label").inner_text() == "流调病例·确诊"
    assert "分类为确诊病例的病例数" in page.locator(".definition").inner_text()
    assert page.locator("table.members tr[data-id]").count() == confirmed


def test_dashboard_fits_a_phone(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "heying")
    assert page.locator("figure[data-chart='arrivals'] svg").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 2
    screenshot(page, "dashboard-heying-phone-360-zh")
