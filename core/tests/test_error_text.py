"""A domain error on a page never shows a field's key: reasons of the page's own fields go beside them, others
are shown without their key; and no page builds its messages from the keys by hand."""

from django import forms
from django.conf import settings
from django.utils import translation

from core.errors import DomainError
from core.forms import domain_error_text, form_add_domain_error, form_errors_text

RETURN = DomainError("comment_needed", "请说明退回原因。", fields={"comment": ["退回报表时必填。"],
                                                                   "431302004001.compounds": ["请填写非负整数，如 2"]})


class ReviewForm(forms.Form):
    comment = forms.CharField(label="意见", required=False)


def test_a_domain_error_is_told_without_its_field_keys():
    with translation.override("zh-hans"):
        assert domain_error_text(RETURN) == "请说明退回原因。；退回报表时必填。；请填写非负整数，如 2"
        assert domain_error_text(RETURN, labels={"comment": "意见"}) == (
            "请说明退回原因。；意见：退回报表时必填。；请填写非负整数，如 2")
        assert domain_error_text(DomainError("x", "请填写数字。", fields={"n": ["请填写数字。"]})) == "请填写数字。"


def test_a_form_gets_its_fields_reasons_beside_them_and_the_others_without_keys():
    form = ReviewForm({"comment": ""})
    form.is_valid()
    form_add_domain_error(form, RETURN)
    assert form.errors["comment"] == ["退回报表时必填。"]
    assert form.non_field_errors() == ["请说明退回原因。", "请填写非负整数，如 2"]
    with translation.override("zh-hans"):
        assert form_errors_text(form) == "请说明退回原因。；请填写非负整数，如 2；意见：退回报表时必填。"


def test_no_page_writes_a_field_key_into_a_message():
    """The pages render domain errors through core.forms; a key joined to its reasons by hand is found here."""
    by_hand = []
    patterns = ('f"{k}: {m}"', 'else f"{name}: {message}"', 'f"{name}: {problem}"', "if k in form.fields else k}")
    for path in settings.BASE_DIR.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        by_hand += [f"{path.relative_to(settings.BASE_DIR)}: {p}" for p in patterns if p in text]
    assert not by_hand
