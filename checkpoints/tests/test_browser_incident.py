"""The seed report's incident replayed in a real browser on the demo city: at the steel company's gate, 颜某
reads 39.5 °C at 16:00; the liaison 康双丰 rechecks ten minutes later (still 39.5), calls the ambulance,
stops the 8-person shift team, records the hospital visit, and the negative CT and nucleic-acid tests close
the incident and put the team back to work. The street's duty officer sees the alert come in on her page.

The server runs in its own process, so its clock cannot be moved: the readings and steps carry the times
they were taken at (yesterday afternoon), which the pages accept for work recorded after the fact."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DAY = (dt.datetime.now(ZoneInfo("Asia/Shanghai")) - dt.timedelta(days=1)).date()


def at(hour: int, minute: int) -> str:
    return f"{DAY:%Y-%m-%d}T{hour:02d}:{minute:02d}"


def _overflow_px(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _step(page, kind: str, when: str, fill=None) -> None:
    item = page.locator(f"ol.checklist li[data-kind={kind}]")
    form = item.locator("form")
    form.locator("input[name=at]").fill(when)
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(f"ol.checklist li.done[data-kind={kind}]").count() == 1, kind


def test_the_seed_incident_replayed_at_the_enterprise_gate(new_page, demo_server):
    duty = new_page(width=1280, height=800)
    login(duty, demo_server, "heying")
    duty.goto(demo_server + "/checkpoints/")

    page = new_page(**PHONE)
    login(page, demo_server, "kangshuangfeng")
    page.goto(demo_server + "/checkpoints/")
    gates = page.locator("main").inner_text()
    assert "娄底市涟钢振兴金华建设有限公司" in gates and "三元社区东门卡点" not in gates, "a liaison sees only their enterprise"
    with page.expect_navigation():
        page.locator("a.button", has_text="厂区大门").click()
    assert page.evaluate("document.activeElement.name") == "code", "the scan field has the focus"

    # 16:00, the evening shift at the gate: the temperature first, Enter moves on, the badge is scanned + Enter.
    page.locator("#gate-form details.when summary").click()
    page.fill("#gate-form input[name=at]", at(16, 0))
    page.locator("input.temperature").first.fill("39.5")
    page.locator("input.temperature").first.press("Enter")
    assert page.evaluate("document.activeElement.name") == "code"
    page.keyboard.type("LG0102")
    page.keyboard.press("Enter")
    result = page.locator("#gate-result .result.fever")
    result.wait_for()
    assert "39.5" in result.inner_text() and "颜某" in result.inner_text()
    assert page.evaluate("document.activeElement.name") == "code", "ready for the next scan"
    screenshot(page, "checkpoints-gate-fever-360")
    assert _overflow_px(page) <= 2, "the gate page is wider than the 360-px screen"

    # The street's duty officer sees it within the polling interval.
    duty.locator("#live-alerts .alert-card", has_text="颜某").wait_for(timeout=5000)
    screenshot(duty, "checkpoints-duty-alert-1280")

    # 16:10, the recheck: still 39.5 °C, the emergency plan starts.
    with page.expect_navigation():
        result.locator("a.button").click()
    assert page.locator(".countdown.due").count() == 1, "the recheck is due (its time has passed)"
    form = page.locator("form.recheck-form")
    form.locator("input.temperature").fill("39.5")
    form.locator("summary").click()
    form.locator("input[name=taken_at]").fill(at(16, 10))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/checkpoints/incidents/" in page.url
    incident_url = page.url

    _step(page, "separated", at(16, 1))
    _step(page, "ambulance_called", at(16, 11))
    _step(page, "lead_notified", at(16, 12), lambda f: f.locator("input[name=who]").fill("企业负责人、长青街道值班室"))
    _step(page, "team_suspended", at(16, 12))
    team_link = page.locator("main section.card a", has_text="晚班一组")
    with page.expect_navigation():
        team_link.click()
    assert page.locator("table.roster tr.suspended").count() == 8, "the whole 8-person team is stopped"
    screenshot(page, "checkpoints-team-stopped-360")
    team_url = page.url
    page.goto(incident_url)

    def exposure(form):
        form.locator("input[name=answer_hospital][value=yes]").check()
        form.locator("input[name=detail_hospital]").fill("20日去医院看望生病的母亲")
        for key in ("case_contact", "fever_contact", "travel"):
            form.locator(f"input[name=answer_{key}][value=no]").check()

    _step(page, "exposure", at(16, 15), exposure)
    _step(page, "ambulance_arrived", at(16, 30))
    _step(page, "registered", at(16, 31))

    def negative(form):
        form.locator("input[name=result][value=negative]").check()
        form.locator("input[name=tests][value=ct]").check()
        form.locator("input[name=tests][value=nat]").check()

    _step(page, "outcome", at(22, 0), negative)
    kinds = page.locator("table.timeline tr[data-kind]").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["separated", "started", "ambulance_called", "lead_notified", "team_suspended", "exposure",
                     "ambulance_arrived", "registered", "outcome", "team_released", "closed"], kinds
    timeline = page.locator("table.timeline").inner_text()
    assert "16:10" in timeline and "22:00" in timeline and "康双丰" in timeline and "20日去医院看望生病的母亲" in page.content()
    assert page.locator("ol.checklist li.todo").count() == 0
    screenshot(page, "checkpoints-incident-closed-360")
    assert _overflow_px(page) <= 2

    page.goto(team_url)
    assert page.locator("table.roster tr").count() == 9 and page.locator("table.roster tr.suspended").count() == 0
    assert page.locator("table.suspensions tr").nth(1).locator("td").nth(1).inner_text().endswith("22:00")
