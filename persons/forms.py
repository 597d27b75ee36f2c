"""Shapes of the line-list pages' input; the rules are in persons.validation and persons.services."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from persons.health_checks import fever_threshold
from persons.models import Category, CustomField, HealthCheck, ManagementStatus, Person
from persons.services import SYMPTOMS


def _custom_form_field(field: CustomField, *, required: bool = False) -> forms.Field:
    common = {"label": field.display_label, "help_text": field.help_text, "required": False}
    if field.type == CustomField.Type.NUMBER:
        return forms.DecimalField(**common)
    if field.type == CustomField.Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.type == CustomField.Type.BOOLEAN:
        return forms.TypedChoiceField(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))], **common)
    if field.type == CustomField.Type.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in field.choices], **common)
    return forms.CharField(max_length=200, **common)


class IdentityForm(forms.Form):
    """Who a person is and where they live: the fields the person form and the arrival form share."""

    name = forms.CharField(label=_("full name"), max_length=50)
    doc_type = forms.ChoiceField(label=_("document type"), choices=Person.DocType.choices)
    doc_number = forms.CharField(label=_("document number"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    sex = forms.ChoiceField(label=_("sex"), required=False,
                            choices=[("", _("from the ID number"))] + list(Person.Sex.choices))
    birth_date = forms.DateField(label=_("birth date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Read from a resident ID number; needed for other documents."))
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=_("current address"), max_length=200, required=False)
    grid = forms.ChoiceField(label=_("grid responsible"))


class PersonForm(IdentityForm):
    """Register or edit a person; additional fields are appended as custom.<key>."""

    household_head = forms.CharField(label=_("household head's document number"), required=False, max_length=40,
                                     help_text=_("Links the person to the head of the household, if registered."))
    household_relation = forms.ChoiceField(label=_("relation to household head"), required=False,
                                           choices=[("", "—")] + list(Person.Relation.choices))
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids: list, custom_fields: list[CustomField], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(u.code, f"{u.name} ({u.code})") for u in grids]
        self.custom_keys = []
        for field in custom_fields:
            name = f"custom.{field.key}"
            self.fields[name] = _custom_form_field(field)
            self.custom_keys.append(name)

    def raw(self) -> dict:
        """The cleaned shape values as the raw mapping persons.validation expects."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return {k: ("" if v is None else v) for k, v in data.items()}


class PersonFilterForm(forms.Form):
    unit = forms.CharField(label=_("unit code"), required=False)
    category = forms.ChoiceField(label=_("category"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False)
    name = forms.CharField(label=_("full name"), required=False)
    initials = forms.CharField(label=_("pinyin initials"), required=False, max_length=20)
    doc_suffix = forms.CharField(label=_("ID number ends with"), required=False, max_length=18)
    phone = forms.CharField(label=_("phone"), required=False, max_length=20)
    day = forms.DateField(label=_("categories and status as of the end of"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    arrived = forms.DateField(label=_("came into the category on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("People whose category (the one chosen, or any) began that day."))

    def __init__(self, *args, categories: list[Category], statuses: list[ManagementStatus],
                 custom_fields: list[CustomField], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories, self.statuses = categories, statuses  # the list names its rows' categories from them
        self.fields["category"].choices = [("", _("any"))] + [(c.code, c.name) for c in categories]
        self.fields["status"].choices = [("", _("any"))] + [(s.code, s.name) for s in statuses]
        self.custom_keys = []
        for field in custom_fields:
            if field.type in (CustomField.Type.CHOICE, CustomField.Type.BOOLEAN, CustomField.Type.TEXT):
                name = f"custom.{field.key}"
                self.fields[name] = _custom_form_field(field)
                self.custom_keys.append((name, field))


class CategoryAssignForm(forms.Form):
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.filter(active=True),
                                      to_field_name="code")
    start = forms.DateTimeField(label=_("from"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                help_text=_("Arrival, exposure or diagnosis time; now when empty."))
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class CategoryEndForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="code",
                                      widget=forms.HiddenInput)
    end = forms.DateTimeField(label=_("until"), required=False,
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class StatusForm(forms.Form):
    status = forms.ModelChoiceField(label=_("status"), queryset=ManagementStatus.objects.all(), to_field_name="code")
    start = forms.DateTimeField(label=_("from"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    site = forms.IntegerField(label=_("quarantine site"), required=False, widget=forms.Select)
    planned_end = forms.DateTimeField(label=_("planned end"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      help_text=_("Empty: the category's management period from the start."))
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class HealthCheckForm(forms.Form):
    temperature = forms.DecimalField(label=_("temperature (°C)"), required=False, max_digits=4, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    result = forms.ChoiceField(label=_("result"), choices=HealthCheck.Result.choices, initial=HealthCheck.Result.WELL)
    symptoms = forms.MultipleChoiceField(label=_("symptoms"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=list(SYMPTOMS.items()))
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["temperature"].help_text = gettext("At or above %(t)s °C is a fever: it is recorded as one, "
                                                       "never as seen, well.") % {"t": fever_threshold()}


class CustomFieldForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=40, required=False,
                          help_text=_("Lower-case letters, digits and _; fixed once created."))
    label = forms.CharField(label=_("label"), max_length=50)
    label_en = forms.CharField(label=_("English label"), max_length=80, required=False)
    help_text = forms.CharField(label=_("help text"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("type"), choices=CustomField.Type.choices, required=False)
    choices = forms.CharField(label=_("choices"), required=False, help_text=_("Separated by commas."))
    required_from = forms.DateField(label=_("required from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    active = forms.BooleanField(label=_("active"), required=False, initial=True)


class StatusSelect(forms.Select):
    """A status select marking the statuses that need a quarantine site (data-needs-site), so that the page shows
    the site's field only for them (CSS :has, no script)."""

    def __init__(self, *args, needs_site: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_site = set(needs_site)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.needs_site:
            option["attrs"]["data-needs-site"] = "1"
        return option


class ArrivalForm(IdentityForm):
    """An arrival on one screen: the shapes only; the rules are persons.arrivals.arrival_register's."""

    category = forms.ChoiceField(label=_("category"), required=False)
    arrived = forms.DateField(label=_("arrived on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("The category and the management period start this day."))
    origin = forms.ChoiceField(label=_("came from"), required=False)
    status = forms.ChoiceField(label=_("management status"), required=False)
    site = forms.IntegerField(label=_("quarantine site"), required=False, widget=forms.Select,
                              help_text=_("Needed for centralised quarantine."))
    temperature = forms.CharField(label=_("temperature (°C)"), required=False, max_length=8,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    symptoms = forms.MultipleChoiceField(label=_("symptoms"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=list(SYMPTOMS.items()))
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids: list, sites: list, origins: list, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "doc_number"):  # their reasons come from the rules, beside the field
            self.fields[name].required = False
        self.fields["grid"].choices = [(u.code, f"{u.name} ({u.code})") for u in grids]
        self.fields["category"].choices = [("", "—")] + [(c.code, c.name)
                                                        for c in Category.objects.filter(active=True)]
        statuses = list(ManagementStatus.objects.filter(is_release=False))
        self.fields["status"].widget = StatusSelect(needs_site={s.code for s in statuses if s.needs_site})
        self.fields["status"].choices = [(s.code, s.name) for s in statuses]
        self.fields["site"].widget.choices = [("", "—")] + [(s.pk, s.name) for s in sites]
        self.fields["origin"].choices = origins
        self.fields["temperature"].help_text = gettext(
            "Optional: the first health check. At or above %(t)s °C is a fever.") % {"t": fever_threshold()}

    def raw(self) -> dict:
        """The cleaned shapes as the raw mapping persons.arrivals expects."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("person", "version")}
        return {k: ("" if v is None else v) for k, v in data.items()}
