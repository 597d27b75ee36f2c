"""The catalog of figures and what is written about it: the README's vocabulary table says what the catalog holds
(labels and definitions generated from the expressions), every measure and population of the catalog is in it, and
the default forms name figures of the catalog and carry the rules their parts make."""

import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from persons.models import CustomField
from reports.catalog import DEFAULT_FIGURES, figures_seed
from reports.definitions import definition
from reports.models import Figure
from reports.services import DEFAULT_FORMS

README = Path(__file__).resolve().parents[2] / "README.md"


def _table() -> list[list[str]]:
    text = README.read_text("utf-8")
    section = text.split("<!-- vocabulary:start -->", 1)[1].split("<!-- vocabulary:end -->", 1)[0]
    rows = [line.strip().strip("|").split(" | ") for line in section.strip().splitlines()[2:]]
    return [[cell.strip() for cell in row] for row in rows]


@pytest.mark.django_db
def test_the_readme_vocabulary_is_the_catalogs():
    CustomField.objects.create(key="nat_test", label="核酸检测", label_en="nucleic-acid test", type="choice",
                               choices=["阴性", "阳性", "未检测"])  # the demo's additional field, which the catalog counts
    figures_seed()
    catalog = {f.key: f for f in Figure.objects.all()}
    rows = _table()
    assert rows, "the README has no vocabulary table"
    with translation.override("zh-hans"):
        for key, label, _what, text in rows:
            figure = catalog.get(key.strip("`"))
            assert figure is not None, f"README names {key}, which the catalog does not have"
            assert label == f"{figure.label_zh}<br>{figure.label_en}", key
            assert text == definition(figure.expression), (
                f"README's definition of {key} is not the generated one:\n| {key} | {label} | … | "
                f"{definition(figure.expression)} |")
    measures = {f.label_zh.split("·", 1)[1] for f in catalog.values()}
    shown = {label.split("<br>")[0].split("·", 1)[1] for _k, label, _w, _t in rows}
    assert measures - shown == set(), "measures of the catalog missing from the README's table"
    populations = {f.label_zh.split("·", 1)[0] for f in catalog.values()}
    intro = README.read_text("utf-8").split("<!-- vocabulary:start -->", 1)[0].rsplit("## 指标口径", 1)[1]
    assert {p for p in populations if p not in intro} == set(), "populations missing from the README"


def test_catalog_labels_name_population_and_measure_once():
    specs = json.loads(DEFAULT_FIGURES.read_text("utf-8"))["figures"]
    keys = [s["key"] for s in specs]
    assert len(set(keys)) == len(keys)
    for field in ("label_zh", "label_en"):
        labels = [s[field] for s in specs]
        assert len(set(labels)) == len(labels), field
    assert all(s["label_zh"].count("·") == 1 for s in specs)
    assert not any(re.search("(?<!正)在管", s["label_zh"] + s["short_zh"]) for s in specs), "在管 is never a label"
    for spec in specs:
        assert all(p in keys for p in spec.get("parts", [])), spec["key"]


def _side_keys(text: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)


def test_default_forms_name_figures_and_say_that_parts_make_their_whole():
    """Where a form shows a whole and all of its parts, it carries the rule: "=" for parts, "<=" for each 其中."""
    figures = {s["key"]: s for s in json.loads(DEFAULT_FIGURES.read_text("utf-8"))["figures"]}
    forms = json.loads(DEFAULT_FORMS.read_text("utf-8"))["forms"]
    for form in forms:
        for version in form["versions"]:
            where = f"{form['code']} @ {version['effective_from']}"
            columns = {c["figure"]: c["key"] for c in version["columns"] if c.get("figure")}
            assert all(c.get("figure") in figures for c in version["columns"] if c.get("kind") != "manual"), where
            rules = {(r["left"], r["op"], tuple(sorted(_side_keys(r["right"])))) for r in version["rules"]}
            for key, column in columns.items():
                parts = figures[key].get("parts", [])
                if not parts or not all(p in columns for p in parts):
                    continue
                if figures[key].get("parts_overlap"):  # labelled 其中 under the whole, each at most the whole
                    for part in parts:
                        assert figures[part]["short_zh"].startswith("其中："), f"{where}: {part}"
                        assert (columns[part], "<=", (column,)) in rules, f"{where}: {part} <= {key}"
                    assert (column, "<=", tuple(sorted(columns[p] for p in parts))) in rules, where
                else:
                    assert (column, "=", tuple(sorted(columns[p] for p in parts))) in rules, f"{where}: {key}"
