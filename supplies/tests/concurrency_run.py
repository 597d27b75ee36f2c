"""Run by test_concurrency.py in a process of its own, against the fresh database named by DATABASE_URL:
eight threads, each with its own connection, give out 30 of the same 100 masks at the same moment. Prints
how many postings went through, the codes of those refused, and what the warehouse holds, as JSON."""

import datetime as dt
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Sum  # noqa: E402

from core.errors import DomainError  # noqa: E402
from orgunits.models import OrgUnit  # noqa: E402
from supplies import services  # noqa: E402
from supplies.models import Item, Location, VoucherLine  # noqa: E402

THREADS = 8


def main() -> None:
    call_command("migrate", verbosity=0)
    city = OrgUnit.objects.create(code="431300", name="娄底市", kind="prefecture", path="431300/", depth=1)
    street = OrgUnit.objects.create(code="431302004", name="长青街道", kind="township", parent=city,
                                    path="431300/431302004/", depth=2)
    warehouse = services.location_create(unit=city, kind=Location.Kind.WAREHOUSE, name="红十字会物资仓库", by=None)
    store = services.location_create(unit=street, kind=Location.Kind.COMMUNITY, name="长青物资点", by=None)
    n95 = Item.objects.get(code="mask-n95")
    donor = services.donor_register(name="长青商会", kind="organisation", unit=city, by=None)
    services.donation_register(donor=donor, kind="goods", received_on=dt.date(2020, 2, 1), channel="delivery",
                               recipient=warehouse, lines=[(n95, 100, 0)], by=None)
    connection.close()
    posted, refused, failed = [], [], []
    barrier = threading.Barrier(THREADS)

    def give(n: int) -> None:
        try:
            barrier.wait()
            services.distribution_post(source=warehouse, target=store, lines=[(n95, 30)],
                                       occurred_on=dt.date(2020, 2, 2), by=None)
            posted.append(n)
        except DomainError as exc:
            refused.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            failed.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=give, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = VoucherLine.objects.filter(location=warehouse).aggregate(t=Sum("quantity"))["t"]
    print(json.dumps({"posted": len(posted), "refused": refused, "failed": failed, "held": str(held)}))


if __name__ == "__main__":
    main()
