"""The one way pages post a form to a service, show a domain error, read their day and go back (core.pages):
what the person reads after each outcome, and which `next` a post may be sent back to."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import translation

from core.errors import DomainError
from core.pages import page_back, page_call, page_day, page_error, page_form_post


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label="数量", min_value=1)
    note = forms.CharField(label="备注", required=False)


def _request(method: str = "post", data: dict | None = None, *, secure: bool = False):
    request = getattr(RequestFactory(), method)("/supplies/", data or {}, secure=secure)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _refuse(data):
    raise DomainError("insufficient", "库存不足。", fields={"quantity": ["最多可出库 3 件。"], "lines.0": ["批次已冻结。"]})


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def test_a_post_that_breaks_a_rule_says_why_with_its_fields_labels_and_is_not_ok():
    request = _request(data={"quantity": "5"})
    posted = page_form_post(request, QuantityForm(request.POST), _refuse)
    assert not posted and posted.result is None
    assert _said(request) == [("error", "库存不足。；数量：最多可出库 3 件。；批次已冻结。")]


def test_an_invalid_form_is_said_in_one_message_and_the_service_is_not_called():
    request = _request(data={"quantity": "0"})
    calls = []
    posted = page_form_post(request, QuantityForm(request.POST), calls.append)
    assert not posted and calls == []
    assert _said(request) == [("error", "数量：确保该值大于或等于1。")]


def test_on_a_page_that_shows_its_form_the_reasons_stay_beside_the_fields_without_a_message():
    request = _request(data={"quantity": "5"})
    form = QuantityForm(request.POST)
    assert not page_form_post(request, form, _refuse, on_form=True)
    assert form.errors["quantity"] == ["最多可出库 3 件。"]
    assert form.non_field_errors() == ["库存不足。", "批次已冻结。"]
    assert _said(request) == []
    invalid = QuantityForm({"quantity": "x"})
    assert not page_form_post(request, invalid, _refuse, on_form=True)
    assert "quantity" in invalid.errors and _said(request) == []


def test_a_saved_post_says_saved_and_hands_back_what_the_service_returned():
    request = _request(data={"quantity": "2", "note": "东门"})
    posted = page_form_post(request, QuantityForm(request.POST), lambda d: d["quantity"] * 10)
    assert posted and posted.result == 20
    assert _said(request) == [("success", "已保存。")]


def test_what_the_service_set_in_motion_is_said_beside_the_success_as_a_warning():
    request = _request()
    done = SimpleNamespace(notices=["体温 38.5 °C 已记为发热，已通知网格员。"])
    assert page_call(request, lambda: done, done="已出库。")
    assert _said(request) == [("warning", "已出库。 体温 38.5 °C 已记为发热，已通知网格员。")]


def test_the_success_message_may_name_what_the_service_made_or_be_left_to_the_caller():
    request = _request()
    assert page_call(request, lambda: "V-0001", done=lambda number: f"凭证 {number} 已过账。")
    assert page_call(request, lambda: None, done=lambda _result: None)
    assert page_call(request, lambda: None, done="")
    assert _said(request) == [("success", "凭证 V-0001 已过账。"), ("success", "已保存。")]


def test_a_domain_error_outside_a_form_is_one_message_without_field_keys():
    request = _request()
    page_error(request, DomainError("outranked", "您不能修改上级的账号。", fields={"user_id": ["权限不足。"]}))
    assert not page_call(request, lambda: _refuse(None))
    assert _said(request) == [("error", "您不能修改上级的账号。；权限不足。"),
                              ("error", "库存不足。；最多可出库 3 件。；批次已冻结。")]


@time_machine.travel(dt.datetime(2020, 5, 21, 17, 30, tzinfo=dt.UTC), tick=False)
def test_a_page_shows_the_day_asked_for_or_today_in_local_time():
    assert page_day(_request("get", {"day": "2020-02-03"})) == dt.date(2020, 2, 3)
    assert page_day(_request("get", {"day": " 2020-02-03 "})) == dt.date(2020, 2, 3)
    assert page_day(_request("get")) == dt.date(2020, 5, 22)  # 01:30 in Asia/Shanghai
    for unreadable in ("2020-02-30", "9999-12-31", "0001-01-01", "yesterday"):
        assert page_day(_request("get", {"day": unreadable})) == dt.date(2020, 5, 22)
    assert page_day(_request("get", {"until": "2020-05-01"}), "until") == dt.date(2020, 5, 1)
    assert page_day(_request("get"), "from", default=dt.date(2020, 4, 25)) == dt.date(2020, 4, 25)


@time_machine.travel(dt.datetime(2020, 5, 21, 3, 0, tzinfo=dt.UTC), tick=False)
def test_a_download_asked_for_an_unreadable_day_gets_none_rather_than_another_days_file():
    assert page_day(_request("get", {"day": "2020-13-01"}), strict=True) is None
    assert page_day(_request("get", {"day": "  "}), strict=True) == dt.date(2020, 5, 21)
    assert page_day(_request("get"), strict=True) == dt.date(2020, 5, 21)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "javascript:alert(1)", "http://testserver/tracing/", "tracing/tasks/", ""])
def test_a_post_goes_back_only_to_a_path_of_this_site(target):
    response = page_back(_request(data={"next": target}), "tracing:follow_up_detail", 7)
    assert response.url == "/tracing/follow-up/7/"


def test_a_post_goes_back_to_the_page_it_came_from_with_its_query():
    response = page_back(_request(data={"next": "/tracing/follow-up/?seen=0&unit=431302004001"}), "home")
    assert response.url == "/tracing/follow-up/?seen=0&unit=431302004001"
    assert page_back(_request(data={"next": "/"}, secure=True), "tracing:my_tasks").url == "/"


def test_a_post_kept_to_its_own_pages_goes_nowhere_else():
    assert page_back(_request(data={"next": "/volunteers/roster/3/?day=2020-05-21"}), "volunteers:home",
                     under="/volunteers/").url == "/volunteers/roster/3/?day=2020-05-21"
    assert page_back(_request(data={"next": "/persons/"}), "volunteers:home", under="/volunteers/").url == (
        "/volunteers/")


def test_no_view_shows_a_domain_error_reads_a_day_or_follows_next_by_hand():
    """Every page goes through core.pages for these; a view that writes its own copy is found here."""
    from django.conf import settings

    by_hand = ("messages.error(request, str(exc", "messages.error(request, domain_error_text(",
               "messages.error(request, form_errors_text(", "day_parse(request.GET", "url_has_allowed_host_and_scheme",
               'request.POST.get("next") or', "def _error_text(", "def _error_message(", "def _post_form(",
               "def _day(")
    views = [p for p in settings.BASE_DIR.glob("*/views*.py")] + list(settings.BASE_DIR.glob("*/views/*.py"))
    assert len(views) > 20
    found = [f"{p.relative_to(settings.BASE_DIR)}: {pattern}" for p in views
             for pattern in by_hand if pattern in p.read_text(encoding="utf-8")]
    assert not found
