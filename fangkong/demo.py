"""The demo city (娄底市, 长青街道 and its communities) and its users: each app loads its own part (its demo.py),
this puts them together in the order they lean on each other. The project owns it because it alone knows every
app; `manage.py demo_load` (and so `make run`) calls it."""

from django.conf import settings
from django.utils import timezone, translation

from accounts.demo import demo_users
from checkpoints.demo import checkpoints_demo
from core.partitions import maintain_all
from fangkong.event_tables import EVENT_TABLES
from intake.demo import intake_demo
from legal.demo import legal_demo
from orgunits.demo import demo_tree
from persons.demo import nat_test_demo, persons_demo
from reports.demo import reports_demo
from supplies.demo import supplies_demo
from tracing.demo import tracing_demo
from volunteers.demo import volunteers_demo


def demo_load() -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Load the deterministic demo city; a second run keeps existing data and adds nothing twice. Returns what was
    added by kind and the demo logins (username, full name, role)."""
    with translation.override("zh-hans"):
        counts = demo_tree()
        users = demo_users()
        people = persons_demo()  # 长青街道's line list as reported on 21 May 2020; skipped once it has people
        counts["people"] = people.people if people else 0
        counts["test results"] = nat_test_demo()
        counts["form versions"] = reports_demo()
        counts.update(legal_demo())
        counts.update(checkpoints_demo())  # gates, stationed liaisons (康双丰, 周里), shift teams, the enterprise report
        counts.update(supplies_demo())  # the Red Cross, the 58,200 yuan gift, needs, deliveries, published lists
        counts.update(tracing_demo())  # the week's cases, a chain of three generations, follow-up, today's tasks
        counts.update(intake_demo())  # posters, a declaration waiting in 三元社区, a self-report link of 周小安
        counts.update(volunteers_demo())  # the audit bureau's front-line team: 何芳's shifts, 58 days stationed
    # The city's 2020 events into monthly partitions of their own (PostgreSQL), retention left to the daily run.
    maintain_all(EVENT_TABLES, today=timezone.localdate(), ahead=settings.PARTITIONS_AHEAD_MONTHS, keep={})
    return counts, users
