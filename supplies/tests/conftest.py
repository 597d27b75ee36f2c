"""The supplies cast: the city Red Cross's fund account and warehouse, the street's warehouse, community
A's and B's stores, a hospital in the street, the items, and an auditor of the city."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

D = Decimal
DAY = dt.date(2020, 2, 10)
TODAY = "2020-03-01 10:00 +0800"  # the supplies tests run on this day unless they travel elsewhere


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def depot(cast):
    from accounts.models import Membership, User
    from accounts.roles import Role
    from supplies import services
    from supplies.models import Item, Location

    def place(unit, kind, name):
        return services.location_create(unit=unit, kind=kind, name=name, by=None)

    auditor = User.objects.create_user(username="auditor", password="Test-password-2020", full_name="审计局审计员")
    Membership.objects.create(user=auditor, role=Role.AUDITOR, unit=cast.city, unit_path=cast.city.path)
    auditor_a = User.objects.create_user(username="auditor_a", password="Test-password-2020", full_name="三元审计")
    Membership.objects.create(user=auditor_a, role=Role.AUDITOR, unit=cast.community_a,
                              unit_path=cast.community_a.path)
    return SimpleNamespace(
        red_cross=place(cast.city, Location.Kind.ACCOUNT, "娄底市红十字会捐款账户"),
        red_cross_store=place(cast.city, Location.Kind.WAREHOUSE, "娄底市红十字会物资仓库"),
        warehouse=place(cast.street, Location.Kind.WAREHOUSE, "长青街道物资仓库"),
        street_account=place(cast.street, Location.Kind.ACCOUNT, "长青街道防疫专户"),
        store_a=place(cast.community_a, Location.Kind.COMMUNITY, "三元社区物资点"),
        store_b=place(cast.community_b, Location.Kind.COMMUNITY, "月塘社区物资点"),
        hospital=place(cast.street, Location.Kind.HOSPITAL, "长青街道社区卫生服务中心"),
        n95=Item.objects.get(code="mask-n95"),
        kn95=Item.objects.get(code="mask-kn95"),
        suit=Item.objects.get(code="protective-suit"),
        money=Item.objects.get(code="cny"),
        auditor=auditor,
        auditor_a=auditor_a,
    )


@pytest.fixture
def gift(cast, depot):
    """gift(donor_name, items=[(item, qty)], at=location, day=…, directed_to=unit): a goods donation booked."""
    from supplies import services
    from supplies.models import Donation, Donor

    def make(name="长青商会", lines=None, at=None, day=DAY, directed_to=None, kind=Donor.Kind.ORGANISATION, **extra):
        donor = services.donor_register(name=name, kind=kind, unit=cast.street, by=None)
        return services.donation_register(
            donor=donor, kind=Donation.Kind.GOODS, received_on=day, channel=Donation.Channel.DELIVERY,
            recipient=at or depot.warehouse, lines=[(i, q, D("0")) for i, q in (lines or [(depot.n95, D("1000"))])],
            directed=directed_to is not None, direction_unit=directed_to, by=None, **extra)

    return make


@pytest.fixture
def money_gift(cast, depot):
    """money_gift(name, amount, day=…, directed_to=unit): a money donation into the Red Cross account."""
    from supplies import services
    from supplies.models import Donation, Donor

    def make(name="爱心人士", amount="1000", day=DAY, directed_to=None, kind=Donor.Kind.PERSON, at=None, **extra):
        donor = services.donor_register(name=name, kind=kind, unit=cast.city, by=None,
                                        **({"members": 1} if kind == Donor.Kind.GROUP else {}))
        return services.donation_register(
            donor=donor, kind=Donation.Kind.MONEY, received_on=day, channel=Donation.Channel.BANK,
            recipient=at or depot.red_cross, amount=amount, directed=directed_to is not None,
            direction_unit=directed_to, by=None, **extra)

    return make


def approved_request(location, item, quantity, *, by_approver=None, spec=None, day=None):
    """A request of `location` approved by the system."""
    from supplies import services

    request = services.request_submit(location=location, item=item, quantity=quantity, spec=spec, by=None)
    return services.request_decide(request=request, approve=True, by=by_approver)
