"""The demo's checkpoints: the gates of 三元社区 and of 娄底市涟钢振兴金华建设有限公司, where 康双丰 and 周里
were stationed from 12 February 2020, the company's evening shift teams of eight (颜某's among them), a
gate thermometer, and the enterprise daily prevention report. Idempotent."""

import datetime as dt
from pathlib import Path

from django.utils import timezone
from stdnum.cn import ric

from accounts.models import User
from accounts.roles import Role
from checkpoints import services
from checkpoints.models import Checkpoint, Device, Station, Team
from orgunits.demo import DEMO_STREET, grid_code
from orgunits.models import OrgUnit, Site
from persons.models import Person
from persons.services import person_register
from reports.services import forms_seed

REPORT_FORMS = Path(__file__).parent / "report_forms.json"
ENTERPRISE = "娄底市涟钢振兴金华建设有限公司"
ENTERPRISE_GATE = "厂区大门"
GATE_DEVICE = "LGZX-GATE-01"
STATIONED_FROM = dt.datetime(2020, 2, 12, 8, 0)
LIAISONS = [("kangshuangfeng", "康双丰"), ("zhouli", "周里")]
# (team, leader, [(name, badge)]): 颜某 of the seed report is in the first team.
TEAMS = [
    ("炼钢车间晚班一组", "王建国", [("王建国", "LG0101"), ("颜某", "LG0102"), ("李志强", "LG0103"),
                                   ("刘洋", "LG0104"), ("陈磊", "LG0105"), ("杨帆", "LG0106"),
                                   ("赵军", "LG0107"), ("黄伟", "LG0108")]),
    ("炼钢车间晚班二组", "周敏", [("周敏", "LG0201"), ("吴刚", "LG0202"), ("徐亮", "LG0203"),
                                 ("孙涛", "LG0204"), ("马超", "LG0205"), ("朱峰", "LG0206"),
                                 ("胡斌", "LG0207"), ("郭勇", "LG0208")]),
]
COMMUNITY_GATES = [("三元社区东门卡点", "东门"), ("三元社区北门卡点", "北门")]


def _free_resident_id(seq: int) -> str:
    """A valid resident ID number nobody holds yet (the demo's people are generated around it)."""
    for attempt in range(200):
        birth = dt.date(1978 + (seq + attempt) % 20, 1 + (seq * 7 + attempt) % 12, 1 + (seq * 3 + attempt) % 28)
        body = f"431302{birth:%Y%m%d}{(900 + seq * 3 + attempt) % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if not Person.objects.filter(doc_number=number).exists():
            return number
    raise RuntimeError("no free resident ID number for the demo")


def checkpoints_demo() -> dict[str, int]:
    """Create the demo's checkpoints, stations, teams and device if missing; load the report form."""
    from accounts.demo import DEMO_PASSWORD
    from accounts.services import user_create

    counts = {"checkpoints": 0, "shift teams": 0, "team members": 0}
    street = OrgUnit.objects.get(code=DEMO_STREET)
    enterprise = Site.objects.get(unit=street, name=ENTERPRISE)
    for site_name, gate in COMMUNITY_GATES:
        site = Site.objects.filter(name=site_name).first()
        if site is not None and not Checkpoint.objects.filter(site=site, name=gate).exists():
            services.checkpoint_create(site=site, name=gate, by=None)
            counts["checkpoints"] += 1
    checkpoint = Checkpoint.objects.filter(site=enterprise, name=ENTERPRISE_GATE).first()
    if checkpoint is None:
        checkpoint = services.checkpoint_create(site=enterprise, name=ENTERPRISE_GATE, by=None)
        counts["checkpoints"] += 1
    if not Device.objects.filter(code=GATE_DEVICE).exists():
        services.device_register(checkpoint=checkpoint, code=GATE_DEVICE, name="大门红外测温门", by=None)
    for username, full_name in LIAISONS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, full_name=full_name, role=Role.LIAISON,
                               unit=street, by=None)
        if not Station.objects.filter(user=user, site=enterprise).exists():
            services.station_assign(site=enterprise, user=user, start=timezone.make_aware(STATIONED_FROM), by=None)
    grid = OrgUnit.objects.get(code=grid_code(DEMO_STREET + "001", 1))
    seq = 0
    for team_name, leader, members in TEAMS:
        if Team.objects.filter(site=enterprise, name=team_name).exists():
            continue
        team = services.team_create(site=enterprise, name=team_name, leader=leader, leader_phone="", by=None)
        counts["shift teams"] += 1
        for name, badge in members:
            seq += 1
            person = person_register(data={"name": name, "doc_type": "resident_id",
                                           "doc_number": _free_resident_id(seq), "grid": grid.code,
                                           "address": "涟钢振兴金华职工宿舍"}, by=None)
            services.team_member_add(team=team, person=person, badge=badge,
                                     joined_at=timezone.make_aware(STATIONED_FROM), by=None)
            counts["team members"] += 1
    counts["report forms"] = forms_seed(path=REPORT_FORMS)
    return counts
