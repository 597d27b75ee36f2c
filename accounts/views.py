"""Account pages: sign-in, language, own profile and tokens, user management, the audit log."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, services
from accounts.forms import (
    AuditFilterForm,
    MembershipGrantForm,
    PasswordSetForm,
    TokenCreateForm,
    UserCreateForm,
    UserEditForm,
)
from accounts.models import ApiToken, Membership
from accounts.roles import AUDIT_VIEW, RANK, USERS_MANAGE, Role
from core.errors import DomainError
from core.forms import choices_set, form_add_domain_error
from core.pages import page_back, page_error, page_form_post
from core.pagination import keyset_page
from orgunits.models import OrgUnit


class LogoutView(auth_views.LogoutView):
    """Sign out, and have the browser drop what the site kept on it: the offline app's IndexedDB, caches and
    service worker (a shared phone keeps nothing of the worker who signed out)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


@require_POST
def language_set(request):
    """Switch the interface language; a signed-in user's choice is remembered on the account."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES) or not translation.check_for_language(language):
        raise Http404
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    response = page_back(request, "home")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    return response


@login_required
def password_change(request):
    """Change one's own password (the old one is asked for); the session stays signed in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and page_form_post(request, form, lambda d: services.user_set_password(
            user=request.user, password=d["new_password1"], by=request.user), done=_("Your password is changed."),
            on_form=True):
        update_session_auth_hash(request, request.user)
        return redirect("accounts:profile")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
def profile(request):
    """The signed-in user's roles and API tokens."""
    new_key = None
    form = TokenCreateForm()
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        posted = page_form_post(request, form, lambda d: services.token_create(user=request.user, name=d["name"]),
                                done="", on_form=True)
        if posted:
            _token, new_key = posted.result
            form = TokenCreateForm()
    return render(request, "accounts/profile.html", {
        "memberships": access.memberships_of(request.user),
        "tokens": ApiToken.objects.filter(user=request.user),
        "form": form,
        "new_key": new_key,
    })


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


def _unit_for_grant(request, code: str) -> OrgUnit:
    """The unit named in a grant form, if the manager may manage users there (else a form error)."""
    try:
        return access.unit_get_for_user(request.user, code.strip(), perm=USERS_MANAGE)
    except Http404:
        raise DomainError("unknown_unit", _("No unit with code %(code)s in the units you manage.")
                          % {"code": code}, fields={"unit_code": [_("Not found in your scope.")]}) from None


def _grantable_roles(user) -> list[tuple[str, str | Promise]]:
    top = max((RANK[m.role] for m in access.memberships_of(user) if m.role in RANK), default=0)
    if user.is_superuser:
        top = RANK[Role.ADMIN]
    return [(r.value, r.label) for r in Role if RANK[r] <= top]


@login_required
def user_list(request):
    access.require(request.user, USERS_MANAGE)
    qs = access.users_in_scope(request.user).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit")))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
    page = keyset_page(qs, order=("username", "id"), cursor=request.GET.get("after"), size=50)
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


@login_required
def user_create(request):
    access.require(request.user, USERS_MANAGE)
    form = UserCreateForm(request.POST or None)
    choices_set(form, "role", _grantable_roles(request.user))
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: services.user_create(
            username=d["username"], password=d["password"], full_name=d["full_name"], phone=d["phone"],
            role=d["role"], unit=_unit_for_grant(request, d["unit_code"]), by=request.user),
            done=lambda user: _("The account %(name)s is created.") % {"name": user.username}, on_form=True)
        if posted:
            return redirect("accounts:user_detail", pk=posted.result.pk)
    return render(request, "accounts/user_create.html", {"form": form})


# The actions of the account page on another account (each guarded by services.check_outranks).
USER_DETAIL_ACTIONS = ("edit", "grant", "password")


@login_required
def user_detail(request, pk: int):
    """An account: edit, set password, grant and revoke roles (each within the manager's scope)."""
    target = access.user_get_for_user(request.user, pk)
    edit_form = UserEditForm(initial={"full_name": target.full_name, "phone": target.phone,
                                      "email": target.email, "is_active": target.is_active})
    grant_form = MembershipGrantForm()
    choices_set(grant_form, "role", _grantable_roles(request.user))
    password_form = PasswordSetForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in USER_DETAIL_ACTIONS:
            raise Http404
        try:
            if action == "edit":
                edit_form = UserEditForm(request.POST)
                if edit_form.is_valid():
                    services.user_update(user=target, data=edit_form.cleaned_data, by=request.user)
                    messages.success(request, _("Saved."))
                    return redirect("accounts:user_detail", pk=pk)
            elif action == "grant":
                grant_form = MembershipGrantForm(request.POST)
                choices_set(grant_form, "role", _grantable_roles(request.user))
                if grant_form.is_valid():
                    unit = _unit_for_grant(request, grant_form.cleaned_data["unit_code"])
                    services.membership_grant(user=target, role=grant_form.cleaned_data["role"], unit=unit,
                                              by=request.user)
                    messages.success(request, _("Role granted."))
                    return redirect("accounts:user_detail", pk=pk)
            elif action == "password":
                password_form = PasswordSetForm(request.POST)
                if password_form.is_valid():
                    services.user_set_password(user=target, password=password_form.cleaned_data["password"],
                                               by=request.user)
                    messages.success(request, _("Password set."))
                    return redirect("accounts:user_detail", pk=pk)
        except DomainError as exc:
            if exc.code == "outranked":
                raise PermissionDenied(exc.message) from None
            form = {"edit": edit_form, "grant": grant_form, "password": password_form}[action]
            form_add_domain_error(form, exc)
    else:
        services.user_viewed(user=target, by=request.user)
    return render(request, "accounts/user_detail.html", {
        "target": target,
        "memberships": target.memberships.select_related("unit"),
        "edit_form": edit_form, "grant_form": grant_form, "password_form": password_form,
        "can_act": access.outranks(request.user, target),
    })


@login_required
@require_POST
def membership_revoke(request, pk: int):
    membership = access.membership_get_for_user(request.user, pk)
    try:
        services.membership_revoke(membership=membership, by=request.user)
    except DomainError as exc:
        if exc.code == "outranked":
            raise PermissionDenied(exc.message) from None
        page_error(request, exc)
    else:
        messages.success(request, _("Role removed."))
    return redirect("accounts:user_detail", pk=membership.user_id)


@login_required
def audit_list(request):
    """The audit log within scope, filtered by user, object and time, newest first."""
    access.require(request.user, AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    qs = access.audit_entries_in_scope(request.user, AUDIT_VIEW).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor_name=data["actor"].strip())
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"].strip())
        if data["object_id"]:
            qs = qs.filter(object_id=data["object_id"].strip())
        if data["since"]:
            qs = qs.filter(at__gte=data["since"])
        if data["until"]:
            qs = qs.filter(at__lt=data["until"])
    page = keyset_page(qs, order=("-at", "-id"), cursor=request.GET.get("after"), size=50)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "accounts/audit_list.html", {"form": form, "page": page,
                                                        "query": query.urlencode()})


@login_required
def audit_detail(request, pk: int):
    entry = access.audit_entry_get_for_user(request.user, pk, perm=AUDIT_VIEW)
    return render(request, "accounts/audit_detail.html", {"entry": entry})
