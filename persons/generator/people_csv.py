"""A street's 台账 as a CSV file of valid people, for the import's benchmark and its crash-safety test: one row
per person in the layout streets keep (序号, 现居住地址, 联系电话, a birth date written as ISO, 1990/3/5, 1990年3月5日
or an Excel serial number; valid resident IDs, names, phones some with +86 or dashes, addresses), written row by
row so that a million rows need no memory. Deterministic: the same `n` and grids give the same file.
"""

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from stdnum.cn import ric

from core.tabular import csv_as_sent
from orgunits.models import OrgUnit

REGIONS = ["431302", "431321", "431322", "431381", "431382"]  # 娄星区, 双峰县, 新化县, 冷水江市, 涟源市
SURNAMES = "刘李王张陈周黄杨罗彭曾肖谭吴胡唐邓贺邹赵谢袁龚蒋孙朱何徐郭马"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌玉梅春林海燕辉鹏飞"
RELATIONS = ["户主", "配偶", "子女", "子女", "父母"]
FIRST_BIRTH = dt.date(1938, 1, 1).toordinal()
HEADER = ["序号", "姓名", "性别", "身份证号码", "出生日期", "联系电话", "现居住地址", "网格编码", "与户主关系", "备注"]
EXCEL_EPOCH = dt.date(1899, 12, 30)
SEED = 20200521


def people_csv_write(path: Path, n: int, grids: Sequence[OrgUnit]) -> None:
    """Write `n` valid people to `path` (UTF-8 with a BOM, cells as a sheet holds them), spread over `grids` in turn,
    each grid's community (its parent) naming the address."""
    csv_as_sent(path, header=HEADER, rows=_people(n, grids))


def _people(n: int, grids: Sequence[OrgUnit]) -> Iterator[list]:
    rng = random.Random(SEED)
    days = 30000  # birth dates from 1938 to 2020
    for i in range(n):
        region, rest = REGIONS[i % len(REGIONS)], i // len(REGIONS)
        born = dt.date.fromordinal(FIRST_BIRTH + rest % days)
        seq = (rest // days) * 37 % 1000  # (region, birth, seq) differs for every i
        body = f"{region}{born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        grid = grids[i % len(grids)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        if i % 50 == 0:
            phone = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        elif i % 50 == 1:
            phone = f"+86 {phone}"
        yield [i + 1, name + (" " if i % 100 == 0 else ""), "男" if int(number[16]) % 2 else "女", number,
               birth_text(born, i), phone, f"{grid.parent.name}{rng.randrange(1, 60)}栋{rng.randrange(1, 7)}单元",
               grid.code, RELATIONS[i % len(RELATIONS)], ""]


def birth_text(born: dt.date, i: int) -> str:
    """A birth date the ways sheets write one (row `i` picks): ISO, 1990/3/5, 1990年3月5日 or Excel's serial number."""
    kind = i % 4
    if kind == 0:
        return born.isoformat()
    if kind == 1:
        return f"{born.year}/{born.month}/{born.day}"
    if kind == 2:
        return f"{born.year}年{born.month}月{born.day}日"
    return str((born - EXCEL_EPOCH).days)
