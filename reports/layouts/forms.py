"""The template pages' forms: the upload, a sheet read again, each column's choice, the form it becomes."""

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.layouts.proposing import FIGURE, INDICATOR, MANUAL, WHENS, guided_expression, guided_parts
from reports.layouts.reading import INDICATORS_ACROSS, UNITS_ACROSS

KIND_CHOICES = [(FIGURE, _("a figure of the catalog")), (INDICATOR, _("an indicator: categories, statuses, time")),
                (MANUAL, _("typed in by hand"))]
WHEN_CHOICES = list(zip(WHENS, [_("held at the cut-off"), _("began in the period (今日新增)"),
                                _("at any time up to the cut-off (累计)")], strict=True))


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=_("The template as the county sent it (.xlsx)"))


class SheetReadForm(forms.Form):
    sheet = forms.CharField(widget=forms.HiddenInput, max_length=31)
    header_first = forms.IntegerField(label=_("first line of the header"), min_value=1, max_value=2000)
    header_last = forms.IntegerField(label=_("last line of the header"), min_value=1, max_value=2000)
    across = forms.ChoiceField(label=_("the table runs"), choices=[
        (INDICATORS_ACROSS, _("units down the side, indicators across the top")),
        (UNITS_ACROSS, _("indicators down the side, units across the top"))])


class ColumnsForm(forms.Form):
    """One group of fields per indicator: its title, what it is, and the figure or the indicator's parts; form
    managers also see (and may type) the indicator's expression."""

    sheet = forms.CharField(widget=forms.HiddenInput, max_length=31)

    def __init__(self, data=None, *, sheet: str, proposals: list[dict], figures: list[tuple[str, str]],
                 categories: list[tuple[str, str]], statuses: list[tuple[str, str]],
                 custom_fields: Sequence[tuple[str, str]] = (), expert: bool):
        super().__init__(data, initial={"sheet": sheet})
        self.proposals, self.expert = proposals, expert
        for p in proposals:
            i = p["index"]
            parts = guided_parts(p["expression"]) or {"categories": [], "statuses": [], "when": "now", "custom": "",
                                                      "custom_value": ""}
            self.fields[f"c{i}_label"] = forms.CharField(label=_("title"), max_length=60, initial=p["label"])
            self.fields[f"c{i}_kind"] = forms.ChoiceField(label=_("counts"), choices=KIND_CHOICES, initial=p["kind"])
            self.fields[f"c{i}_figure"] = forms.ChoiceField(label=_("figure"), required=False, initial=p["figure"],
                                                            choices=[("", "—"), *figures])
            self.fields[f"c{i}_categories"] = forms.MultipleChoiceField(
                label=_("categories"), required=False, choices=categories, initial=parts["categories"])
            self.fields[f"c{i}_statuses"] = forms.MultipleChoiceField(
                label=_("statuses"), required=False, choices=statuses, initial=parts["statuses"])
            self.fields[f"c{i}_when"] = forms.ChoiceField(label=_("time"), choices=WHEN_CHOICES,
                                                          initial=parts["when"])
            if custom_fields:
                self.fields[f"c{i}_custom"] = forms.ChoiceField(
                    label=_("additional field"), required=False, choices=[("", "—"), *custom_fields],
                    initial=parts["custom"])
                self.fields[f"c{i}_custom_value"] = forms.CharField(
                    label=_("its value"), required=False, max_length=100, initial=parts["custom_value"])
            if expert:
                self.fields[f"c{i}_expression"] = forms.CharField(
                    label=_("indicator"), required=False, max_length=2000, initial=p["expression"],
                    help_text=_("Leave as it is to use the lists above; typed, it is used as it is."))

    def rows(self):
        """Per indicator: its proposal and its bound fields, for the page."""
        for p in self.proposals:
            i = p["index"]
            names = ["label", "kind", "figure", "categories", "statuses", "when", "custom", "custom_value",
                     "expression"]
            yield p, {name: self[f"c{i}_{name}"] for name in names if f"c{i}_{name}" in self.fields}

    def choices(self) -> dict[int, dict]:
        out = {}
        for p in self.proposals:
            i, data = p["index"], self.cleaned_data
            kind = data[f"c{i}_kind"]
            choice = {"kind": kind, "label": data[f"c{i}_label"], "figure": data[f"c{i}_figure"]}
            typed = (data.get(f"c{i}_expression") or "").strip()
            if kind == INDICATOR:
                choice["expression"] = typed if typed and typed != p["expression"] else guided_expression(
                    categories=data[f"c{i}_categories"], statuses=data[f"c{i}_statuses"], when=data[f"c{i}_when"],
                    custom=data.get(f"c{i}_custom") or "", custom_value=data.get(f"c{i}_custom_value") or "")
            out[i] = choice
        return out


class FormMakeForm(forms.Form):
    sheet = forms.CharField(widget=forms.HiddenInput, max_length=31)
    target = forms.ChoiceField(label=_("becomes"))
    name = forms.CharField(label=_("name of the new form"), max_length=100, required=False)
    effective_from = forms.DateField(label=_("reported from"))

    def __init__(self, data=None, *, sheet: str, title: str, forms_to_version):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        super().__init__(data, initial={"sheet": sheet, "name": title, "effective_from": tomorrow})
        self.forms_by_code = {f.code: f for f in forms_to_version}
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [("", _("a new form of my unit")), *[
            (f.code, _("a new version of %(form)s") % {"form": f.name}) for f in forms_to_version]]
        target.required = False
