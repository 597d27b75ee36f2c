import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import choices_set
from reports.models import Figure, Form


class DayForm(forms.Form):
    day = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SubmitForm(forms.Form):
    explanation = forms.CharField(label=_("explanation of warnings"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IndicatorPreviewForm(forms.Form):
    expression = forms.CharField(label=_("indicator"), widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("e.g. `count people where category in (hubei, wuhan) started in period`"))
    unit = forms.CharField(label=_("unit code"), required=False)
    day = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


# ---- the form editor -----------------------------------------------------------------------------------------

class FormSettingsForm(forms.ModelForm):
    """A form's settings; `requested_days` is typed as dates separated by spaces, commas or lines."""

    requested_days = forms.CharField(label=_("days asked for"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text=_("Ad hoc forms only: YYYY-MM-DD, one or more."))

    class Meta:
        model = Form
        fields = ["code", "name_zh", "name_en", "period", "cutoff_minutes", "due_minutes", "requested_days", "rows",
                  "higher_levels", "unit_kind", "order", "active"]
        labels = {"order": _("order")}  # the model's field has no verbose name of its own

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]  # submissions and exports name the form by it
            self.initial["requested_days"] = " ".join(self.instance.requested_days or [])

    def clean_requested_days(self) -> list[str]:
        days, bad = set(), []
        for text in re.split(r"[\s,，、;；]+", self.cleaned_data["requested_days"].strip()):
            if not text:
                continue
            try:
                days.add(dt.date.fromisoformat(text).isoformat())
            except ValueError:
                bad.append(text)
        if bad:
            raise ValidationError(_("Not a date (YYYY-MM-DD): %(list)s") % {"list": "、".join(bad)})
        return sorted(days)


class VersionForm(forms.Form):
    effective_from = forms.DateField(label=_("effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("what changed"), max_length=300, required=False)


class ColumnForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=40)
    figure = forms.ChoiceField(label=_("figure"), required=False, help_text=_(
        "A figure of the catalog: the column counts as it does (its indicator is copied into the version) and "
        "takes its column labels unless others are typed."))
    label_zh = forms.CharField(label=_("Chinese label"), max_length=100, required=False)
    label_en = forms.CharField(label=_("English label"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=[("indicator", _("indicator")), ("manual", _("manual entry"))])
    expression = forms.CharField(label=_("indicator"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices_set(self, "figure", [("", "—"), *((f.key, f.label) for f in Figure.objects.all())])

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("figure"):
            data["kind"] = "indicator"
            return data
        for field in ("label_zh", "label_en"):
            if not (data.get(field) or "").strip():
                self.add_error(field, _("A column without a figure needs its labels."))
        if data.get("kind") == "indicator" and not (data.get("expression") or "").strip():
            self.add_error("expression", _("An indicator column needs its expression."))
        return data

    def column(self) -> dict:
        data = self.cleaned_data
        if data.get("figure"):  # labels typed are kept; the indicator is the figure's
            return {"key": data["key"], "figure": data["figure"], "label_zh": data["label_zh"],
                    "label_en": data["label_en"]}
        column = {k: data[k] for k in ("key", "label_zh", "label_en", "kind")}
        if data["kind"] == "indicator":
            column["expression"] = data["expression"].strip()
        return column


class RuleForm(forms.Form):
    left = forms.CharField(label=_("left"), max_length=200)
    op = forms.ChoiceField(label=_("operator"), choices=[
        ("=", "="), ("!=", "≠"), ("<", "<"), ("<=", "≤"), (">", ">"), (">=", "≥"),
        ("pair", _("both or neither")), ("exclusive", _("not both"))])
    right = forms.CharField(label=_("right"), max_length=200)
    importance = forms.ChoiceField(label=_("importance"), choices=[("error", _("error: blocks submission")),
                                                                 ("warning", _("warning: needs an explanation"))])
    missing = forms.ChoiceField(label=_("a missing value"), choices=[("skip", _("skips the rule")),
                                                                    ("zero", _("counts as 0"))])
    message_zh = forms.CharField(label=_("Chinese message"), max_length=200, required=False)
    message_en = forms.CharField(label=_("English message"), max_length=200, required=False)

    def rule(self) -> dict:
        data = self.cleaned_data
        rule = {k: data[k].strip() if isinstance(data[k], str) else data[k]
                for k in ("left", "op", "right", "importance", "missing")}
        for k in ("message_zh", "message_en"):
            if data.get(k):
                rule[k] = data[k]
        return rule


# Two blank lines to add a column or a rule; saving with errors keeps what was typed and offers two more.
ColumnFormSet = forms.formset_factory(ColumnForm, extra=2, can_delete=True)
RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True)


# ---- the catalog of figures -----------------------------------------------------------------------------------

class FigureForm(forms.ModelForm):
    """A figure of the catalog; its parts are typed as figure keys separated by spaces or commas."""

    parts = forms.CharField(label=_("parts"), required=False,
                            help_text=_("Keys of the figures it is made of, e.g. `hubei_wuhan.managed hubei_wuhan.released`."))

    class Meta:
        model = Figure
        fields = ["key", "label_zh", "label_en", "short_zh", "short_en", "expression", "parts", "parts_overlap", "home",
                  "home_parts"]
        widgets = {"expression": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["key"]  # forms and links name the figure by it
            self.initial["parts"] = " ".join(self.instance.parts or [])

    def clean_parts(self) -> list[str]:
        return [p for p in re.split(r"[\s,，、]+", self.cleaned_data["parts"].strip()) if p]

    def data_for_save(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.fields}
