"""The reviewer's day: a 待审核 queue with counts on the home page and the 报表 page; a submitted report notifies
its reviewers, a return or an approval its submitter (the badge and e-mail, through core's outbox); the return's
reason at the top of the report; no recompute offered once submitted or approved; durations in 天/小时/分钟."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from accounts.models import Membership, User
from accounts.roles import Role
from core.models import Delivery
from core.notifications import notifications_about
from reports import services
from reports.tests.conftest import DAY, at


@pytest.fixture
def district(cast):
    """娄星区's command centre, as `louxing` of the demo: reviews the streets' reports."""
    user = User.objects.create_user(username="district", password="Test-password-2020", full_name="娄星区值班员",
                                    email="louxing@example.org")
    Membership.objects.create(user=user, role=Role.COMMAND, unit=cast.county, unit_path=cast.county.path)
    return user


def _submitted(form, cast, when: dt.datetime):
    with time_machine.travel(when, tick=False):
        draft = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
        return services.submission_submit(submission=draft, by=cast.street_officer)


def _queue(html: str) -> str:
    return html[html.index('id="review-queue"'):].split("</section>")[0]


def test_the_district_reviewer_has_a_queue_with_counts_oldest_first(cast, forms, district, client_for):
    first = _submitted(forms["abroad_daily"], cast, at(DAY, 16, 10))
    second = _submitted(forms["hubei_wuhan_daily"], cast, at(DAY, 16, 40))
    approved = _submitted(forms["close_contact_daily"], cast, at(DAY, 16, 20))
    services.submission_review(submission=approved, approve=True, by=district)
    client = client_for(district)

    with time_machine.travel(at(DAY, 18, 5), tick=False):
        reports_page = client.get("/reports/?day=2020-05-21").content.decode()
        home = client.get("/").content.decode()
    for page in (reports_page, home):
        queue = _queue(page)
        assert 'data-count="2"' in queue and "待审核" in queue
        assert queue.index(f'data-submission="{first.pk}"') < queue.index(f'data-submission="{second.pk}"')
        assert f'data-submission="{approved.pk}"' not in queue
        assert "1 小时 55 分钟" in queue  # waiting since 16:10
    assert "境外" in _queue(reports_page) and "<strong>1</strong>" in _queue(reports_page)  # per form
    # The street officer reviews the communities' reports: none waits; the queue is not on their home page.
    officer = client_for(cast.street_officer)
    assert 'data-count="0"' in _queue(officer.get("/reports/").content.decode())
    assert 'id="review-queue"' not in officer.get("/").content.decode()


def test_submit_notifies_the_reviewers_and_a_review_notifies_the_submitter(cast, forms, district, client_for,
                                                                         django_capture_on_commit_callbacks):
    cast.street_officer.email = "heying@example.org"
    cast.street_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted = _submitted(forms["hubei_wuhan_daily"], cast, at(DAY, 16, 10))
    told = notifications_about(submitted)
    assert [(n.recipient, n.kind) for n in told] == [(district, "report_submitted")]  # the nearest level only
    note = told.get()
    assert note.title == "待审核：涉鄂涉汉人员网格化管理日报 · 长青街道 · 2020年5月21日"
    assert note.url == f"/reports/s/{submitted.pk}/" and "贺英" in note.body
    assert set(Delivery.objects.filter(notification=note).values_list("channel", "state")) == {
        ("page", "sent"), ("email", "sent")}
    assert [m.to for m in mail.outbox] == [["louxing@example.org"]]
    page = client_for(district).get("/").content.decode()
    assert '<a class="badge unread" href="/notifications/"' in page and '<span class="count">1</span>' in page

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_review(submission=submitted, approve=False, comment="三元社区的居家隔离数请核实",
                                   by=district)
    returned = notifications_about(submitted).get(recipient=cast.street_officer)
    assert returned.kind == "report_returned" and returned.title.startswith("已退回：")
    assert "娄星区值班员" in returned.body and "三元社区的居家隔离数请核实" in returned.body
    assert mail.outbox[-1].to == ["heying@example.org"]

    again = services.submission_submit(submission=submitted, by=cast.street_officer)
    services.submission_review(submission=again, approve=True, by=district)
    kinds = list(notifications_about(submitted).filter(recipient=cast.street_officer).values_list("kind", flat=True))
    assert sorted(kinds) == ["report_approved", "report_returned"]


def test_the_return_reason_is_at_the_top_of_the_returned_report(cast, forms, district, client_for):
    submitted = _submitted(forms["hubei_wuhan_daily"], cast, at(DAY, 16, 10))
    services.submission_review(submission=submitted, approve=False, comment="请核实三元社区的居家隔离数",
                               by=district)
    page = client_for(cast.street_officer).get(f"/reports/s/{submitted.pk}/").content.decode()
    reason = page.index('id="return-reason"')
    assert reason < page.index('id="report-form"') < page.index('id="submit-box"')
    assert "请核实三元社区的居家隔离数" in page[reason:page.index('id="report-form"')]
    assert page.count("请核实三元社区的居家隔离数") == 2  # at the top, and in the history


def test_no_recompute_is_offered_on_submitted_or_approved_reports(cast, forms, district, client_for):
    approved = services.submission_review(submission=_submitted(forms["hubei_wuhan_daily"], cast, at(DAY, 16)),
                                          approve=True, by=district)
    _submitted(forms["abroad_daily"], cast, at(DAY, 16))
    services.submission_compute(form=forms["close_contact_daily"], unit=cast.street, day=DAY,
                                by=cast.street_officer)
    client = client_for(cast.street_officer)
    today = client.get("/reports/?day=2020-05-21").content.decode()
    rows = {code: row for code, row in re.findall(r'action="/reports/forms/([a-z_]+)/compute/"()', today)}
    assert "hubei_wuhan_daily" not in rows and "abroad_daily" not in rows
    assert "close_contact_daily" in rows and "confirmed_daily" in rows  # a draft, and one not computed yet
    assert 'value="recompute"' not in client.get(f"/reports/s/{approved.pk}/").content.decode()


def test_waiting_and_overdue_times_read_in_days_hours_and_minutes(cast, forms, client_for):
    with time_machine.travel(at(DAY, 16, 45), tick=False):
        waiting = client_for(cast.city_admin).get(f"/reports/board/?unit={cast.county.code}&day={DAY}")
    assert "剩余 15 分钟" in waiting.content.decode()
    later = at(DAY, 17) + dt.timedelta(days=2389, hours=16, minutes=7)  # the demo's 21 May seen years later
    with time_machine.travel(later, tick=False):
        board = client_for(cast.city_admin).get(f"/reports/board/?unit={cast.county.code}&day={DAY}")
        today = client_for(cast.street_officer).get("/reports/?day=2020-05-21")
    page = board.content.decode()
    assert "缺报" in page and "已逾期 2389 天 16 小时" in page
    assert "57352" not in page and "小时 7 分钟" not in page  # the two largest units only
    assert "已逾期 2389 天 16 小时" in today.content.decode()
