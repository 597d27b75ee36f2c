"""Before the first report under new criteria goes up, the jump is explained: the new columns over the last 14 days
next to the version in force, and for a number that differs, who is counted now and not before (or before and not
now), grouped by the rule that changed, as the officer may see them."""

import datetime as dt

from reports.engine import version_for
from reports.jumps import CHANGED, DROPPED, NEW, SAME, jump_explain
from reports.tests.conftest import DAY, at, register


def _columns(form, **changed) -> list[dict]:
    """The version in force's columns, with the expressions of `changed` replaced (key → expression)."""
    columns = [dict(c) for c in version_for(form, DAY).columns]
    for column in columns:
        if column["key"] in changed:
            column["expression"] = changed.pop(column["key"])
    return columns + [{"key": key, "kind": "indicator", "label_zh": key, "expression": e} for key, e in changed.items()]


def test_a_narrower_criterion_shows_its_jump_day_by_day_and_who_left_the_count_and_why(cast, forms):
    form = forms["hubei_wuhan_daily"]
    register(cast, 1, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")
    register(cast, 2, cast.grid_a, "hubei", at(DAY - dt.timedelta(days=3), 10), "home_quarantine")
    wuhan = register(cast, 3, cast.grid_b, "wuhan", at(DAY, 11), "home_quarantine")
    columns = _columns(form, new_today="count people where category = hubei started in period",
                       hubei_now="count people where category = hubei")
    columns = [c for c in columns if c["key"] != "released_today"]
    jumps = {j.key: j for j in jump_explain(form=form, columns=columns, unit=cast.street, day=DAY,
                                            user=cast.street_officer)}
    new_today = jumps["new_today"]
    assert new_today.state == CHANGED and new_today.day == DAY
    assert len(new_today.days) == 14 and new_today.days[-1] == (DAY, 2, 1)
    assert new_today.days[-4] == (DAY - dt.timedelta(days=3), 1, 1)  # the day nothing differed
    (group,) = new_today.groups
    assert not group.entered and group.count == 1 and [row["label"] for row in group.rows] == [wuhan.name]
    assert "涉鄂" in group.rule or "hubei" in group.rule.lower() or "Hubei" in group.rule
    assert jumps["cumulative"].state == SAME and jumps["cumulative"].groups == []
    assert jumps["hubei_now"].state == NEW and jumps["hubei_now"].days[-1] == (DAY, None, 2)
    assert jumps["released_today"].state == DROPPED


def test_who_entered_the_count_is_shown_only_as_far_as_the_viewer_may_see(cast, forms):
    form = forms["hubei_wuhan_daily"]
    register(cast, 1, cast.grid_a, "overseas_returnee", at(DAY, 10), "home_quarantine")
    register(cast, 2, cast.grid_b, "overseas_returnee", at(DAY, 10), "home_quarantine")
    columns = _columns(form, new_today="count people where category in (hubei, wuhan, overseas_returnee) "
                                       "started in period")
    jumps = {j.key: j for j in jump_explain(form=form, columns=columns, unit=cast.street, day=DAY,
                                            user=cast.grid_a_worker)}
    (group,) = jumps["new_today"].groups
    assert group.entered and group.count == 2 and len(group.rows) == 1  # grid B's person is counted, not shown
