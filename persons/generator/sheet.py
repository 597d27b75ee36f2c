"""A street's 台账 as officers keep it, messy, for testing the import: `street_sheet` draws the rows and what each
should become.

The header is the one streets use (序号, 姓名, 性别, 身份证号码, 联系电话, 现居住地址, 所属社区, 人员类别, 来娄时间,
管控措施, 备注); dates come as Excel serial numbers, 2020/3/5, 2020.03.05, 2020年3月5日, ISO, with a time, or
without the year (3月27日); ID numbers and phones with full-width digits, a lower-case x, spaces, +86; communities
by full or short name; 管控措施 by its name or a synonym (居家观察…), 集中隔离 without a site; some people listed
twice (a second category, a newer phone), and some ID numbers wrong. Everything comes from one
`random.Random(seed)`: the same seed and communities give the same sheet. Nothing is written to the database.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from stdnum.cn import ric

from persons.generator.vocabulary import GIVEN, HUBEI_CITIES, MOBILE_PREFIXES, SURNAMES

HEADER = ["序号", "姓名", "性别", "身份证号码", "联系电话", "现居住地址", "所属社区", "人员类别", "来娄时间", "管控措施", "备注"]
CATEGORIES = ("涉鄂人员", "涉汉人员", "密切接触者", "境外返娄人员")
# (word written, the status it means)
MEASURES = (("居家隔离", "居家隔离"), ("居家观察", "居家隔离"), ("居家医学观察", "居家隔离"), ("集中隔离", "集中隔离"),
            ("集中医学观察", "集中隔离"), ("居家健康监测", "居家健康监测"), ("健康监测", "居家健康监测"),
            ("住院治疗", "住院治疗"), ("解除管理", "解除管理"), ("已解除", "解除管理"))
EXCEL_EPOCH = dt.date(1899, 12, 30)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass
class Expected:
    """What a valid person of the sheet should be once imported (the later row's fields winning)."""

    name: str
    doc_number: str
    sex: str
    phone: str
    address: str
    community: str
    categories: dict = field(default_factory=dict)  # category name → arrival date
    status: str = ""


@dataclass
class StreetSheet:
    header: list[str]
    rows: list[list[str]]
    people: dict[str, Expected]  # document number → the person
    refused: dict[int, str]  # line → the title of the column whose cell is wrong
    merged: dict[int, int]  # line → the line it merges into
    year: int = 2020


def _surnames() -> list[str]:
    return [entry.rstrip("0123456789") for entry in SURNAMES.split()]


def street_sheet(*, communities: list[str], count: int, seed: int, bad_ids: int = 28, repeats: int = 60,
                 year: int = 2020) -> StreetSheet:
    """`count` rows over `communities` (their names): `bad_ids` with a wrong ID number, `repeats` listing again a
    person of an earlier row; the other rows are distinct people."""
    rng = random.Random(seed)
    surnames = _surnames()
    rows, people, refused, merged = [], {}, {}, {}
    first_line: dict[str, int] = {}
    bad_at = set(rng.sample(range(count), bad_ids))
    repeat_at = set(rng.sample(sorted(set(range(count // 4, count)) - bad_at), repeats))
    issued = set()
    written: list[tuple[str, list]] = []
    for i in range(count):
        line = i + 2
        if i in repeat_at and written:
            number, base = written[rng.randrange(len(written))]
            person = people[number]
            row = list(base)
            row[0] = str(i + 1)
            category = rng.choice([c for c in CATEGORIES if c not in person.categories] or CATEGORIES)
            day = dt.date(year, 3, 1) + dt.timedelta(days=rng.randrange(30))
            row[7], row[8] = category, _date_text(rng, day)
            if rng.random() < 0.5:
                person.phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                row[4] = person.phone
            word, status = rng.choice(MEASURES)
            row[9], person.status = word, status
            person.categories.setdefault(category, day)
            rows.append(row)
            merged[line] = first_line[number]
            continue
        sex = rng.choice("MF")
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
        while True:
            body = f"431302{born:%Y%m%d}{rng.randrange(500) * 2 + (1 if sex == 'M' else 0):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in issued:
                issued.add(number)
                break
        _single, singles, firsts, seconds = GIVEN[(sex, 1)]
        name = rng.choice(surnames) + rng.choice(firsts.split()) + rng.choice(seconds.split())
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        community = rng.choice(communities)
        category = rng.choice(CATEGORIES)
        day = dt.date(year, 1, 20) + dt.timedelta(days=rng.randrange(70))
        word, status = rng.choice(MEASURES)
        address = f"{community}{rng.randrange(1, 40)}栋{rng.randrange(1, 7)}单元{rng.randrange(1, 30)}号"
        written_number = _messy_number(rng, number)
        if i in bad_at:
            written_number = number[:17] + ("0" if number[17] != "0" else "1")
            refused[line] = "身份证号码"
        row = [str(i + 1), f" {name}" if rng.random() < 0.05 else name, "男" if sex == "M" else "女", written_number,
               _messy_phone(rng, phone), address,
               community if rng.random() < 0.7 else community.removesuffix("社区"), category, _date_text(rng, day),
               word, rng.choice(["", "", "", f"来自{rng.choice(HUBEI_CITIES)}", "独居老人"])]
        rows.append(row)
        if i not in bad_at:
            people[number] = Expected(name=name, doc_number=number, sex=sex, phone=phone, address=address,
                                      community=community, categories={category: day}, status=status)
            first_line[number] = line
            written.append((number, row))
    return StreetSheet(header=list(HEADER), rows=rows, people=people, refused=refused, merged=merged, year=year)


def _date_text(rng: random.Random, day: dt.date) -> str:
    """A date as one of the ways sheets write it."""
    kind = rng.randrange(8)
    if kind == 0:
        return str((day - EXCEL_EPOCH).days)
    if kind == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if kind == 2:
        return f"{day:%Y.%m.%d}"
    if kind == 3:
        return f"{day.year}年{day.month}月{day.day}日"
    if kind == 4:
        return f"{day.month}月{day.day}日"
    if kind == 5:
        return f"{day:%Y-%m-%d} {rng.randrange(7, 22)}:{rng.randrange(60):02d}"
    return day.isoformat()


def _messy_number(rng: random.Random, number: str) -> str:
    roll = rng.random()
    if roll < 0.04:
        return number.translate(FULL_WIDTH)
    if roll < 0.08:
        return number.lower()
    if roll < 0.11:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    return number


def _messy_phone(rng: random.Random, phone: str) -> str:
    roll = rng.random()
    if roll < 0.05:
        return f"+86 {phone}"
    if roll < 0.08:
        return phone.translate(FULL_WIDTH)
    if roll < 0.11:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return phone
