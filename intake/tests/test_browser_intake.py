"""A resident declares on a phone through a poster the grid worker made, the grid worker confirms it in one tap;
a person at home reports a fever through their personal link and the grid gets the follow-up (360 px)."""

import re
import time

import pytest

from fangkong.browser import login, screenshot
from persons.tests.conftest import resident_id

pytestmark = pytest.mark.browser
FILL_SECONDS = 3.2  # INTAKE_MIN_FILL_SECONDS (3 by default) and a little more, as a person takes


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 2


def test_a_declaration_from_the_public_page_is_confirmed_by_the_grid_worker(new_page, demo_server):
    worker = new_page(width=360, height=740)
    login(worker, demo_server, "grid1")
    worker.goto(f"{demo_server}/intake/posters/")
    with worker.expect_navigation():
        worker.click("form.stack button[type=submit]")
    url = worker.locator("#poster-url").inner_text().strip()
    assert "/i/d/" in url and worker.locator("img[src$='poster.png']").count() == 1
    screenshot(worker, "intake-poster-360")

    resident = new_page(width=360, height=740)  # no sign-in: what a phone opens from the QR code
    resident.goto(url)
    opened = time.monotonic()
    number = resident_id("431302", seq=931)
    resident.check("input[name=reporter][value=neighbour]")
    resident.fill("#id_name", "申报测试")
    resident.fill("#id_doc_number", number)
    resident.fill("#id_phone", "13973801234")
    resident.fill("#id_address", "三元社区丰源小区8栋101")
    resident.fill("#id_origin", "湖北省武汉市")
    resident.fill("#id_arrived_on", time.strftime("%Y-%m-%d"))
    resident.check("input[name=symptoms][value=cough]")
    a, b = map(int, re.findall(r"\d+", resident.locator(".field:has(#id_answer) .helptext").inner_text())[:2])
    resident.fill("#id_answer", str(a + b))
    assert _no_sideways_scroll(resident)
    screenshot(resident, "intake-declare-360")
    time.sleep(max(0.0, FILL_SECONDS - (time.monotonic() - opened)))
    with resident.expect_navigation():
        resident.click("#declare button[type=submit]")
    receipt = resident.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", receipt)

    worker.goto(f"{demo_server}/persons/today/")
    with worker.expect_navigation():
        worker.click("#intake-queue-link a")
    with worker.expect_navigation():
        worker.locator(".declaration a", has_text="申报测试").click()
    assert worker.locator("#id_category").input_value() == "wuhan"  # from 武汉, as declared
    assert "咳嗽" in worker.content()
    screenshot(worker, "intake-declaration-360")
    with worker.expect_navigation():
        worker.click("#confirm button[type=submit]")  # the one tap
    assert "已登记入台账" in worker.locator("ul.messages").inner_text()
    assert _no_sideways_scroll(worker)

    resident.goto(f"{demo_server}/i/receipt/?no={receipt}")
    state = resident.locator("#state").inner_text()
    assert "已核实登记" in state and "申报测试" not in state and number[-4:] not in state

    worker.goto(f"{demo_server}/persons/?name=申报测试")
    with worker.expect_navigation():
        worker.locator("main a:visible", has_text="申报测试").first.click()
    assert "涉汉人员" in worker.content() and "居家隔离" in worker.content()


def test_a_self_report_above_the_threshold_raises_the_follow_up(new_page, demo_server):
    worker = new_page(width=360, height=740)
    login(worker, demo_server, "grid1")
    worker.goto(f"{demo_server}/persons/?name=周小安")
    with worker.expect_navigation():
        worker.locator("main a:visible", has_text="周小安").first.click()
    with worker.expect_navigation():
        worker.click("#self-report-link")
    with worker.expect_navigation():
        worker.click("#make-link")
    url = worker.locator("#self-report-url").inner_text().strip()
    assert "/i/c/" in url
    screenshot(worker, "intake-self-report-link-360")

    person = new_page(width=360, height=740)
    person.goto(url)
    person.fill("#id_temperature", "38.4")
    assert _no_sideways_scroll(person)
    with person.expect_navigation():
        person.click("#self-report button[type=submit]")
    assert "您发热了" in person.locator("#done").inner_text()
    screenshot(person, "intake-self-report-fever-360")

    worker.goto(f"{demo_server}/persons/today/")
    assert "周小安" in worker.content() and "38.4" in worker.content()
    worker.goto(f"{demo_server}/tracing/tasks/")
    assert worker.locator("body", has_text="周小安").count() == 1 and "38.4" in worker.content()
