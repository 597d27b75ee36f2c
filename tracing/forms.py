"""Shapes of the tracing pages' input; the rules are in tracing.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from persons.forms import HealthCheckForm
from persons.models import Person
from tracing.models import Case, Exposure, Task

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
DATETIME = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"})}


class CaseFilterForm(forms.Form):
    classification = forms.ChoiceField(label=_("classification"), required=False,
                                       choices=[("", _("any"))] + list(Case.Classification.choices))
    unit = forms.CharField(label=_("unit code"), required=False)
    name = forms.CharField(label=_("full name"), required=False)


class CaseDetailsForm(forms.Form):
    """What is known of a case, as registered and as edited; the hospital one of `hospitals`."""

    label = forms.CharField(label=_("case number"), max_length=40, required=False)
    onset_date = forms.DateField(label=_("onset date"), required=False, **DATE)
    report_date = forms.DateField(label=_("report date"), required=False, **DATE)
    confirmed_date = forms.DateField(label=_("confirmation date"), required=False, **DATE)
    hospital = forms.TypedChoiceField(label=_("hospital"), required=False, coerce=int, empty_value=None)
    hospital_name = forms.CharField(label=_("hospital (text)"), max_length=100, required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [("", "—")] + [(s.pk, s.name) for s in hospitals]


class CaseForm(CaseDetailsForm):
    """Register a case: the person by their document (already in the line list), the classification and
    what is known of the case."""

    doc_type = forms.ChoiceField(label=_("document type"), choices=Person.DocType.choices)
    doc_number = forms.CharField(label=_("document number"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                 help_text=_("The person must be registered in the line list first."))
    classification = forms.ChoiceField(label=_("classification"), choices=Case.Classification.choices)

    field_order = ["doc_type", "doc_number", "classification"]


class CaseEditForm(CaseDetailsForm):
    outcome = forms.ChoiceField(label=_("outcome"), required=False, choices=Case.Outcome.choices)
    outcome_date = forms.DateField(label=_("outcome date"), required=False, **DATE)

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = [*CaseDetailsForm.base_fields][:-1] + ["outcome", "outcome_date", "notes"]


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(label=_("classification"), choices=Case.Classification.choices)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False,
                             help_text=_("A classification by hand is never changed by the automatic rules."))


class ExposureForm(forms.Form):
    first_contact = forms.DateField(label=_("first contact"), required=False, **DATE)
    last_contact = forms.DateField(label=_("last contact"), **DATE)
    setting = forms.ChoiceField(label=_("setting"), choices=Exposure.Setting.choices,
                                initial=Exposure.Setting.HOUSEHOLD)
    proximity = forms.ChoiceField(label=_("proximity"), choices=Exposure.Proximity.choices,
                                  initial=Exposure.Proximity.CLOSE)
    certainty = forms.ChoiceField(label=_("certainty"), choices=Exposure.Certainty.choices,
                                  initial=Exposure.Certainty.HIGH)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    EXPOSURE_FIELDS = ("first_contact", "last_contact", "setting", "proximity", "certainty", "note")

    def exposure_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.EXPOSURE_FIELDS}


class ContactForm(ExposureForm):
    """Add a contact: who (found by document if registered, else registered now) and the exposure."""

    name = forms.CharField(label=_("full name"), max_length=50)
    doc_type = forms.ChoiceField(label=_("document type"), choices=Person.DocType.choices)
    doc_number = forms.CharField(label=_("document number"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                 help_text=_("Someone already registered with this document is linked, "
                                             "not registered again."))
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=_("current address"), max_length=200, required=False)
    grid = forms.ChoiceField(label=_("grid responsible"), required=False,
                             help_text=_("Needed only for someone not yet registered."))
    field_order = ["name", "doc_type", "doc_number", "phone", "address", "grid", *ExposureForm.EXPOSURE_FIELDS]

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", "—")] + [(u.code, f"{u.name} ({u.code})") for u in grids]

    def person_data(self) -> dict:
        return {k: self.cleaned_data[k] or "" for k in ("name", "doc_type", "doc_number", "phone", "address", "grid")}


class VisitForm(forms.Form):
    place = forms.CharField(label=_("place"), max_length=100, required=False,
                            help_text=_("A shop, a compound, a bus line… or choose a site."))
    site = forms.TypedChoiceField(label=_("site"), required=False, coerce=int, empty_value=None)
    community = forms.ChoiceField(label=_("community"), required=False)
    start = forms.DateTimeField(label=_("from"), **DATETIME)
    end = forms.DateTimeField(label=_("until"), **DATETIME)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, sites=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "—")] + [(s.pk, s.name) for s in sites]
        self.fields["community"].choices = [("", "—")] + [(u.code, u.name) for u in communities]


class FollowUpResultForm(HealthCheckForm):
    """The day's follow-up result: a health check of the person (the line list's own form)."""


class FollowUpChangeForm(forms.Form):
    end = forms.DateField(label=_("last day"), **DATE)
    reason = forms.CharField(label=_("reason"), max_length=200)


class FollowUpStopForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("type"), choices=Task.Kind.choices, initial=Task.Kind.VERIFY)
    priority = forms.TypedChoiceField(label=_("priority"), choices=Task.Priority.choices, coerce=int,
                                      initial=Task.Priority.URGENT)
    title = forms.CharField(label=_("what to do"), max_length=200, required=False,
                            help_text=_("e.g. verify this contact in hospital now"))
    doc_number = forms.CharField(label=_("person's document number"), max_length=40, required=False)
    unit = forms.CharField(label=_("or unit code"), max_length=32, required=False)
    due_at = forms.DateTimeField(label=_("due"), **DATETIME)
    assignee = forms.TypedChoiceField(label=_("assignee"), required=False, coerce=int, empty_value=None,
                                      help_text=_("Empty: the grid worker responsible for the person's grid."))
    observers = forms.TypedMultipleChoiceField(label=_("observers"), required=False, coerce=int,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, str(u)) for u in users]
        self.fields["assignee"].choices = [("", "—")] + choices
        self.fields["observers"].choices = choices


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Task.Status.choices)
    result = forms.CharField(label=_("result"), max_length=500, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ContactImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"), help_text=_(
        "The first sheet of a workbook; a header row names the columns: 姓名, 证件号码 and 末次接触日期 at least, "
        "and 首次接触日期, 接触场所, 接触距离, 可信度, 接触情况, 手机号码, 网格编码… as known."))
    unit = forms.ChoiceField(label=_("Register new contacts under"), help_text=_(
        "Grid codes in the file must lie in this unit; rows without one go to it when it is a grid or a community. "
        "People already registered are linked wherever they live."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, f"{'　' * max(u.depth - 4, 0)}{u.name} ({u.code})") for u in units]


class ChainStatisticsForm(forms.Form):
    unit = forms.CharField(label=_("unit code"), required=False)
    classification = forms.ChoiceField(label=_("classification"), required=False,
                                       choices=[("", _("cases (not excluded)"))] + [
                                           c for c in Case.Classification.choices if c[0] != "excluded"])
