"""Every indicator the documentation gives as an example parses and is accepted by its source: the language's
own description (reports/expressions.py, which README points to), the definitions' module, each fact source's
description (<app>/facts.py) and the indicator field's help text."""

import ast
import re
from pathlib import Path

import pytest

from reports.engine import expression_check
from reports.expressions import ExpressionError, parse

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = [ROOT / "reports" / "expressions.py", ROOT / "reports" / "definitions.py",
              *sorted(ROOT.glob("*/facts.py"))]
# An example on a line of its own (indented, a comment after "--" allowed), or quoted whole in the prose.
_ON_ITS_OWN = re.compile(r"^\s{4,}((?:count|sum) \S.*?)\s*(?:--.*|→.*)?$", re.M)
_QUOTED = re.compile(r"[\"“`]((?:count|sum) [^\"”`…]+?)[\"”`]")


def examples(text: str) -> list[str]:
    found = [m.group(1) for m in _ON_ITS_OWN.finditer(text)] + [m.group(1) for m in _QUOTED.finditer(text)]
    return [" ".join(e.split()) for e in found]


def documented_examples() -> list[tuple[str, str]]:
    out = []
    for path in DOCUMENTED:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = [ast.get_docstring(node) or "" for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)]
        out += [(path.relative_to(ROOT).as_posix(), e) for doc in docstrings for e in examples(doc)]
    forms = (ROOT / "reports" / "forms.py").read_text(encoding="utf-8")
    out += [("reports/forms.py", e) for e in examples(forms)]
    return out


EXAMPLES = documented_examples()


def test_the_documentation_gives_examples_from_every_source():
    sources = {parse(text).source for _where, text in EXAMPLES}
    assert len(EXAMPLES) >= 15
    assert {"people", "publicity", "supplies", "staff", "communities", "volunteers"} <= sources


@pytest.fixture
def nat_test_field(db):
    """The demo's additional field 核酸检测 (custom.nat_test), which an example counts by."""
    from persons.demo import NAT_TEST_FIELD
    from persons.services import custom_field_save

    custom_field_save(data={"key": NAT_TEST_FIELD, "label": "核酸检测", "label_en": "nucleic-acid test",
                            "type": "choice", "choices": ["阴性", "阳性", "未检测"]}, by=None)


def test_every_documented_indicator_parses_and_its_source_accepts_it(nat_test_field):
    refused = []
    for where, text in EXAMPLES:
        try:
            expression_check(text)
        except ExpressionError as exc:
            refused.append(f"{where}: {text!r}: {exc}")
    assert refused == []


def test_the_examples_are_read_as_written():
    text = '''
    count people where category in (hubei, wuhan)   -- 涉鄂涉汉
    → 类别为涉鄂人员的人数
the stock: "sum quantity of supplies where item = mask-n95 and
place = warehouse" and "count people where …" (a fragment) and "count people"'''
    assert examples(text) == ["count people where category in (hubei, wuhan)",
                              "sum quantity of supplies where item = mask-n95 and place = warehouse", "count people"]
