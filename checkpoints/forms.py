"""Shapes of the checkpoint pages' input; the rules are in checkpoints.services."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from checkpoints.models import FeverRule, Incident

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
TEMPERATURE = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "36.5",
                                     "class": "temperature"})


class GateForm(forms.Form):
    """A passage at the gate: scan or type a badge or document number (Enter submits)."""

    direction = forms.ChoiceField(label=_("direction"), initial="in", widget=forms.RadioSelect,
                                  choices=[("in", pgettext_lazy("passage", "in")), ("out", pgettext_lazy("passage", "out")),
                                           ("check", _("temperature only"))])
    code = forms.CharField(label=_("badge or document number"), max_length=64, required=False,
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off",
                                                         "autocapitalize": "characters", "spellcheck": "false",
                                                         "enterkeyhint": "go", "class": "scan"}))
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    temperature = forms.CharField(label=_("temperature (°C)"), max_length=8, required=False, widget=TEMPERATURE)
    at = forms.DateTimeField(label=_("time"), required=False, widget=DATETIME,
                             help_text=_("Empty: now. For a reading taken earlier."))


class VisitorForm(forms.Form):
    """The quick form for a visitor who is not registered."""

    direction = forms.ChoiceField(label=_("direction"), initial="in", widget=forms.RadioSelect,
                                  choices=[("in", pgettext_lazy("passage", "in")), ("out", pgettext_lazy("passage", "out"))])
    name = forms.CharField(label=_("full name"), max_length=50)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    doc_number = forms.CharField(label=_("document number"), max_length=40, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))
    reason = forms.CharField(label=_("reason for the visit"), max_length=100, required=False)
    temperature = forms.CharField(label=_("temperature (°C)"), max_length=8, required=False, widget=TEMPERATURE)


class RecheckForm(forms.Form):
    temperature = forms.CharField(label=_("recheck temperature (°C)"), max_length=8, widget=TEMPERATURE)
    taken_at = forms.DateTimeField(label=_("time of the recheck"), required=False, widget=DATETIME,
                                   help_text=_("Empty: now."))


class StepForm(forms.Form):
    """One step of the emergency plan; the answers of the exposure history are read from the request."""

    kind = forms.CharField(widget=forms.HiddenInput)
    at = forms.DateTimeField(label=_("time"), required=False, widget=DATETIME, help_text=_("Empty: now."))
    note = forms.CharField(label=_("note"), max_length=300, required=False)
    who = forms.CharField(label=_("who was notified"), max_length=100, required=False)
    team = forms.IntegerField(label=_("team"), required=False)
    result = forms.ChoiceField(label=_("result"), required=False, widget=forms.RadioSelect,
                               choices=Incident.Outcome.choices)
    tests = forms.MultipleChoiceField(label=_("tests"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[("ct", _("CT")), ("nat", _("nucleic acid test"))])


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("e.g. 东门, 厂区大门"))


class DeviceForm(forms.Form):
    code = forms.CharField(label=_("device id"), max_length=64,
                           help_text=_("The id the device sends with its readings."))
    name = forms.CharField(label=_("name"), max_length=100, required=False)


class StationForm(forms.Form):
    username = forms.CharField(label=_("liaison's user name"), max_length=150)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    leader = forms.CharField(label=_("team leader"), max_length=50, required=False)
    leader_phone = forms.CharField(label=_("leader's phone"), max_length=20, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "tel"}))


class MemberForm(forms.Form):
    name = forms.CharField(label=_("full name"), max_length=50,
                           help_text=_("As on the ID card; a worker registered in another community is found by "
                                       "name and document together."))
    doc_number = forms.CharField(label=_("document number"), max_length=40,
                                 help_text=_("The person must be registered in the line list."))
    badge = forms.CharField(label=_("badge"), max_length=40, required=False)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)
    at = forms.DateTimeField(label=_("time"), required=False, widget=DATETIME, help_text=_("Empty: now."))


class ReleaseForm(forms.Form):
    at = forms.DateTimeField(label=_("time"), required=False, widget=DATETIME, help_text=_("Empty: now."))


class RuleForm(forms.Form):
    threshold = forms.DecimalField(label=_("fever threshold (°C)"), max_digits=4, decimal_places=1,
                                   widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    recheck_minutes = forms.IntegerField(label=_("recheck after (minutes)"), min_value=1, max_value=240)
    temperature_required = forms.ChoiceField(label=_("temperature required"), choices=FeverRule.Required.choices,
                                             help_text=_("A passage without a temperature is refused (a thermometer "
                                                         "of the gate that read the person just before counts)."))
