"""A grid worker's phone: register a person, record a health check, find them in the list (360 px)."""

import pytest

from fangkong.browser import login, screenshot
from persons.tests.conftest import resident_id

pytestmark = pytest.mark.browser


def test_grid_worker_registers_checks_and_finds_a_person_on_a_phone(new_page, demo_server):
    page = new_page(width=360, height=740)
    login(page, demo_server, "grid1")
    number = resident_id("431302", seq=917)
    page.goto(f"{demo_server}/persons/new/")
    page.fill("#id_name", "何芳")
    page.fill("#id_doc_number", " " + number[:6] + "　" + number[6:].lower() + " ")
    page.fill("#id_phone", "139 0000 1234")
    page.fill("#id_address", "三元社区5栋2单元")
    screenshot(page, "persons-register-360")
    with page.expect_navigation():
        page.click("form.person-form button[type=submit]")
    assert page.locator("h1").inner_text().startswith("何芳")
    assert number in page.content()  # the grid worker may see the full number of their own people
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 2

    page.fill("#id_temperature", "37.6")
    with page.expect_navigation():
        page.locator("form[action$='/checks/'] button[type=submit]").click()
    assert page.locator("table.checks tr.fever").count() == 1
    screenshot(page, "persons-detail-fever-360")

    page.goto(f"{demo_server}/persons/?initials=hf")
    row = page.locator("table.person-list a", has_text="何芳")
    assert row.count() == 1
    listed = page.locator("table.person-list").inner_text()
    assert number not in listed and number[:6] + "********" + number[-4:] in listed
    screenshot(page, "persons-list-360")
