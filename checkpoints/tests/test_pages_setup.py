"""A site's and a team's posts on one object — a liaison's station ended, a worker taken off the roster — act in
the manager's scope (404 outside it), say a refusal on the page and go back to the page they came from."""

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext as _

from checkpoints import services
from checkpoints.tests.conftest import local


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(local(2020, 2, 21, 16, 0), tick=False) as traveller:
        yield traveller


def test_a_station_ended_on_the_sites_page_goes_back_to_it(gates, cast, client_for):
    station = gates.liaison.stations.get()
    assert client_for(cast.community_b_worker).post(f"/checkpoints/stations/{station.pk}/end/").status_code == 404
    station.refresh_from_db()
    assert station.end is None
    answer = client_for(cast.street_officer).post(f"/checkpoints/stations/{station.pk}/end/")
    assert answer.status_code == 302 and answer.url == f"/checkpoints/sites/{gates.enterprise.pk}/"
    station.refresh_from_db()
    assert station.end is not None


def test_a_worker_of_a_stopped_team_stays_on_the_roster_and_the_page_says_why(gates, cast, client_for):
    member = gates.members[2]
    services.team_suspend(team=gates.team, reason="密接排查", by=gates.liaison)
    officer = client_for(cast.street_officer)
    page = officer.post(f"/checkpoints/members/{member.pk}/remove/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.redirect_chain == [(f"/checkpoints/teams/{gates.team.pk}/", 302)]
    with translation.override("zh-hans"):
        assert _("The member's team is stopped; lift the suspension first.") in page.content.decode()
    member.refresh_from_db()
    assert member.left_at is None
    services.team_release(team=gates.team, by=gates.liaison)
    assert officer.post(f"/checkpoints/members/{member.pk}/remove/").url == f"/checkpoints/teams/{gates.team.pk}/"
    member.refresh_from_db()
    assert member.left_at is not None
