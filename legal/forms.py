from django import forms
from django.utils.translation import gettext_lazy as _

from legal.models import HotlineCall, KnowledgeEntry, PublicityActivity


class SearchForm(forms.Form):
    q = forms.CharField(label=_("search"), max_length=200, required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("e.g. 商铺 疫情 房租 减免"), "autofocus": True}))


class EntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = ["question", "answer", "basis", "tags", "valid_from", "valid_to"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 6}), "basis": forms.Textarea(attrs={"rows": 2}),
                   "valid_from": forms.DateInput(attrs={"type": "date"}),
                   "valid_to": forms.DateInput(attrs={"type": "date"})}


class CallForm(forms.ModelForm):
    unit = forms.CharField(label=_("unit code"), required=False, help_text=_("The hotline's unit; yours by default."))

    class Meta:
        model = HotlineCall
        fields = ["received_at", "caller_name", "caller_phone", "question", "category", "answer", "follow_up_needed",
                  "follow_up_note"]
        widgets = {"received_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "question": forms.Textarea(attrs={"rows": 3}), "answer": forms.Textarea(attrs={"rows": 4})}


class ActivityForm(forms.ModelForm):
    unit = forms.CharField(label=_("unit code"), required=False, help_text=_("Yours by default."))

    class Meta:
        model = PublicityActivity
        fields = ["kind", "quantity", "day", "place", "note"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}


class ActivityQuery(forms.Form):
    unit = forms.CharField(label=_("unit code"), required=False)
    first = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
