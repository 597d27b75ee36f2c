"""Shapes of the intake pages' input; the rules are in intake.services (and persons.validation)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Declaration
from orgunits.models import OrgUnit
from persons.models import Category, ManagementStatus, Person
from persons.services import SYMPTOMS

_TEXT = {"autocomplete": "off"}


class DeclarationForm(forms.Form):
    """The public declaration: who declares, the person, where from and when, symptoms, the check question."""

    reporter = forms.ChoiceField(label=_("Who is declaring"), choices=Declaration.Reporter.choices,
                                 initial=Declaration.Reporter.SELF, widget=forms.RadioSelect)
    name = forms.CharField(label=_("full name"), max_length=50, widget=forms.TextInput(attrs=_TEXT))
    doc_type = forms.ChoiceField(label=_("document type"), choices=Person.DocType.choices)
    doc_number = forms.CharField(label=_("document number"), max_length=40, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(label=_("mobile phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", **_TEXT}))
    address = forms.CharField(label=_("current address"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    origin = forms.CharField(label=_("came from (province and city)"), max_length=100,
                             widget=forms.TextInput(attrs=_TEXT))
    arrived_on = forms.DateField(label=_("arrival date"), widget=forms.DateInput(attrs={"type": "date"}))
    symptoms = forms.MultipleChoiceField(label=_("symptoms now"), required=False, choices=list(SYMPTOMS.items()),
                                         widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("anything else"), max_length=200, required=False)
    answer = forms.CharField(label=_("check question"), max_length=8,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", **_TEXT}))
    challenge = forms.CharField(widget=forms.HiddenInput, max_length=400)
    def __init__(self, *args, question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].help_text = question


class ConfirmForm(forms.Form):
    """The grid worker's one tap: the grid, category and status the declared person is put under."""

    grid = forms.ChoiceField(label=_("grid responsible"))
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.filter(active=True),
                                      to_field_name="code")
    status = forms.ModelChoiceField(label=_("status"), required=False, to_field_name="code",
                                    queryset=ManagementStatus.objects.filter(needs_site=False, is_release=False))

    def __init__(self, *args, grids: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.code, g.name) for g in grids]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class PosterForm(forms.Form):
    unit = forms.ChoiceField(label=_("community or grid"))

    def __init__(self, *args, units: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in units]


class SelfReportForm(forms.Form):
    temperature = forms.DecimalField(label=_("temperature (°C)"), max_digits=4, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("symptoms now"), required=False, choices=list(SYMPTOMS.items()),
                                         widget=forms.CheckboxSelectMultiple)
