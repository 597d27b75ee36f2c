from django import forms
from django.utils.translation import gettext_lazy as _


class DayForm(forms.Form):
    day = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SubmitForm(forms.Form):
    explanation = forms.CharField(label=_("explanation of warnings"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IndicatorPreviewForm(forms.Form):
    expression = forms.CharField(label=_("indicator"), widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("e.g. count people where category in (hubei, wuhan) started in period"))
    unit = forms.CharField(label=_("unit code"), required=False)
    day = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
