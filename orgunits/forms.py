from django import forms
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, Site


class UnitCreateForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=32,
                           help_text=_("e.g. 431302004001 for a community, 431302004001-01 for a grid"))
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=[(OrgUnit.Kind.COMMUNITY.value, OrgUnit.Kind.COMMUNITY.label),
                                                        (OrgUnit.Kind.GRID.value, OrgUnit.Kind.GRID.label)])


class UnitRenameForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)


class UnitImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Columns 编码, 名称, 上级编码, 类型 (社区/网格); UTF-8 or GB18030."))
    keep_valid = forms.BooleanField(label=_("keep the valid rows when some are wrong"), required=False)


class SiteForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Site.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
