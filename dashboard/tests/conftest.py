"""A small city for the dashboard, on the shared cast, on 21 May 2020 at 10:00 (time stands still).

Community A (三元社区): 张一 from Hubei since 1 May, confirmed today, who stayed at 三元菜市场 this morning;
张二 arrived from Hubei and Wuhan this morning; 张四 from Hubei, released on 10 May; 张一's contact 王五
(follow-up, an overdue task); a fever alert at the east gate. Community B (月塘社区): 李一 arrived from Hubei
this morning; 李二 abroad since April, released; 张一's contact 赵六 (follow-up); a fever alert at the south
gate; its store's request awaiting approval. The street: its warehouse holding 1,000 N95 masks given on
20 May, 100 of them delivered today against 三元's approved request for 300.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2020, 5, 21, 10, 0, tzinfo=TZ)
TODAY = NOW.date()


def at(day: int, hour: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2020, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def city(cast):
    from checkpoints import services as checkpoint_services
    from persons import services as person_services
    from persons.models import Category, ManagementStatus
    from persons.tests.conftest import resident_id
    from reports.services import forms_seed
    from supplies import services as supply_services
    from supplies.models import Donation, Donor, Item, Location
    from tracing import services as tracing_services

    cat = {c.code: c for c in Category.objects.all()}
    status = {s.code: s for s in ManagementStatus.objects.all()}

    def person(name, seq, grid, categories=(), statuses=()):
        p = person_services.person_register(data={"name": name, "doc_type": "resident_id",
                                                  "doc_number": resident_id(seq=seq), "grid": grid.code}, by=None)
        for code, start, end in categories:
            person_services.category_assign(person=p, category=cat[code], start=start, by=None)
            if end:
                person_services.category_end(person=p, category=cat[code], end=end, by=None)
        for code, start in statuses:
            person_services.status_set(person=p, status=status[code], start=start, by=None)
        return p

    zhang1 = person("张一", 1, cast.grid_a, [("hubei", at(1), None)], [("home_quarantine", at(1))])
    zhang2 = person("张二", 2, cast.grid_a, [("hubei", at(21, 8), None), ("wuhan", at(21, 8), None)],
                    [("home_quarantine", at(21, 8))])
    zhang4 = person("张四", 4, cast.grid_a, [("hubei", at(1, 0, 4), at(10))],
                    [("home_quarantine", at(1, 0, 4)), ("released", at(10))])
    li1 = person("李一", 11, cast.grid_b, [("hubei", at(21, 9), None)], [("home_quarantine", at(21, 9))])
    li2 = person("李二", 12, cast.grid_b, [("abroad", at(1, 0, 4), None)], [("released", at(1, 0, 4))])

    case = tracing_services.case_register(person=zhang1, classification="confirmed", at=at(21, 7),
                                          by=cast.street_officer)
    tracing_services.visit_record(person=zhang1, place="三元菜市场", community=cast.community_a, start=at(21, 6),
                                  end=at(21, 7), by=None)
    yesterday = TODAY - dt.timedelta(days=1)
    contact_a, _new = tracing_services.contact_add(
        source=zhang1, by=None, exposure_data={"last_contact": yesterday},
        person_data={"name": "王五", "doc_type": "resident_id", "doc_number": resident_id(seq=21),
                     "grid": cast.grid_a.code})
    contact_b, _new = tracing_services.contact_add(
        source=zhang1, by=None, exposure_data={"last_contact": yesterday},
        person_data={"name": "赵六", "doc_type": "resident_id", "doc_number": resident_id(seq=22),
                     "grid": cast.grid_b.code})
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):  # given at 8:00, due at 9:00: overdue now
        task = tracing_services.task_create(kind="verify", person=contact_a.exposed,
                                            due_at=NOW - dt.timedelta(hours=1), by=None)

    gate_a = checkpoint_services.checkpoint_create(site=cast.site_a, name="东门", by=cast.community_a_worker)
    gate_b = checkpoint_services.checkpoint_create(site=cast.site_b, name="南门", by=cast.community_b_worker)
    fever_a = checkpoint_services.reading_record(checkpoint=gate_a, temperature="38.2", subject="访客甲",
                                                 taken_at=NOW - dt.timedelta(minutes=30), by=cast.community_a_worker)
    fever_b = checkpoint_services.reading_record(checkpoint=gate_b, temperature="38.5", subject="访客乙",
                                                 taken_at=NOW - dt.timedelta(minutes=20), by=cast.community_b_worker)

    forms_seed()

    warehouse = supply_services.location_create(unit=cast.street, kind=Location.Kind.WAREHOUSE, name="长青街道物资仓库",
                                                by=None)
    store_a = supply_services.location_create(unit=cast.community_a, kind=Location.Kind.COMMUNITY,
                                              name="三元社区物资点", by=None)
    store_b = supply_services.location_create(unit=cast.community_b, kind=Location.Kind.COMMUNITY,
                                              name="月塘社区物资点", by=None)
    n95, suit = Item.objects.get(code="mask-n95"), Item.objects.get(code="protective-suit")
    donor = supply_services.donor_register(name="长青商会", kind=Donor.Kind.ORGANISATION, unit=cast.street, by=None)
    supply_services.donation_register(donor=donor, kind=Donation.Kind.GOODS, received_on=yesterday,
                                      channel=Donation.Channel.DELIVERY, recipient=warehouse,
                                      lines=[(n95, Decimal("1000"), Decimal("0"))], by=None)
    need_a = supply_services.request_submit(location=store_a, item=n95, quantity=Decimal("300"), by=None)
    need_a = supply_services.request_decide(request=need_a, approve=True, by=None)
    supply_services.distribution_post(source=warehouse, target=store_a, lines=[(n95, Decimal("100"))],
                                      occurred_on=TODAY, request=need_a, by=None)
    need_b = supply_services.request_submit(location=store_b, item=suit, quantity=Decimal("50"), by=None)

    return SimpleNamespace(zhang1=zhang1, zhang2=zhang2, zhang4=zhang4, li1=li1, li2=li2, case=case,
                           contact_a=contact_a.exposed, contact_b=contact_b.exposed, task=task, gate_a=gate_a,
                           gate_b=gate_b, fever_a=fever_a, fever_b=fever_b, warehouse=warehouse, store_a=store_a,
                           store_b=store_b, n95=n95, suit=suit, need_a=need_a, need_b=need_b)
