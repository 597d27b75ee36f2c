"""The grid worker's offline workbench in Chromium at 360 px: writes captured with the network off survive closing
the page, are sent once when the network returns, a conflicting change on the server is shown and resolved by the
worker, a revoked account's phone is wiped on its next contact, and a browser without service workers is told to use
the usual pages.

Offline here is Playwright's `context.set_offline(True)` (DevTools network emulation). Playwright 1.65 applies it to
the service worker's own requests too (its CRServiceWorker network manager), so the page reopened offline is served
from the worker's cache, not from the network; the tests check that the page's own requests fail while offline and
that the reopened page came from the service worker."""

import json
import random

import pytest

from fangkong.browser import ACTION_TIMEOUT_MS, DEMO_PASSWORD, login, screenshot
from persons.tests.conftest import resident_id

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
GRID1_GRID = "431302004001-01"  # grid1's grid in 三元社区 (accounts/demo.py)
DB_NAME = "fangkong-offline"


# -- helpers -------------------------------------------------------------------------------------------------

def _contacts(page) -> int:
    return int(page.evaluate("Number(document.body.getAttribute('data-contacts') || 0)"))


def _wait_contact_after(page, before: int) -> None:
    page.wait_for_function(f"() => Number(document.body.getAttribute('data-contacts') || 0) > {before}")


def _open_app(page, base: str) -> None:
    """Open the workbench online and wait until the day is kept and the service worker controls the page."""
    page.goto(base + "/offline/")
    page.wait_for_selector("body[data-snapshot=stored]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => Number(document.body.getAttribute('data-contacts') || 0) > 0")


def _api(context, method: str, path: str, base: str, body: dict | None = None):
    """A call to the JSON API with the context's session (and its CSRF token for a write)."""
    csrf = next((c["value"] for c in context.cookies() if c["name"] == "csrftoken"), "")
    headers = {"X-CSRFToken": csrf, "Content-Type": "application/json", "Referer": base + "/"}
    response = context.request.fetch(base + path, method=method, headers=headers,
                                     data=json.dumps(body) if body is not None else None)
    assert response.ok, f"{method} {path}: {response.status} {response.text()[:300]}"
    return response.json()


def _post_form(context, base: str, path: str, form: dict):
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    return context.request.post(base + path, form={"csrfmiddlewaretoken": csrf, **form},
                                headers={"Referer": base + path}, max_redirects=0)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 2


def _queue_states(page) -> list[str]:
    return page.locator("#view .queue-item").evaluate_all("items => items.map(i => i.dataset.state)")


def _person_ids_on_day(page, n: int) -> list[int]:
    page.locator("#tabs button[data-tab=people]").click()
    keys = page.locator("#view button.person-link[data-person^='id:']").evaluate_all(
        "buttons => buttons.map(b => b.dataset.person)")
    assert len(keys) >= n, f"grid1 should see at least {n} people, sees {len(keys)}"
    return [int(k[3:]) for k in keys[:n]]


def _open_person(page, person_id: int) -> None:
    page.locator("#tabs button[data-tab=people]").click()
    page.locator(f"#view button.person-link[data-person='id:{person_id}']").click()
    page.wait_for_selector("#view .person-card")


def _record_check(page, temperature: str) -> None:
    form = page.locator("#view form.check-form")
    form.locator("input[name=temperature]").fill(temperature)
    form.locator("button[type=submit]").click()


# -- (a) capture offline, close, reopen offline, sync once ---------------------------------------------------

def test_writes_made_offline_survive_a_closed_page_and_are_synced_once(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    page.goto(demo_server + "/persons/today/")
    with page.expect_navigation():
        page.locator("#offline-link a").click()  # shown where the browser has service workers
    assert page.url.endswith("/offline/")
    _open_app(page, demo_server)
    first, second = _person_ids_on_day(page, 2)
    checks_before = {pk: len(_api(context, "GET", f"/api/persons/{pk}/checks", demo_server)) for pk in (first, second)}
    name = "离线来人" + "".join(random.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(4))
    number = resident_id("420106", seq=random.randint(100, 999))

    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")
    assert page.evaluate("fetch('/api/offline/snapshot').then(() => 'reached', () => 'failed')") == "failed"

    # An arrival on one screen, then its own health check (the person known on the phone only by the arrival).
    page.locator("#tabs button[data-tab=arrival]").click()
    form = page.locator("#view form.arrival-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=doc_number]").fill(number)
    form.locator("select[name=grid]").select_option(GRID1_GRID)
    form.locator("select[name=category]").select_option(index=1)
    assert _fits_the_phone(page)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#view .person-card")
    assert _fits_the_phone(page)
    assert name in page.locator("#view .person-card h1").inner_text()
    _record_check(page, "36.5")
    # Two of grid1's people: one well, one with a fever, which the phone shows as a fever at once.
    _open_person(page, first)
    _record_check(page, "36.6")
    _open_person(page, second)
    _record_check(page, "３８，４℃")  # as a Chinese keyboard types it: full-width, a comma, the unit
    page.wait_for_selector("#notices li.fever")
    assert "发热" in page.locator("#view .person-card .tag.fever").inner_text()
    screenshot(page, "offline-person-fever")

    page.wait_for_function("() => document.getElementById('queue-count').textContent === '4'")
    page.locator("#queue-button").click()
    assert _queue_states(page) == ["waiting"] * 4
    screenshot(page, "offline-queue")
    assert _fits_the_phone(page)
    assert "发热" in page.locator("#view .queue-item").nth(3).inner_text()

    # Closed and opened again with no network: the service worker serves the page, the queue is still there.
    page.close()
    page = context.new_page()
    response = page.goto(demo_server + "/offline/")
    assert response is not None and response.from_service_worker
    page.wait_for_selector("body[data-ready=yes]")
    assert page.evaluate("navigator.onLine") is False
    assert page.locator("#queue-count").inner_text() == "4"
    page.locator("#queue-button").click()
    assert _queue_states(page) == ["waiting"] * 4

    officer = new_page(width=1280, height=800)
    login(officer, demo_server, "heying")  # reads the access log of the street's people
    viewed = len(_api(officer.context, "GET", f"/api/persons/{first}/access", demo_server)["items"])
    before = _contacts(page)
    context.set_offline(False)
    _wait_contact_after(page, before)
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)
    # The return of the network is one contact: the queue sent and the day taken again, one access-log entry.
    assert len(_api(officer.context, "GET", f"/api/persons/{first}/access", demo_server)["items"]) == viewed + 1

    found = _api(context, "GET", f"/api/persons?name={name}", demo_server)["items"]
    assert len(found) == 1, f"one new person expected, found {found}"
    new_checks = _api(context, "GET", f"/api/persons/{found[0]['id']}/checks", demo_server)
    first_checks = _api(context, "GET", f"/api/persons/{first}/checks", demo_server)
    second_checks = _api(context, "GET", f"/api/persons/{second}/checks", demo_server)
    assert [str(c["temperature"]) for c in new_checks] == ["36.5"]
    assert len(first_checks) == checks_before[first] + 1
    assert len(second_checks) == checks_before[second] + 1
    assert second_checks[0]["flagged"] and second_checks[0]["result"] == "symptoms"
    assert str(second_checks[0]["temperature"]) == "38.4"

    # A second sync changes nothing.
    before = _contacts(page)
    page.locator("#sync-button").click()
    _wait_contact_after(page, before)
    assert len(_api(context, "GET", f"/api/persons?name={name}", demo_server)["items"]) == 1
    assert len(_api(context, "GET", f"/api/persons/{first}/checks", demo_server)) == checks_before[first] + 1
    assert len(_api(context, "GET", f"/api/persons/{second}/checks", demo_server)) == checks_before[second] + 1
    assert len(_api(context, "GET", f"/api/persons/{found[0]['id']}/checks", demo_server)) == 1


# -- (b) a conflict shown with both values and resolved by the worker --------------------------------------------

def _statuses(page) -> dict[str, str]:
    """The status choices the phone offers (code → name) that need no site."""
    return dict(page.locator("#view form.status-form select[name=status] option").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])"))


def test_a_status_changed_on_the_server_meanwhile_is_shown_and_the_worker_keeps_theirs(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    _open_app(page, demo_server)
    person_id = _person_ids_on_day(page, 3)[2]
    _open_person(page, person_id)
    current = page.locator("#view form.status-form select[name=status]").input_value()
    snapshot_statuses = _statuses(page)
    site_free = [code for code in snapshot_statuses if code != current and _no_site(page, code)]
    mine, theirs = site_free[0], site_free[1]

    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")
    form = page.locator("#view form.status-form")
    form.locator("select[name=status]").select_option(mine)
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")

    # Meanwhile the community worker changes the same person's status on the server.
    other = new_page()
    login(other, demo_server, "sanyuan")
    _api(other.context, "POST", f"/api/persons/{person_id}/status", demo_server, {"status": theirs})

    before = _contacts(page)
    context.set_offline(False)
    _wait_contact_after(page, before)
    page.locator("#queue-button").click()
    item = page.locator("#view .queue-item[data-state=conflict]")
    item.wait_for()
    assert item.locator("dd.mine").inner_text() == snapshot_statuses[mine]
    assert item.locator("dd.server").inner_text() == snapshot_statuses[theirs]
    screenshot(page, "offline-conflict")

    before = _contacts(page)
    item.locator("button.keep-mine").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)
    person = _api(other.context, "GET", f"/api/persons/{person_id}", demo_server)
    open_statuses = [s for s in person["statuses"] if not s["end"]]
    assert [s["code"] for s in open_statuses] == [mine]


def test_logging_out_warns_of_waiting_writes_then_clears_the_phone(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    _open_app(page, demo_server)
    screenshot(page, "offline-day")
    person_id = _person_ids_on_day(page, 1)[0]
    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")
    _open_person(page, person_id)
    _record_check(page, "36.4")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)
    context.set_offline(True)  # a write waits again
    page.wait_for_selector("body[data-online=no]")
    _open_person(page, person_id)
    _record_check(page, "36.3")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
    page.route("**/api/offline/sync", lambda route: route.abort())  # the write stays waiting
    before = _contacts(page)
    context.set_offline(False)
    _wait_contact_after(page, before)
    assert page.locator("#queue-count").inner_text() == "1"

    warnings = []

    def answer(dialog):
        warnings.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    with page.expect_navigation(url="**/accounts/login/**"):
        page.locator("#logout-button").click()
    assert warnings == ["1 条记录尚未发送，退出将丢弃它们。"]
    assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == []
    page.goto(demo_server + "/persons/today/")
    assert "/accounts/login/" in page.url


def test_an_ended_session_keeps_the_queue_and_asks_to_log_in_again(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    _open_app(page, demo_server)
    person_id = _person_ids_on_day(page, 1)[0]
    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")
    _open_person(page, person_id)
    _record_check(page, "36.7")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
    session = [c for c in context.cookies() if c["name"] == "sessionid"]
    context.clear_cookies(name="sessionid")
    before = _contacts(page)
    context.set_offline(False)
    _wait_contact_after(page, before)
    link = page.locator("#notices a")
    assert link.inner_text() == "重新登录"
    assert link.get_attribute("href") == "/accounts/login/?next=/offline/"
    assert page.locator("#queue-count").inner_text() == "1"
    context.add_cookies(session)  # logged in again: the check is sent
    page.locator("#sync-button").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)


def test_a_refused_arrival_stays_with_its_reason_and_is_sent_once_corrected(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    _open_app(page, demo_server)
    name = "离线改正" + "".join(random.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(4))
    number = resident_id("430104", seq=random.randint(100, 999))

    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")
    page.locator("#tabs button[data-tab=arrival]").click()
    form = page.locator("#view form.arrival-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=doc_number]").fill(number)
    form.locator("select[name=grid]").select_option(GRID1_GRID)
    form.locator("button[type=submit]").click()  # no category: the server asks for one
    page.wait_for_selector("#view .person-card")
    _record_check(page, "36.5")  # waits behind its arrival
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '2'")

    before = _contacts(page)
    context.set_offline(False)
    _wait_contact_after(page, before)
    page.locator("#queue-button").click()
    assert _queue_states(page) == ["refused", "waiting"]
    refused = page.locator("#view .queue-item[data-state=refused]")
    reasons = refused.locator(".reason").all_inner_texts()
    assert any("类别" in r for r in reasons), reasons  # the reason, in Chinese
    screenshot(page, "offline-refused")

    refused.locator("button.edit").click()
    edit = page.locator("#view form.arrival-form")
    assert edit.locator("input[name=name]").input_value() == name
    edit.locator("select[name=category]").select_option(index=1)
    edit.locator("button[type=submit]").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)
    found = _api(context, "GET", f"/api/persons?name={name}", demo_server)["items"]
    assert len(found) == 1
    assert len(_api(context, "GET", f"/api/persons/{found[0]['id']}/checks", demo_server)) == 1


def test_a_follow_up_result_and_a_task_done_offline_reach_the_server(new_page, demo_server):
    page = new_page(**PHONE)
    context = page.context
    login(page, demo_server, "grid1")
    _open_app(page, demo_server)
    people = page.locator("#view ul[data-list=follow_ups] button.person-link").evaluate_all(
        "buttons => buttons.map(b => b.dataset.person)")
    assert len(people) >= 2, "the demo gives grid1 two follow-ups today"
    context.set_offline(True)
    page.wait_for_selector("body[data-online=no]")

    page.locator(f"#view ul[data-list=follow_ups] button[data-person='{people[0]}']").click()
    result = page.locator("#view form.result-form")
    follow_up = int(result.get_attribute("data-follow-up"))
    result.locator("input[name=temperature]").fill("36.4")
    result.locator("button[type=submit]").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")

    page.locator("#tabs button[data-tab=day]").click()
    page.locator(f"#view ul[data-list=follow_ups] button[data-person='{people[1]}']").click()
    task_form = page.locator("#view .task-form").first
    task = int(task_form.get_attribute("data-task"))
    task_form.locator("input[name=result]").fill("电话随访，无不适")
    task_form.locator("button.task-done").click()
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '2'")

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'",
                           timeout=3 * ACTION_TIMEOUT_MS)
    assert _api(context, "GET", f"/api/follow-ups/{follow_up}", demo_server)["state"] == "active"
    checks = _api(context, "GET", f"/api/persons/{people[0][3:]}/checks", demo_server)
    assert str(checks[0]["temperature"]) == "36.4"  # the day's result, recorded as the person's health check
    assert _api(context, "GET", f"/api/tasks/{task}", demo_server)["status"] == "done"


def _no_site(page, code: str) -> bool:
    form = page.locator("#view form.status-form")
    form.locator("select[name=status]").select_option(code)
    hidden = form.locator("select[name=site]").evaluate("s => s.closest('.field').hidden")
    return bool(hidden)


# -- (c) a revoked account's phone is wiped on its next contact ---------------------------------------------------

def test_a_deactivated_accounts_phone_is_wiped_on_its_next_contact(new_page, demo_server):
    username = f"offline_revoked_{random.randint(10_000, 99_999)}"
    manager = new_page()
    login(manager, demo_server, "sanyuan")
    created = _post_form(manager.context, demo_server, "/accounts/users/new/", {
        "username": username, "full_name": "离线停用测试", "phone": "", "password": DEMO_PASSWORD,
        "role": "grid_worker", "unit_code": GRID1_GRID})
    assert created.status == 302, created.text()[:500]
    user_page = created.headers["location"]

    page = new_page(**PHONE)
    login(page, demo_server, username)
    _open_app(page, demo_server)
    assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == [DB_NAME]

    deactivated = _post_form(manager.context, demo_server, user_page, {
        "action": "edit", "full_name": "离线停用测试", "phone": "", "email": ""})  # is_active left unticked
    assert deactivated.status == 302, deactivated.text()[:500]

    page.locator("#sync-button").click()
    page.wait_for_selector("body[data-wiped=yes]")
    assert "离线数据已清除" in page.locator("#notices").inner_text()
    assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == []
    assert page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('fangkong-offline')))") == []
    assert page.locator("#view .person-link").count() == 0


# -- (d) no service workers: the usual pages ----------------------------------------------------------------------

def test_without_service_workers_the_app_says_so_and_the_usual_pages_work(browser, demo_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="block")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, demo_server, "grid1")
        page.goto(demo_server + "/offline/")
        notice = page.locator("#unavailable")
        notice.wait_for(state="visible")
        assert "不能离线使用" in notice.inner_text()
        assert page.locator("#tabs").is_hidden()
        assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == []
        with page.expect_navigation():
            notice.locator("a").click()
        assert page.url.endswith("/persons/today/")
        assert page.locator("main h1").inner_text().startswith("今日")
        assert page.locator("main a#arrival-link").is_visible()
    finally:
        context.close()
