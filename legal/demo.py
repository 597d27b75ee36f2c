"""The demo's legal side: a dozen knowledge entries written for the project, a few hotline calls, and the
campaign of 娄底市's justice system rebuilt from individual activities whose totals are the seed report's
(50,000+ booklets, 20,000+ posters, 50 events, 100 vehicles, 400+ rounds, 6,000+ hours of audio,
20,000+ WeChat posts, about 100,000 views)."""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from legal import services
from legal.models import HotlineCall, KnowledgeEntry, PublicityActivity
from orgunits.demo import DEMO_CITY
from orgunits.models import OrgUnit
from reports.services import forms_seed

PUBLICITY_FORM = Path(__file__).parent / "defaults" / "publicity_form.json"
CAMPAIGN_START, CAMPAIGN_END = dt.date(2020, 1, 28), dt.date(2020, 5, 31)
# kind: (total, rows) — each total split over that many activities of the city's counties
CAMPAIGN = {"booklets": (50_620, 64), "posters": (20_380, 40), "events": (50, 50), "vehicles": (100, 12),
            "vehicle_rounds": (426, 36), "broadcast_hours": (6_080, 45), "wechat_posts": (20_150, 48),
            "views": (100_400, 30)}
PLACES = ["涟钢生活区", "大科街道社区广场", "双峰县农贸市场", "新化县城汽车站", "冷水江市锑都广场", "涟源市人民医院门口",
          "娄星区万豪城市广场", "各村组微信群", "村村响广播", "乡镇集市"]

ENTRIES = [
    ("商铺因疫情不能营业，能否要求房东减免租金？",
     "承租的商铺因疫情防控措施不能营业，属于因不可抗力或者情势变更导致租赁目的部分不能实现。承租人可以先与出租人"
     "协商减免租金或者延长租期；协商不成的，可以请求人民法院根据公平原则变更合同，适当减免疫情影响期间的租金。"
     "国有企业房屋出租给中小微企业、个体工商户的，还可依照各地的减免政策申请免收或者减半收取租金。",
     "《中华人民共和国民法典》第五百三十三条（情势变更）、第五百九十条（不可抗力）", "租赁 商铺 房租 减免 不可抗力 情势变更",
     dt.date(2021, 1, 1), None),
    ("商铺因疫情不能营业，能否要求房东减免租金？（2020年适用）",
     "2020年疫情期间承租的商铺因防控措施不能营业的，承租人可以依据不可抗力的规定与出租人协商减免租金；协商不成的，"
     "人民法院会综合考虑疫情对租赁合同履行的影响程度，依照公平原则处理，适当减免或者延期支付租金。",
     "《中华人民共和国合同法》第一百一十七条；最高人民法院关于依法妥善审理涉新冠肺炎疫情民事案件若干问题的指导意见",
     "租赁 商铺 房租 减免 不可抗力", dt.date(2020, 1, 24), dt.date(2020, 12, 31)),
    ("故意隐瞒行程史导致新冠病毒传播，要承担什么法律责任？",
     "新冠肺炎确诊病人、病原携带者或者疑似病人故意隐瞒行程史、接触史，拒绝隔离治疗，引起新冠病毒传播或者有传播严重"
     "危险的，可能构成妨害传染病防治罪，后果特别严重的处三年以上七年以下有期徒刑；情节严重、危害公共安全的，还可能"
     "以危险方法危害公共安全罪追究刑事责任。尚不构成犯罪的，由公安机关依法给予治安管理处罚。",
     "《中华人民共和国刑法》第三百三十条、第一百一十四条、第一百一十五条；最高人民法院、最高人民检察院、公安部、司法部"
     "《关于依法惩治妨害新型冠状病毒感染肺炎疫情防控违法犯罪的意见》", "隐瞒行程 隐瞒 刑事责任 妨害传染病防治罪",
     dt.date(2020, 2, 6), None),
    ("被隔离期间，单位能不能停发工资？",
     "劳动者因被隔离治疗、医学观察或者因政府采取的紧急措施不能提供正常劳动的，企业应当支付其在此期间的工作报酬，"
     "不得因此解除劳动合同。被隔离人员隔离期间，所在单位不得停止支付其隔离期间的工作报酬。",
     "《中华人民共和国传染病防治法》第四十一条；人力资源社会保障部办公厅《关于妥善处理新型冠状病毒感染的肺炎疫情防控"
     "期间劳动关系问题的通知》", "工资 隔离 劳动报酬 劳动关系", dt.date(2020, 1, 24), None),
    ("拒不执行居家隔离会有什么后果？",
     "拒不执行政府依法发布的隔离决定、命令的，公安机关可以依法给予警告、罚款或者拘留；拒绝隔离治疗或者隔离期未满"
     "擅自脱离隔离治疗的，可以由公安机关协助医疗机构采取强制隔离措施；引起传染病传播或者有传播严重危险的，依法追究"
     "刑事责任。",
     "《中华人民共和国治安管理处罚法》第五十条；《中华人民共和国传染病防治法》第三十九条；《中华人民共和国刑法》第三百三十条",
     "居家隔离 拒绝隔离 治安处罚", dt.date(2020, 1, 24), None),
    ("疫情期间企业可以解除被隔离员工的劳动合同吗？",
     "对新冠肺炎患者、疑似病人、密切接触者在隔离治疗期间或者医学观察期间，以及因政府实施隔离措施或者采取其他紧急措施"
     "不能提供正常劳动的职工，企业不得依据劳动合同法第四十条、第四十一条与其解除劳动合同；劳动合同在此期间到期的，"
     "分别顺延至隔离期、医学观察期或者紧急措施结束。",
     "《中华人民共和国劳动合同法》第四十条、第四十一条；人力资源社会保障部办公厅《关于妥善处理新型冠状病毒感染的肺炎"
     "疫情防控期间劳动关系问题的通知》", "解除 劳动合同 隔离 员工", dt.date(2020, 1, 24), None),
    ("疫情期间有人哄抬口罩价格，应当怎么处理？",
     "经营者捏造、散布涨价信息，或者大幅度提高防疫用品价格的，属于哄抬价格的违法行为，可以向市场监管部门举报，由其"
     "责令改正、没收违法所得并处罚款；违反国家有关市场经营、价格管理等规定，哄抬物价、牟取暴利，严重扰乱市场秩序，"
     "违法所得数额较大或者有其他严重情节的，可能以非法经营罪追究刑事责任。",
     "《中华人民共和国价格法》第十四条、第四十条；《中华人民共和国刑法》第二百二十五条", "哄抬物价 口罩 价格 举报",
     dt.date(2020, 1, 24), None),
    ("在网上编造、转发疫情谣言要承担什么责任？",
     "散布谣言、谎报疫情，故意扰乱公共秩序的，由公安机关处拘留并可以罚款；编造虚假的疫情信息在信息网络或者其他媒体"
     "上传播，或者明知是虚假信息故意传播，严重扰乱社会秩序的，构成编造、故意传播虚假信息罪。转发前请核实信息来源。",
     "《中华人民共和国治安管理处罚法》第二十五条；《中华人民共和国刑法》第二百九十一条之一", "谣言 网络 疫情信息",
     dt.date(2020, 1, 24), None),
    ("因疫情取消了跟团旅游，已交的费用能退吗？",
     "因疫情防控措施不能出行，属于不可抗力。旅游合同解除的，组团社应当在扣除已向地接社或者履行辅助人支付且不可退还的"
     "费用后，将余款退还旅游者。婚宴、酒店等预订也可以依据不可抗力的规定协商解除并退还已付款项。",
     "《中华人民共和国旅游法》第六十七条；《中华人民共和国民法典》第五百九十条", "旅游 退费 不可抗力 取消",
     dt.date(2020, 1, 24), None),
    ("疫情耽误了申请劳动仲裁，时效怎么算？",
     "因疫情等不可抗力导致劳动者不能在一年的仲裁时效期间内申请劳动仲裁的，仲裁时效中止，从中止时效的原因消除之日起，"
     "仲裁时效期间继续计算。",
     "《中华人民共和国劳动争议调解仲裁法》第二十七条", "劳动仲裁 时效 不可抗力", dt.date(2020, 1, 24), None),
    ("社区要求登记出入信息、测量体温，居民必须配合吗？",
     "在疫情防控期间，一切单位和个人都应当接受疾病预防控制机构、医疗机构有关传染病的调查、检验、隔离治疗等预防、控制"
     "措施，如实提供有关情况；居民应当服从人民政府、居民委员会的指挥和安排，配合社区卡点的登记、测温等措施。",
     "《中华人民共和国传染病防治法》第十二条；《中华人民共和国突发事件应对法》第五十七条", "社区 卡点 登记 测温 配合",
     dt.date(2020, 1, 24), None),
    ("受疫情影响不能按时还房贷、信用卡怎么办？",
     "因感染新冠肺炎住院治疗或者隔离的人员、疫情防控需要隔离观察的人员以及受疫情影响暂时失去收入来源的人群，可以向"
     "贷款银行申请合理延后还款期限，银行对其个人住房贷款、信用卡等个人信贷可以灵活调整还款安排，相关逾期可以不作为"
     "征信报送。",
     "中国人民银行等五部门《关于进一步强化金融支持防控新型冠状病毒感染肺炎疫情的通知》", "房贷 信用卡 还款 征信",
     dt.date(2020, 2, 1), None),
    ("辱骂、殴打防疫人员和医护人员要承担什么责任？",
     "殴打、故意伤害医护人员或者防疫工作人员，由公安机关依法给予治安管理处罚；致人轻伤以上的，以故意伤害罪追究刑事"
     "责任。以暴力、威胁方法阻碍防疫工作人员依法履行职务的，以妨害公务罪定罪处罚。",
     "《中华人民共和国治安管理处罚法》第四十三条；《中华人民共和国刑法》第二百三十四条、第二百七十七条",
     "医护人员 防疫人员 殴打 妨害公务", dt.date(2020, 1, 24), None),
]

CALLS = [
    ("2020-02-18T09:12", "刘女士", "13807381234", "自己租的商铺因疫情不能营业，可以要求房东减点租金吗？", "lease", 1, True),
    ("2020-02-19T14:40", "", "0738-8312345", "公司说我隔离在家这十四天不发工资，合法吗？", "labour", 3, False),
    ("2020-02-21T10:05", "王先生", "15973812345", "邻居从武汉回来不报告，算不算违法？", "crime", 2, True),
]


def legal_demo() -> dict:
    """Entries, calls and the campaign; each part skipped once present. Returns what it added."""
    added = {"legal entries": 0, "hotline calls": 0, "publicity activities": 0}
    with transaction.atomic():
        forms_seed(path=PUBLICITY_FORM)
        if not KnowledgeEntry.objects.exists():
            for question, answer, basis, tags, valid_from, valid_to in ENTRIES:
                services.entry_save(data={"question": question, "answer": answer, "basis": basis, "tags": tags,
                                          "valid_from": valid_from, "valid_to": valid_to}, by=None)
            added["legal entries"] = len(ENTRIES)
        city = OrgUnit.objects.filter(code=DEMO_CITY).first()
        if city is None:
            return added
        entries = list(KnowledgeEntry.objects.order_by("id"))
        if not HotlineCall.objects.exists():
            for when, name, phone, question, category, entry, follow_up in CALLS:
                services.call_record(unit=city, entries=[entries[entry]], by=None, data={
                    "received_at": timezone.make_aware(dt.datetime.fromisoformat(when)), "caller_name": name,
                    "caller_phone": phone, "question": question, "category": category,
                    "answer": entries[entry].answer[:200], "follow_up_needed": follow_up,
                    "follow_up_note": "三日内回访" if follow_up else ""})
            added["hotline calls"] = len(CALLS)
        if not PublicityActivity.objects.exists():
            added["publicity activities"] = campaign_demo(city)
    return added


def campaign_rows(seed: int = 2020) -> list[tuple[str, int, dt.date, Decimal]]:
    """(kind, county index, day, quantity) for every activity: each kind's total split at random over its rows."""
    rng = random.Random(seed)
    days = (CAMPAIGN_END - CAMPAIGN_START).days
    rows = []
    for kind, (total, count) in CAMPAIGN.items():
        cuts = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        for size in sizes:
            rows.append((kind, rng.randrange(5), CAMPAIGN_START + dt.timedelta(days=rng.randrange(days + 1)),
                         Decimal(size)))
    return rows


def campaign_demo(city: OrgUnit) -> int:
    """The campaign's activities, recorded by the city's counties (rows of the publicity form)."""
    counties = list(city.children.order_by("code")[:5])
    rng = random.Random(7)
    objects = [PublicityActivity(unit=counties[i % len(counties)], unit_path=counties[i % len(counties)].path,
                                 kind=kind, quantity=quantity, day=day, place=rng.choice(PLACES))
               for kind, i, day, quantity in campaign_rows()]
    PublicityActivity.objects.bulk_create(objects)
    return len(objects)
