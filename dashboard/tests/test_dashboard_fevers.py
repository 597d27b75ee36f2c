"""The home page's fever section counts the day's fevers at home health checks beside the gates' alerts: the
people of the unit with a check at or above the threshold, each figure opening the list of those checks."""

import re

from dashboard.tests.conftest import TODAY
from persons import services as persons_services
from persons.tests.conftest import resident_id


def _person(name, seq, grid):
    return persons_services.person_register(data={"name": name, "doc_type": "resident_id",
                                                  "doc_number": resident_id(seq=seq), "grid": grid.code}, by=None)


def _home_fevers(html: str) -> tuple[int, str]:
    found = re.search(r'data-figure="fevers\.home" href="([^"]+)"[^>]*>(\d+)<', html)
    assert found, "no home fevers figure in the fever section"
    return int(found.group(2)), found.group(1).replace("&amp;", "&")


def test_a_fever_at_home_shows_in_the_street_officers_fever_section(cast, client_for):
    zhang, wang = _person("张三", 31, cast.grid_a), _person("王五", 32, cast.grid_a)
    li = _person("李四", 33, cast.grid_b)
    persons_services.health_check_record(person=zhang, temperature="37.8", result="well", by=cast.grid_a_worker)
    persons_services.health_check_record(person=zhang, temperature="38.1", result="symptoms", by=cast.grid_a_worker)
    persons_services.health_check_record(person=wang, temperature="36.5", result="well", by=cast.grid_a_worker)
    persons_services.health_check_record(person=li, temperature="37.5", by=cast.community_b_worker)
    client = client_for(cast.street_officer)
    home = client.get("/")
    html = home.content.decode()
    section = html.split('id="dash-checkpoints"')[1].split("</section>")[0]
    value, url = _home_fevers(section)
    assert value == 2  # 张三 (twice) and 李四; 王五 is well
    assert home.context["dashboard"].checkpoints.home_fevers.value == 2
    listed = client.get(url)
    assert listed.status_code == 200 and f"day={TODAY}" in url
    text = listed.content.decode()
    assert "张三" in text and "李四" in text and "王五" not in text and "37.8" in text
    # Narrowed to community A, and community B's worker sees only their own.
    assert _home_fevers(client.get(f"/?unit={cast.community_a.code}").content.decode())[0] == 1
    assert _home_fevers(client_for(cast.community_b_worker).get("/").content.decode())[0] == 1
    # The day before had none.
    assert _home_fevers(client.get("/?day=2020-05-20").content.decode())[0] == 0
