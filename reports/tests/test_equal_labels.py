"""One meaning per label, on the demo street, read off the pages: the home page and the five daily forms (computed)
for 长青街道 on 2020-05-21 and on today. Every figure shown carries its key; the test fails when a label shows two
numbers for the same unit and day, when two keys share a label, when a figure appears under two labels, when parts
shown under a whole do not make it up (the catalog's parts on the home page, the forms' "=" and "<=" rules), or when
a figure does not open exactly what it counts."""

import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from orgunits.demo import DEMO_STREET
from orgunits.models import OrgUnit
from reports.engine import version_for
from reports.models import Figure, Form
from reports.tests.figures_read import figures_read

DAYS = ["2020-05-21", "today"]


@pytest.fixture
def demo(db, settings):
    call_command("demo_load", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return OrgUnit.objects.get(code=DEMO_STREET)


def _pages(client, street, day: str) -> dict[str, str]:
    """The home page and the five forms, computed, for the street on `day` (YYYY-MM-DD)."""
    pages = {"home": client.get(f"/?unit={street.code}&day={day}").content.decode()}
    for form in Form.objects.filter(code__in=_five()):
        response = client.post(f"/reports/forms/{form.code}/compute/", {"unit": street.code, "day": day})
        assert response.status_code == 302, form.code
        pages[form.code] = client.get(response.url).content.decode()
    return pages


def _five() -> list[str]:
    return ["hubei_wuhan_daily", "abroad_daily", "overseas_returnee_daily", "close_contact_daily", "confirmed_daily"]


def _side(text: str, values: dict[str, float]) -> float | None:
    total = 0.0
    for sign, name in re.findall(r"([+-]?)\s*([A-Za-z_][A-Za-z0-9_]*|\d+)", text):
        value = float(name) if name.isdigit() else values.get(name)
        if value is None:
            return None
        total += -value if sign == "-" else value
    return total


def test_one_label_one_number_on_the_home_page_and_the_five_forms(demo, client_for):
    street = demo
    client = client_for(User.objects.get(username="heying"))
    catalog = {f.key: f for f in Figure.objects.all()}
    labels_of_key: dict[str, set[str]] = defaultdict(set)
    keys_of_label: dict[str, set[str]] = defaultdict(set)
    numbers: dict[tuple[str, str, str], set[float]] = defaultdict(set)
    broken: list[str] = []
    for day in [d if d != "today" else timezone.localdate().isoformat() for d in DAYS]:
        pages = _pages(client, street, day)
        for name, html in pages.items():
            shown = figures_read(html)
            assert shown, name
            page_labels = {f.key: f.label for f in shown if f.label}
            for f in shown:
                label = f.label or page_labels.get(f.key, "")
                assert label, f"{name} {day}: {f.key} is shown without its label"
                labels_of_key[f.key].add(label)
                keys_of_label[label].add(f.key)
                if f.value is not None:
                    assert f.unit and f.day == day, f"{name} {day}: {f.key} does not say its unit and day"
                    numbers[(label, f.unit, f.day)].add(f.value)
            if name == "home":  # the catalog's parts, as shown under their whole
                values = {f.key: f.value for f in shown}
                for f in shown:
                    if not f.part_of:
                        continue
                    whole = catalog[f.part_of]
                    parts = [values[p] for p in whole.parts]
                    ok = (all(p <= values[whole.key] for p in parts) and values[whole.key] <= sum(parts)
                          if whole.parts_overlap else values[whole.key] == sum(parts))
                    if not ok:
                        broken.append(f"{day} home: {whole.label} {values[whole.key]} ≠ {parts}")
            else:  # the form's rules between its columns, row by row
                version = version_for(Form.objects.get(code=name), timezone.datetime.fromisoformat(day).date())
                column_of = {c.get("figure"): c["key"] for c in version.columns if c.get("figure")}
                rows: dict[str, dict[str, float]] = defaultdict(dict)
                for f in shown:
                    if f.value is not None and f.key in column_of:
                        rows[f.unit][column_of[f.key]] = f.value
                assert street.code in rows, f"{name} {day}: no total row read"
                for rule in version.rules:
                    if rule["op"] not in ("=", "<="):
                        continue
                    for unit, cells in rows.items():
                        left, right = _side(rule["left"], cells), _side(rule["right"], cells)
                        if left is not None and right is not None and not (
                                left == right if rule["op"] == "=" else left <= right):
                            broken.append(f"{day} {name} {unit}: {rule['left']} {rule['op']} {rule['right']} "
                                          f"({left} vs {right})")
        # every figure of the home page opens exactly what it counts
        for f in figures_read(pages["home"]):
            if f.key in catalog:
                opened = figures_read(client.get(f"/reports/figures/{f.key}/?unit={street.code}&day={day}")
                                      .content.decode())
                assert opened[0].key == f.key and opened[0].value == f.value, (day, f.key, f.value, opened[0])

    assert not broken, broken
    assert {k: v for k, v in labels_of_key.items() if len(v) > 1} == {}, "a figure under two labels"
    assert {k: v for k, v in keys_of_label.items() if len(v) > 1} == {}, "two figures under one label"
    assert {k: v for k, v in numbers.items() if len(v) > 1} == {}, "one label, two numbers"
    for key, labels in labels_of_key.items():  # a catalog figure shows the catalog's label
        if key in catalog:
            assert labels == {catalog[key].label_zh}, (key, labels)
    # the seed's figures, under labels that say what they count
    on_the_day = {label: values for (label, unit, day), values in numbers.items()
                  if unit == street.code and day == "2020-05-21"}
    assert on_the_day["涉鄂涉汉人员·登记在册"] == {459}
    assert on_the_day["涉鄂涉汉人员·正在管理"] == {24} and on_the_day["涉鄂涉汉人员·已解除管理"] == {435}
    assert on_the_day["境外及拟返娄人员·合计"] == {412} and on_the_day["拟返娄人员·登记在册"] == {106}
    assert on_the_day["境外返娄人员·正在管理"] == {30}
    assert on_the_day["密切接触者·登记在册"] == {42}
