"""The demo's public intake: a poster for each community of 长青街道, one declaration waiting in 三元社区's queue, and a
resident of 三元社区's first grid under home quarantine since yesterday with a self-report link (so the day's pages
have something to show whatever day the demo is opened)."""

import datetime as dt

from django.utils import timezone

from intake import services
from intake.models import Declaration, Poster
from orgunits.demo import DEMO_STREET, grid_code
from orgunits.models import OrgUnit
from persons import services as person_services
from persons.models import Category, ManagementStatus, Person

AT_HOME_DOCUMENT = "431302198503010021"  # 周小安, back from Wuhan yesterday, reporting her temperature herself


def intake_demo() -> dict[str, int]:
    """Load the demo's posters, declaration and self-report link once (a second run adds nothing)."""
    street = OrgUnit.objects.get(code=DEMO_STREET)
    if Poster.objects.filter(unit_path__under=street.path).exists():
        return {"posters": 0}
    communities = list(OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("code"))
    posters = [services.poster_create(unit=c, by=None) for c in communities]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.declaration_submit(poster=posters[0], address="127.0.0.1", data={
        "reporter": Declaration.Reporter.NEIGHBOUR, "name": "吴建军", "doc_type": "resident_id",
        "doc_number": "431302198807150015", "phone": "13973800001", "address": "三元社区丰源小区3栋201",
        "origin": "湖北省武汉市", "arrived_on": yesterday, "symptoms": [], "note": "邻居反映昨晚到家"})
    grid = OrgUnit.objects.get(code=grid_code(DEMO_STREET + "001", 1))
    person = Person.objects.filter(doc_number=AT_HOME_DOCUMENT).first() or person_services.person_register(data={
        "name": "周小安", "doc_type": "resident_id", "doc_number": AT_HOME_DOCUMENT, "phone": "13973800002",
        "address": "三元社区丰源小区5栋102", "grid": grid.code}, by=None)
    arrival = timezone.now() - dt.timedelta(days=1)
    person_services.category_assign(person=person, category=Category.objects.get(code="wuhan"), start=arrival,
                                    by=None)
    person_services.status_set(person=person, status=ManagementStatus.objects.get(code="home_quarantine"),
                               start=arrival, by=None)
    services.self_report_link_create(person=person, by=None)
    return {"posters": len(posters), "declarations": 1, "self-report links": 1}
