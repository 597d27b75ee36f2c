"""A grid worker's phone (360 × 740): an arrival registered on one screen with its taps counted and timed, then
counted in the day's 涉鄂涉汉 report; the menu folded to what the role uses; no page wider than the screen; the
list as cards; the person page with today's actions first."""

import datetime as dt
import json
import time

import pytest

from fangkong.browser import ARTIFACTS_DIR, login, screenshot
from persons.tests.conftest import resident_id

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SANYUAN = "431302004001"  # 三元社区, grid1's community in the demo street 长青街道
MAX_TAPS = 12
OVERFLOW_TOLERANCE_PX = 2


class Worker:
    """grid1 on a phone: every tap (a click, a choice in a select, a tick) counted, typing timed apart."""

    def __init__(self, page):
        self.page, self.taps, self.typed, self.started = page, 0, 0, time.monotonic()

    def tap(self, locator, *, navigates: bool = False) -> None:
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()
        self.taps += 1

    def choose(self, locator, value: str) -> None:
        locator.select_option(value)
        self.taps += 1

    def type(self, locator, text: str) -> None:
        locator.fill(text)
        self.typed += len(text)

    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 2)


def _overflow_px(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_grid_worker_registers_an_arrival_on_one_screen_in_few_taps_and_the_report_counts_it(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "grid1")
    page.goto(f"{demo_server}/persons/today/")
    number = resident_id("420106", birth=dt.date(1991, 4, 8), seq=364)

    worker = Worker(page)
    worker.tap(page.locator("main a#arrival-link"), navigates=True)
    assert page.url.endswith("/persons/arrival/") and _overflow_px(page) <= OVERFLOW_TOLERANCE_PX
    form = page.locator("form.arrival")
    assert form.locator("select[name=grid] option:checked").get_attribute("value").startswith(SANYUAN)
    worker.type(form.locator("input[name=name]"), "武来人")
    worker.type(form.locator("input[name=doc_number]"), number)
    worker.type(form.locator("input[name=phone]"), "13900002020")
    worker.type(form.locator("input[name=address]"), "三元社区8栋1单元")
    worker.choose(form.locator("select[name=category]"), "wuhan")
    worker.choose(form.locator("select[name=origin]"), "420100")
    assert not form.locator(".site-field").is_visible()  # 居家隔离 needs no site
    worker.type(form.locator("input[name=temperature]"), "36.7")
    screenshot(page, "arrival-360-filled")
    worker.tap(form.locator("button[type=submit]"), navigates=True)
    seconds = worker.seconds()

    assert "/persons/arrival/" not in page.url, page.locator("main").inner_text()
    now = page.locator("#now").inner_text()
    assert "涉汉人员" in now and "居家隔离" in now and "湖北省武汉市" in now
    assert page.locator("table.checks tr").count() == 2  # the header and the first check
    screenshot(page, "arrival-360-person")
    figures = {"taps": worker.taps, "typed_characters": worker.typed, "seconds": seconds, "max_taps": MAX_TAPS,
               "viewport": PHONE, "user": "grid1"}
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / "arrival.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"arrival on one screen: {json.dumps(figures, ensure_ascii=False)}")
    assert worker.taps < MAX_TAPS and seconds < 30

    # The street officer's report of the day counts the arrival, and its figure opens the person.
    officer = new_page(width=1280, height=800)
    login(officer, demo_server, "heying")
    officer.goto(f"{demo_server}/reports/?day={dt.date.today().isoformat()}")
    row = officer.locator("table.reports-due tr", has_text="涉鄂涉汉人员网格化管理日报")
    with officer.expect_navigation():
        row.locator("button").click()
    cell = officer.locator(f"a[data-figure='hubei_wuhan.new'][data-unit='{SANYUAN}']")
    assert int(cell.inner_text()) >= 1
    with officer.expect_navigation():
        cell.click()
    assert "武来人" in officer.locator("main").inner_text()


def test_an_id_on_file_opens_the_person_and_bad_input_keeps_what_was_typed(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "grid1")
    page.goto(f"{demo_server}/persons/arrival/")
    form = page.locator("form.arrival")
    form.locator("input[name=name]").fill("再来人")
    valid = resident_id("420106", seq=365)
    form.locator("input[name=doc_number]").fill(valid[:-1] + ("1" if valid[-1] == "0" else "0"))  # a wrong check digit
    form.locator("input[name=phone]").fill("1390000")
    form.locator("select[name=status]").select_option("central_quarantine")
    assert form.locator(".site-field").is_visible()  # 集中隔离 asks for its site
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert form.locator("input[name=name]").input_value() == "再来人"
    assert form.locator("input[name=phone]").input_value() == "1390000"
    errors = form.locator(".field.has-error")
    assert errors.count() >= 3  # the number, the phone, the category (and the site)
    assert "请选择人员类别" in form.inner_text()
    assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX
    screenshot(page, "arrival-360-errors")

    number = resident_id("420106", seq=366)
    for attempt in range(2):
        page.goto(f"{demo_server}/persons/arrival/")
        form.locator("input[name=name]").fill("复来人")
        form.locator("input[name=doc_number]").fill(number)
        form.locator("select[name=category]").select_option("hubei" if attempt == 0 else "wuhan")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
    known = page.locator("#known")
    assert known.is_visible() and "复来人" in known.inner_text() and "涉鄂人员" in known.inner_text()
    screenshot(page, "arrival-360-known")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "涉汉人员" in page.locator("#now").inner_text() and "涉鄂人员" in page.locator("#now").inner_text()


def test_grid_workers_phone_menu_list_and_person_page_fit_360px(new_page, demo_server):
    page = new_page(**PHONE)
    login(page, demo_server, "grid1")
    nav = page.locator("nav.main")
    visible = [a.inner_text() for a in nav.locator("a").all() if a.is_visible()]
    assert 3 <= len(visible) <= 5 and "今日工作" in visible[0] + "".join(visible), visible
    folded = nav.locator("a.folded")
    assert folded.count() > 0 and not folded.first.is_visible()
    nav.locator("details.more > summary").click()
    assert folded.first.is_visible()
    assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX
    screenshot(page, "phone-360-grid1-menu-open")

    page.goto(f"{demo_server}/persons/?category=hubei&status=home_quarantine")
    assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX, "the person list is wider than the screen"
    assert not page.locator("details.filter form").is_visible()  # the filter is folded away
    card = page.locator("table.person-list tr").nth(1)
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"] and box["y"] < PHONE["height"], box  # a result above the fold
    for cell in ("td.name", "td.doc", "td.cats", "td.status", "td.grid"):
        assert card.locator(cell).is_visible(), cell
        cell_box = card.locator(cell).bounding_box()
        assert cell_box["x"] + cell_box["width"] <= PHONE["width"] + 1, cell
    assert card.locator("td.status").inner_text().strip()
    assert "*" in card.locator("td.doc").inner_text()  # masked
    screenshot(page, "phone-360-grid1-person-cards")

    with page.expect_navigation():
        card.locator("td.name a").click()
    assert _overflow_px(page) <= OVERFLOW_TOLERANCE_PX, "the person page is wider than the screen"
    actions = page.locator("#today-actions").bounding_box()
    identity = page.locator("section.identity").bounding_box()
    assert actions["y"] < identity["y"], "today's actions come before the person's data"
    assert page.locator("#today-actions input[name=temperature]").bounding_box()["y"] < PHONE["height"] * 2
    screenshot(page, "phone-360-grid1-person-page")
