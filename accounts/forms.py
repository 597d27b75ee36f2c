"""Shapes of the account pages' input; domain rules live in accounts.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.audit import object_type_choices


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("user name"), max_length=150)
    full_name = forms.CharField(label=_("full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False)
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput(render_value=False))
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    unit_code = forms.CharField(label=_("unit code"), max_length=32,
                                help_text=_("The code of the unit whose subtree the role covers."))


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("full name"), max_length=50, required=False)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False)


class MembershipGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    unit_code = forms.CharField(label=_("unit code"), max_length=32)


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("new password"), widget=forms.PasswordInput(render_value=False))


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=100,
                           help_text=_("What the token is for, e.g. the gate thermometer at 三元社区."))


def _object_types():
    return [("", "—"), *object_type_choices()]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("user"), required=False)
    object_type = forms.ChoiceField(label=_("object type"), required=False, choices=_object_types)
    object_id = forms.CharField(label=_("object id"), required=False)
    since = forms.DateTimeField(label=_("from"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = forms.DateTimeField(label=_("until"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
