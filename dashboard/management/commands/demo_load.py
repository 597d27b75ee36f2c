"""manage.py demo_load: the demo city (娄底市, 长青街道 and its communities) and its users; idempotent."""

from django.core.management.base import BaseCommand
from django.utils import translation

from accounts.demo import DEMO_PASSWORD, demo_users
from checkpoints.demo import checkpoints_demo
from intake.demo import intake_demo
from legal.demo import legal_demo
from orgunits.demo import demo_tree
from persons.demo import nat_test_demo, persons_demo
from reports.demo import reports_demo
from supplies.demo import supplies_demo
from tracing.demo import tracing_demo
from volunteers.demo import volunteers_demo


class Command(BaseCommand):
    help = "Load the deterministic demo city and its users. A second run keeps existing data and adds nothing twice."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
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
        self.stdout.write("demo city: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, full_name, role in users:
            self.stdout.write(f"  {username:<16} {full_name:<12} {role}")
        self.stdout.write("")
        self.stdout.write("Open http://127.0.0.1:8000/ and log in, e.g. as heying (长青街道 information officer).")
