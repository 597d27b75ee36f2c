"""Contact tracing in a real browser: the officer registers a case, adds a contact and gives an urgent task;
the grid worker finds it on a 360-px phone, closes it and records the contact's follow-up result."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fangkong.browser import login, screenshot
from persons.tests.conftest import resident_id

pytestmark = pytest.mark.browser

GRID = "431302004001-01"  # 三元社区第一网格 of the demo, whose grid worker is grid1


@pytest.fixture(autouse=True)
def _english_and_fixed_time():
    """The demo server runs on the real clock and in Chinese: this module does not fix either."""
    yield


def _register(page, base_url: str, name: str, number: str) -> None:
    page.goto(f"{base_url}/persons/new/")
    page.fill("#id_name", name)
    page.fill("#id_doc_number", number)
    page.select_option("#id_grid", GRID)
    with page.expect_navigation():
        page.click("form.person-form button[type=submit]")
    assert "/persons/new/" not in page.url


def _overflow_px(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_case_contact_and_urgent_task_from_desk_to_phone(new_page, demo_server):
    case_number, contact_number = resident_id(seq=871), resident_id(seq=872)
    officer = new_page(width=1280, height=800)
    login(officer, demo_server, "heying")
    _register(officer, demo_server, "欧阳确诊", case_number)

    officer.goto(f"{demo_server}/tracing/cases/new/")
    officer.fill("#id_doc_number", case_number)
    officer.select_option("#id_classification", "confirmed")
    with officer.expect_navigation():
        officer.click("form.tracing-form button[type=submit]")
    assert "/tracing/cases/" in officer.url and officer.locator("h1").inner_text().startswith("欧阳确诊")
    case_url = officer.url

    officer.click("a[href$='/contacts/new/']")
    officer.fill("#id_name", "欧阳密接")
    officer.fill("#id_doc_number", contact_number)
    officer.select_option("#id_grid", GRID)
    yesterday = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() - dt.timedelta(days=1)
    officer.fill("#id_last_contact", yesterday.isoformat())
    with officer.expect_navigation():
        officer.click("form.contact-form button[type=submit]:not([name])")
    assert officer.url == case_url
    assert officer.locator("table.contacts", has_text="欧阳密接").count() == 1
    screenshot(officer, "tracing-case-desktop")

    officer.goto(f"{demo_server}/tracing/tasks/new/")
    officer.fill("#id_title", "到娄底市中心医院核实住院患者欧阳密接")
    officer.fill("#id_doc_number", contact_number)
    with officer.expect_navigation():
        officer.click("form.tracing-form button[type=submit]")
    assert "/tracing/tasks/" in officer.url

    phone = new_page(width=360, height=740)
    login(phone, demo_server, "grid1")
    phone.goto(f"{demo_server}/tracing/tasks/")
    assert phone.locator("header a.badge .count").count() == 1  # the new task's notification
    card = phone.locator("section.task", has_text="核实住院患者欧阳密接")
    assert card.count() == 1 and "p4" in card.get_attribute("class")
    assert _overflow_px(phone) <= 2
    screenshot(phone, "tracing-my-tasks-360")
    with phone.expect_navigation():
        card.locator("form:has(input[value=done]) button").click()
    assert phone.locator("section.task", has_text="核实住院患者欧阳密接").count() == 0

    phone.goto(f"{demo_server}/tracing/follow-up/")
    contact = phone.locator("details.follow-up", has_text="欧阳密接")
    contact.locator("summary").click()
    contact.locator("input[name=temperature]").fill("36.6")
    with phone.expect_navigation():
        contact.locator("button[type=submit]").click()
    assert phone.locator("details.follow-up", has_text="欧阳密接").locator(".tag.ok").count() == 1
    assert _overflow_px(phone) <= 2
    screenshot(phone, "tracing-follow-up-360")


def test_a_case_s_chain_renders_with_its_contacts(new_page, demo_server):
    """The demo's chain of three generations, drawn on the server as SVG: one node per person, every exposure
    an arrow between two of them, the contacts the case page lists among the nodes."""
    from tracing import demo

    page = new_page(width=1280, height=800)
    login(page, demo_server, "heying")
    page.goto(f"{demo_server}/tracing/")
    with page.expect_navigation():
        page.locator("table.case-list tr", has_text=demo.INDEX_LABEL).locator("a").first.click()
    contacts = page.locator("table.contacts td:first-child a").all_inner_texts()
    assert len(contacts) == 5
    with page.expect_navigation():
        page.click("a[href$='/chain/']")

    svg = page.locator("svg.chain")
    nodes, edges = svg.locator("g.node"), svg.locator("path.edge")
    assert nodes.count() == demo.CHAIN_PEOPLE and edges.count() == demo.CHAIN_EXPOSURES
    assert svg.locator("path.edge.transmission").count() == demo.CHAIN_CASES - 1
    assert svg.locator("g.node.case").count() == demo.CHAIN_CASES
    names = svg.locator("g.node text.name").evaluate_all("els => els.map(e => e.textContent)")  # SVG: no innerText
    assert set(contacts) <= set(names) and len(set(names)) == demo.CHAIN_PEOPLE
    keys = set(nodes.evaluate_all("els => els.map(e => e.dataset.node)"))
    ends = edges.evaluate_all("els => els.map(e => [e.dataset.from, e.dataset.to])")
    assert len(keys) == demo.CHAIN_PEOPLE and all(a in keys and b in keys and a != b for a, b in ends)
    generations = nodes.evaluate_all("els => els.map(e => Number(e.dataset.generation))")
    assert sorted(set(generations)) == [0, 1, 2, 3, 4]  # three generations of cases, their contacts after
    box = svg.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 200  # drawn, not an empty box
    for path in edges.all()[:3]:
        assert path.bounding_box()["width"] > 0
    screenshot(page, "tracing-chain-desktop")

    chain_url = page.url
    with page.expect_navigation():  # a node is a link to the person's page in the officer's scope
        svg.locator("g.node.case a").nth(1).click()
    assert "/tracing/cases/" in page.url and page.url != chain_url

    phone = new_page(width=360, height=740)  # on a phone the drawing scrolls inside its frame
    login(phone, demo_server, "heying")
    phone.goto(chain_url)
    assert phone.locator("svg.chain g.node").count() == demo.CHAIN_PEOPLE and _overflow_px(phone) <= 2
    phone.goto(f"{demo_server}/tracing/chains/")
    assert phone.locator("table.chain-sizes tr").count() == 3 and _overflow_px(phone) <= 2  # sizes 1 and 3
    screenshot(phone, "tracing-chain-statistics-360")
