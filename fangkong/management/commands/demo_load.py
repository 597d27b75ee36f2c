"""manage.py demo_load: the demo city (娄底市, 长青街道 and its communities) and its users; idempotent."""

from django.core.management.base import BaseCommand
from django.utils import translation

from accounts.demo import DEMO_PASSWORD
from fangkong.demo import demo_load


class Command(BaseCommand):
    help = "Load the deterministic demo city and its users. A second run keeps existing data and adds nothing twice."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        counts, users = demo_load()
        self.stdout.write("demo city: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, full_name, role in users:
            self.stdout.write(f"  {username:<16} {full_name:<12} {role}")
        self.stdout.write("")
        self.stdout.write("Open http://127.0.0.1:8000/ and log in, e.g. as heying (长青街道 information officer).")
