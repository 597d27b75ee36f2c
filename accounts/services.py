"""Writes to accounts: users, role memberships, API tokens, language preference. Every one audited."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import outranks, rank_at
from accounts.models import ApiToken, Membership, User
from accounts.roles import RANK, USERS_MANAGE, Role
from core.actors import Actor
from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit

_USER_FIELDS = ["username", "full_name", "phone", "email", "is_active", "language"]


def _user_path(user: User) -> str:
    paths = sorted((m.unit_path for m in user.memberships.all()), key=len)
    return paths[0] if paths else ""


def _check_grant(*, by: Actor, role: str, unit: OrgUnit | None) -> None:
    """Refuse a grant outside the granter's scope or above its rank (`by=None`: the system, from commands)."""
    if role not in Role.values:
        raise DomainError("invalid_role", _("Unknown role: %(role)s.") % {"role": role}, fields={"role": [
            _("Unknown role.")]})
    if unit is None:
        whole_tree_admin = by is None or by.is_superuser or any(
            m.unit_id is None and m.role == Role.ADMIN for m in by.memberships.all())
        if role != Role.ADMIN or not whole_tree_admin:
            raise DomainError("forbidden_grant", _("Only a whole-tree administrator can grant a role everywhere."),
                              fields={"unit": [_("Choose a unit.")]})
        return
    if by is None:
        return
    own = rank_at(by, unit.path, USERS_MANAGE)
    if own == 0:
        raise DomainError("forbidden_grant", _("%(unit)s is outside the units you manage.") % {"unit": unit.name},
                          fields={"unit": [_("Outside your scope.")]}, status=404)
    if RANK[role] > own:
        raise DomainError("forbidden_grant", _("You cannot grant the role %(role)s: it is above your own.")
                          % {"role": Role(role).label}, fields={"role": [_("Above your own role.")]}, status=403)


def check_outranks(*, by: Actor, target: User) -> None:
    """Refuse (403) an action of `by` on the account `target` unless `by` outranks it (accounts.access.outranks:
    rank at least that of each of the target's roles, over each role's unit); `by=None` is the system."""
    if by is not None and not outranks(by, target):
        raise DomainError("outranked", _("This account holds a role outside your reach; ask a higher "
                                         "administrator."), status=403)


def user_create(*, username: str, password: str, full_name: str = "", phone: str = "", role: str,
                unit: OrgUnit | None, by: Actor) -> User:
    """Create an account with its first role membership (a manager grants within its own scope)."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("The user name is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The user name %(name)s is taken.") % {"name": username}]
    try:
        validate_password(password, User(username=username, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise DomainError("invalid_user", _("The account cannot be created."), fields=errors)
    _check_grant(by=by, role=role, unit=unit)
    with transaction.atomic():
        user = User(username=username, full_name=full_name.strip(), phone=phone.strip())
        user.set_password(password)
        user.save()
        membership = Membership.objects.create(user=user, role=role, unit=unit,
                                               unit_path=unit.path if unit else "", created_by=by)
        audit_record(actor=by, action="create", obj=user, unit_path=membership.unit_path,
                     after=snapshot(user, _USER_FIELDS))
        audit_record(actor=by, action="create", obj=membership, unit_path=membership.unit_path,
                     after=snapshot(membership))
    return user


def user_update(*, user: User, data: dict, by: Actor) -> User:
    """Change an account's name, phone, e-mail or active flag."""
    allowed = {"full_name", "phone", "email", "is_active"}
    check_outranks(by=by, target=user)
    if by is not None and user.pk == by.pk and data.get("is_active") is False:
        raise DomainError("invalid_user", _("You cannot deactivate your own account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(user, _USER_FIELDS)
        for key, value in data.items():
            if key in allowed:
                setattr(user, key, value.strip() if isinstance(value, str) else value)
        user.save()
        audit_record(actor=by, action="update", obj=user, unit_path=_user_path(user), before=before,
                     after=snapshot(user, _USER_FIELDS))
    return user


def user_set_password(*, user: User, password: str, by: Actor) -> None:
    """Set a new password (validated) and revoke the account's API tokens, which were given out under the old
    one (devices hold keys of their own and keep them); the hash is never written to the audit log."""
    check_outranks(by=by, target=user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("invalid_password", _("The password is not acceptable."),
                          fields={"password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        user_password_changed(user=user, by=by)


def user_password_changed(*, user: User, by: Actor) -> None:
    """After a new password is stored (here or by `manage.py changepassword`): audit it and revoke the account's
    API tokens."""
    check_outranks(by=by, target=user)
    with transaction.atomic():
        audit_record(actor=by, action="update", obj=user, unit_path=_user_path(user), note=gettext_noop("password changed"))
        for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
            _token_revoke(token, by=by, note=gettext_noop("revoked with the password change"))


def user_viewed(*, user: User, by: Actor) -> None:
    """Record that `by` opened the account page of `user` (it shows the person's phone and e-mail)."""
    audit_record(actor=by, action="view", obj=user, unit_path=_user_path(user))


def user_language_set(*, user: User, language: str) -> None:
    """Remember the user's interface language."""
    codes = {code for code, _name in User._meta.get_field("language").choices or ()}
    if language not in codes:
        raise DomainError("invalid_language", _("Unknown language: %(lang)s.") % {"lang": language})
    if user.language != language:
        before = snapshot(user, ["language"])
        user.language = language
        user.save(update_fields=["language"])
        audit_record(actor=user, action="update", obj=user, unit_path=_user_path(user), before=before,
                     after=snapshot(user, ["language"]))


def membership_grant(*, user: User, role: str, unit: OrgUnit | None, by: Actor) -> Membership:
    """Give `user` the role `role` over `unit`'s subtree; the granter must hold a role at least as high there,
    and outrank the account."""
    check_outranks(by=by, target=user)
    _check_grant(by=by, role=role, unit=unit)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, role=role, unit=unit,
                                                   unit_path=unit.path if unit else "", created_by=by)
            audit_record(actor=by, action="create", obj=membership, unit_path=membership.unit_path,
                         after=snapshot(membership))
    except IntegrityError:
        raise DomainError("duplicate_membership", _("%(user)s already holds this role there.")
                          % {"user": user}) from None
    return membership


def membership_revoke(*, membership: Membership, by: User) -> None:
    """Remove a membership (the remover must outrank the account; nobody removes their own last admin role)."""
    check_outranks(by=by, target=membership.user)
    if membership.unit is not None:
        _check_grant(by=by, role=membership.role, unit=membership.unit)
    elif not by.is_superuser:
        _check_grant(by=by, role=membership.role, unit=None)
    with transaction.atomic():
        before = snapshot(membership)
        path = membership.unit_path
        audit_record(actor=by, action="delete", obj=membership, unit_path=path, before=before)
        membership.delete()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; returns it with the key, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("invalid_token", _("Give the token a name."), fields={"name": [_("Required.")]})
    key = "fk_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:10], key_hash=ApiToken.hash_key(key))
        audit_record(actor=user, action="create", obj=token, unit_path=_user_path(user),
                     after={"name": token.name, "prefix": token.prefix})
    return token, key


def token_revoke(*, token: ApiToken, by: Actor) -> None:
    """Revoke a token at once (its owner, or someone who outranks the owner); it stays listed as revoked."""
    check_outranks(by=by, target=token.user)
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        _token_revoke(token, by=by)


def _token_revoke(token: ApiToken, *, by: Actor, note: str = "") -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=by, action="update", obj=token, unit_path=_user_path(token.user),
                 after={"revoked_at": token.revoked_at.isoformat()}, note=note)


def token_authenticate(key: str) -> User | None:
    """The active user owning the unrevoked token `key`, or None."""
    if not key or not key.startswith("fk_"):
        return None
    token = (ApiToken.objects.filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True,
                                     user__is_active=True).select_related("user").first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
