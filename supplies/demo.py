"""The demo's supplies: the city Red Cross's account and warehouse, 长青街道's warehouse, its communities'
stores, the hospital and the enterprise of the demo sites; the audit bureau's gift of 58,200 yuan from its
73 staff and 38 retirees, other gifts, needs, a disbursement, a purchase, deliveries and two publications.
Two irregularities are left for the auditor to find: a gift without a receipt, and KN95 masks delivered
where N95 were asked for. Loaded once: skipped when donations exist."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from orgunits.demo import DEMO_CITY, DEMO_STREET
from orgunits.models import OrgUnit, Site
from supplies import services
from supplies.models import Donation, Donor, Item, Location, Voucher

D = Decimal


def _place(unit: OrgUnit, kind: str, name: str, site: Site | None = None) -> Location:
    existing = Location.objects.filter(unit=unit, name=name).first()
    return existing or services.location_create(unit=unit, kind=kind, name=name, site=site, by=None)


def _donor(name: str, kind: str, unit: OrgUnit, **extra) -> Donor:
    return services.donor_register(name=name, kind=kind, unit=unit, by=None, **extra)


@transaction.atomic
def supplies_demo() -> dict[str, int]:
    """Load the demo's supplies (idempotent); the counts of what was added."""
    if Donation.objects.exists():
        return {"donations": 0}
    city, street = OrgUnit.objects.get(code=DEMO_CITY), OrgUnit.objects.get(code=DEMO_STREET)
    site_of = {s.name: s for s in Site.objects.filter(unit=street)}
    account = _place(city, Location.Kind.ACCOUNT, "娄底市红十字会捐款账户")
    red_cross = _place(city, Location.Kind.WAREHOUSE, "娄底市红十字会物资仓库")
    warehouse = _place(street, Location.Kind.WAREHOUSE, "长青街道防疫物资仓库", site_of.get("长青街道防疫物资仓库"))
    hospital = _place(street, Location.Kind.HOSPITAL, "娄底市中心医院", site_of.get("娄底市中心医院"))
    enterprise = _place(street, Location.Kind.ENTERPRISE, "娄底市涟钢振兴金华建设有限公司",
                        site_of.get("娄底市涟钢振兴金华建设有限公司"))
    stores = {c.name: _place(c, Location.Kind.COMMUNITY, f"{c.name}物资点")
              for c in OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("code")}
    items = {i.code: i for i in Item.objects.all()}
    for code, price in (("mask-n95", "18"), ("mask-kn95", "6"), ("mask-surgical", "2"), ("protective-suit", "120")):
        services.item_price_set(item=items[code], valid_from=dt.date(2020, 1, 20), price=price, by=None)

    bureau = _donor("娄底市审计局干部职工", Donor.Kind.GROUP, city, members=111,
                    members_note="在职干部职工73名、离退休老干部38名")
    services.donation_register(donor=bureau, kind=Donation.Kind.MONEY, received_on=dt.date(2020, 2, 5),
                                      channel=Donation.Channel.BANK, recipient=account, amount="58200",
                                      receipt_number="湘红捐字2020-0001", receipt_date=dt.date(2020, 2, 5), by=None)
    chamber = _donor("长青商会", Donor.Kind.ORGANISATION, city)
    services.donation_register(donor=chamber, kind=Donation.Kind.GOODS, received_on=dt.date(2020, 2, 3),
                               channel=Donation.Channel.DELIVERY, recipient=red_cross,
                               lines=[(items["mask-n95"], D(2000), D(36000)), (items["protective-suit"], D(200), D(0))],
                               receipt_number="湘红捐字2020-0002", receipt_date=dt.date(2020, 2, 4), by=None)
    resident = _donor("李建国", Donor.Kind.PERSON, city, mask_name=True)
    services.donation_register(donor=resident, kind=Donation.Kind.MONEY, received_on=dt.date(2020, 2, 6),
                               channel=Donation.Channel.MOBILE, recipient=account, amount="2000", by=None)
    maker = _donor("湖南某防护用品有限公司", Donor.Kind.ORGANISATION, city)
    services.donation_register(donor=maker, kind=Donation.Kind.GOODS, received_on=dt.date(2020, 2, 8),
                               channel=Donation.Channel.DELIVERY, recipient=red_cross,
                               lines=[(items["mask-kn95"], D(5000), D(0))], directed=True, direction_unit=street,
                               direction_note="支援长青街道", receipt_number="湘红捐字2020-0003",
                               receipt_date=dt.date(2020, 2, 9), by=None)

    sanyuan = stores.get("三元社区")
    money_need = services.request_submit(location=hospital, item=items["cny"], quantity="30000", urgency=4,
                                         reason="发热门诊改造", by=None)
    mask_need = services.request_submit(location=sanyuan, item=items["mask-n95"], quantity="1410", urgency=4,
                                        reason="卡点值守和入户排查", by=None)
    hospital_need = services.request_submit(location=hospital, item=items["mask-n95"], quantity="1000", urgency=3,
                                            reason="发热门诊医护", by=None)
    enterprise_need = services.request_submit(location=enterprise, item=items["mask-kn95"], quantity="800",
                                              reason="复工复产口罩缺口", by=None)
    money_need, mask_need, hospital_need, enterprise_need = [
        services.request_decide(request=need, approve=True, by=None)
        for need in (money_need, mask_need, hospital_need, enterprise_need)]
    services.request_submit(location=stores.get("月塘社区", sanyuan), item=items["protective-suit"], quantity="50",
                            urgency=2, reason="隔离点转运", by=None)

    services.distribution_post(source=account, target=hospital, lines=[(items["cny"], "30000")], request=money_need,
                               occurred_on=dt.date(2020, 2, 7), by=None)
    services.purchase_post(account=account, target=red_cross, goods=[(items["mask-n95"], 1410, 28200)],
                           counterparty="湖南某医疗器械公司", document="FP-20200208", request=mask_need,
                           occurred_on=dt.date(2020, 2, 8), by=None)
    services.distribution_post(source=red_cross, target=sanyuan, lines=[(items["mask-n95"], "1410")], lot=None,
                               request=mask_need, occurred_on=dt.date(2020, 2, 9), by=None)  # the masks bought
    services.transfer_post(source=red_cross, target=warehouse, lines=[(items["mask-n95"], "1500"),
                                                                      (items["protective-suit"], "150"),
                                                                      (items["mask-kn95"], "5000")],
                           occurred_on=dt.date(2020, 2, 9), by=None)
    services.distribution_post(source=warehouse, target=hospital, lines=[(items["mask-kn95"], "1000")],
                               request=hospital_need, occurred_on=dt.date(2020, 2, 10), by=None)
    services.distribution_post(source=warehouse, target=enterprise, lines=[(items["mask-kn95"], "800")],
                               request=enterprise_need, occurred_on=dt.date(2020, 2, 12), by=None)
    for name, quantity in (("长青社区", "300"), ("月塘社区", "300"), ("杉山社区", "200")):
        if name in stores:
            services.distribution_post(source=warehouse, target=stores[name], lines=[(items["mask-n95"], quantity)],
                                       occurred_on=dt.date(2020, 2, 12), by=None)
    services.consumption_post(location=sanyuan, lines=[(items["mask-n95"], "600")], occurred_on=dt.date(2020, 2, 20),
                              by=None)
    services.adjustment_post(location=warehouse, lines=[(items["protective-suit"], "-10")],
                             occurred_on=dt.date(2020, 2, 25), reason="仓库漏雨受潮报损", by=None)
    for until in (dt.date(2020, 2, 15), dt.date(2020, 2, 29)):
        services.transparency_publish(unit=city, until=until, by=None)
    return {"supply locations": Location.objects.count(), "donations": Donation.objects.count(),
            "vouchers": Voucher.objects.count(), "publications": 2}
