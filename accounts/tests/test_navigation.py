"""The menu: the entries of the user's roles, the current page's marked, in the user's language; written once per
process for each set of entries, page and language, so that users of other roles never get another's menu."""

import re

from accounts.context_processors import _menu


def _menu_of(html: str) -> list[tuple[str, str, str]]:
    """(address, label, "active" or "") of each entry of the page's menu."""
    nav = re.search(r'<nav class="main".*?</nav>', html, re.S).group(0)
    return [(re.search(r'href="([^"]+)"', tag).group(1), label, "active" if "active" in tag else "")
            for tag, label in re.findall(r"<a ([^>]*)>([^<]+)</a>", nav)]


def test_each_role_gets_its_own_menu_with_the_page_marked_in_its_language(cast, client_for):
    _menu.cache_clear()
    officer = _menu_of(client_for(cast.street_officer).get("/reports/").content.decode())
    assert ("/reports/", "报表", "active") in officer
    assert [entry for entry in officer if entry[2]] == [("/reports/", "报表", "active")]
    worker = _menu_of(client_for(cast.community_b_worker).get("/reports/").content.decode())
    assert ("/persons/today/", "今日工作", "") in worker and ("/units/", "组织机构", "") not in worker
    admin = _menu_of(client_for(cast.city_admin).get("/persons/").content.decode())
    assert ("/persons/", "人员", "active") in admin and any(href == "/units/" for href, _l, _a in admin)
    cast.street_officer.language = "en"
    cast.street_officer.save()
    english = _menu_of(client_for(cast.street_officer).get("/persons/").content.decode())
    assert ("/persons/", "People", "active") in english and ("/reports/", "Reports", "") in english
    assert _menu.cache_info().currsize == 4


def test_no_menu_before_signing_in(client):
    assert "<nav" not in client.get("/accounts/login/").content.decode()
