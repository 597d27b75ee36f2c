"""Account endpoints and the token authentication the whole API accepts."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

from accounts import access, services
from accounts.throttling import credential_failed, credential_gate

router = Router(tags=["accounts"])


DEVICE_KEY_PREFIX = "fkd_"  # a checkpoint device's own key (checkpoints.api.DeviceKeyAuth), never a user's


class TokenAuth(HttpBearer):
    """`Authorization: Bearer fk_…` with a per-user token from the profile page (revocable). A device's key is
    no user's token and is refused here; an address sending unknown tokens is slowed down (accounts.throttling)."""

    def authenticate(self, request, token):
        credential_gate(request)
        user = None if token.startswith(DEVICE_KEY_PREFIX) else services.token_authenticate(token)
        if user is None:
            credential_failed(request)
            return None
        request.user = user
        return user


class MembershipOut(Schema):
    role: str
    role_label: str
    unit_code: str | None
    unit_name: str | None


class MeOut(Schema):
    username: str
    full_name: str
    language: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The caller and the roles it holds")
def me(request: HttpRequest):
    user = access.request_user(request)
    return {"username": user.username, "full_name": user.full_name, "language": user.language,
            "memberships": [{"role": m.role, "role_label": str(m.get_role_display()),
                             "unit_code": m.unit.code if m.unit else None,
                             "unit_name": m.unit.name if m.unit else None} for m in access.memberships_of(user)]}
