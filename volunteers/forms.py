"""Shapes of the front-line teams' pages; the rules are in volunteers.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.models import CivilisedUnit, Need, Volunteer

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class OrgForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    level = forms.ChoiceField(label=_("level"), choices=CivilisedUnit.Level.choices)


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("full name"), max_length=50)
    kind = forms.ChoiceField(label=_("kind"), choices=Volunteer.Kind.choices, initial=Volunteer.Kind.STAFF)
    party_member = forms.BooleanField(label=_("party member"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    username = forms.CharField(label=_("user account (optional)"), max_length=150, required=False,
                               help_text=_("The login of this person, so that they sign up and check in themselves."))


class CoordinatorForm(forms.Form):
    username = forms.CharField(label=_("user account"), max_length=150)


class NeedForm(forms.Form):
    post = forms.ChoiceField(label=_("post"), choices=Need.Post.choices)
    title = forms.CharField(label=_("title"), max_length=100)
    requirements = forms.CharField(label=_("requirements"), max_length=300, required=False)
    people = forms.IntegerField(label=_("people per slot"), min_value=1, max_value=500)
    start = forms.DateTimeField(label=_("first slot starts"), widget=DATETIME)
    end = forms.DateTimeField(label=_("first slot ends"), widget=DATETIME)
    days = forms.IntegerField(label=_("repeat on following days"), min_value=1, max_value=60, initial=1,
                              help_text=_("The same hours on this many days in a row (1: only the first)."))


class SignupForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("who"), queryset=Volunteer.objects.none())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = people if people is not None else Volunteer.objects.none()


class CommendationForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    story = forms.CharField(label=_("story"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    given_on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    volunteer = forms.ModelChoiceField(label=_("about (optional)"), queryset=Volunteer.objects.none(),
                                       required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = people if people is not None else Volunteer.objects.none()


class DonorLinkForm(forms.Form):
    """A donor of the supplies ledger, among those the user may see; the list offers a short choice (the donors
    matching `search`, else those not linked yet), and any donor the user may see is accepted."""

    SHORTLIST = 100

    donor = forms.ModelChoiceField(label=_("donor on the supplies ledger"), queryset=None)

    def __init__(self, *args, donors, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["donor"]
        field.queryset = donors
        if self.is_bound:
            return
        shortlist = field.queryset.filter(civilised_unit_link__isnull=True)
        if search:
            shortlist = field.queryset.filter(name__contains=search)
        field.widget.choices = [("", "---------"), *((d.pk, d.name) for d in
                                                     shortlist.order_by("name", "pk")[:self.SHORTLIST])]
