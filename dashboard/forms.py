"""The dashboard's query: which unit (within the user's scope) and which day."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DashboardQuery(forms.Form):
    """?unit=CODE&day=YYYY-MM-DD; both optional (the top of the user's scope, today)."""

    unit = forms.CharField(label=_("unit"), required=False, max_length=32)
    day = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date is after today: choose today or an earlier day."))
        return day
