"""Signing in and out, lockout, password change, language, API tokens."""

import io

import pytest
from django.test import Client

from accounts import services
from accounts.models import User
from core.models import AuditEntry


def test_login_and_logout(cast):
    client = Client()
    response = client.post("/accounts/login/", {"username": "grid_a", "password": "Test-password-2020"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_pages_require_login(db):
    response = Client().get("/units/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_lockout_after_repeated_failures(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "grid_a", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "grid_a", "password": "Test-password-2020"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_csrf_is_enforced_on_forms(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "grid_a", "password": "Test-password-2020"})
    assert response.status_code == 403


def test_password_change_is_audited_and_keeps_the_session(cast, client_for):
    client = client_for(cast.grid_a_worker)
    response = client.post("/accounts/password/", {"old_password": "Test-password-2020",
                                                   "new_password1": "Changed-pass-2021",
                                                   "new_password2": "Changed-pass-2021"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(pk=cast.grid_a_worker.pk).check_password("Changed-pass-2021")
    entry = AuditEntry.objects.filter(object_id=str(cast.grid_a_worker.pk), action="update").latest("at")
    assert entry.note and entry.after is None  # the hash is never logged


def test_chinese_by_default_and_english_per_user(cast, client_for):
    client = client_for(cast.grid_a_worker)
    assert 'lang="zh-hans"' in client.get("/").content.decode()
    client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=cast.grid_a_worker.pk).language == "en"
    fresh = client_for(User.objects.get(pk=cast.grid_a_worker.pk))  # a new browser: the account remembers
    assert 'lang="en"' in fresh.get("/").content.decode()


def test_unknown_language_is_refused(cast, client_for):
    assert client_for(cast.grid_a_worker).post("/accounts/language/", {"language": "xx"}).status_code == 404


def test_open_redirect_is_refused(cast, client_for):
    response = client_for(cast.grid_a_worker).post("/accounts/language/",
                                                   {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.fixture
def token_key(cast):
    _token, key = services.token_create(user=cast.street_officer, name="测温枪")
    return key


def test_api_accepts_a_token_until_revoked(cast, token_key):
    client = Client()
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token_key}"})
    assert response.status_code == 200 and response.json()["username"] == "street_officer"
    token = cast.street_officer.api_tokens.get()
    services.token_revoke(token=token, by=cast.street_officer)
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token_key}"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_token_is_stored_hashed_and_shown_once(cast, client_for):
    client = client_for(cast.street_officer)
    page = client.post("/accounts/me/", {"name": "门禁"}).content.decode()
    token = cast.street_officer.api_tokens.get()
    key = page.split('<div class="key">')[1].split("</div>")[0]
    assert key.startswith("fk_") and token.key_hash != key and key not in client.get("/accounts/me/").content.decode()


def test_api_session_writes_need_csrf(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.street_officer)
    response = client.post(f"/api/orgunits/{cast.community_a.code}/children",
                           data={"code": "431302004001-05", "name": "五网格", "kind": "grid"},
                           content_type="application/json")
    assert response.status_code in (401, 403)


def test_anonymous_api_is_refused(db):
    response = Client().get("/api/orgunits")
    assert response.status_code == 401 and set(response.json()) == {"code", "message", "fields"}


def test_a_token_writes_without_a_csrf_token(cast, token_key):
    """Devices and scripts send a token, never a CSRF cookie: their writes must not be refused for CSRF."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/orgunits/431302004001/children", data={"code": "431302004001-07", "name": "七网格",
                                                                      "kind": "grid"},
                           content_type="application/json", headers={"Authorization": f"Bearer {token_key}"})
    assert response.status_code == 201, response.content
    anonymous = Client(enforce_csrf_checks=True).post("/api/orgunits/431302004001/children", data={},
                                                      content_type="application/json")
    assert anonymous.status_code in (401, 403)


def test_a_password_change_revokes_the_accounts_api_tokens_but_not_device_keys(cast, client_for, client):
    from checkpoints import services as checkpoint_services
    from orgunits.models import Site

    _token, key = services.token_create(user=cast.community_a_worker, name="script")
    gate = checkpoint_services.checkpoint_create(site=cast.site_a, name="东门", by=cast.community_a_worker)
    _device, device_key = checkpoint_services.device_register(checkpoint=gate, code="SY-01",
                                                              by=cast.community_a_worker)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    page = client_for(cast.community_a_worker).get("/accounts/me/").content.decode()
    assert "修改密码会撤销您的全部 API 令牌" in page  # the profile says so

    response = client_for(cast.community_a_worker).post("/accounts/password/", {
        "old_password": "Test-password-2020", "new_password1": "Changed-pass-2021",
        "new_password2": "Changed-pass-2021"})
    assert response.status_code == 302
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    revoked = AuditEntry.objects.get(object_type="accounts.apitoken", action="update")
    assert revoked.note == "revoked with the password change" and revoked.actor == cast.community_a_worker
    readings = client.post("/api/checkpoint-readings", data="[]", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {device_key}")
    assert readings.status_code == 200 and Site.objects.filter(pk=cast.site_a.pk).exists()

    # A password set by a manager revokes the tokens made since, too.
    _token, key = services.token_create(user=cast.community_a_worker, name="script 2")
    services.user_set_password(user=cast.community_a_worker, password="Set-by-officer-2021", by=cast.street_officer)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_manage_py_changepassword_revokes_the_accounts_api_tokens_too(cast, client, monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from accounts.management.commands import changepassword

    _token, key = services.token_create(user=cast.community_a_worker, name="script")
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "Typed-at-console-2021")
    call_command("changepassword", cast.community_a_worker.username, stdout=io.StringIO())
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    with pytest.raises(CommandError):  # a refused password changes nothing and revokes nothing
        _token, key = services.token_create(user=cast.community_a_worker, name="script 2")
        monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "short")
        call_command("changepassword", cast.community_a_worker.username, stdout=io.StringIO())
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
