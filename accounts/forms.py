from django import forms
from django.forms import modelformset_factory

from pupils.models import ClassGroup, Pupil

from .models import Location, Period, Role, Term


class InviteForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    job_title = forms.CharField(max_length=120, required=False)
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if self.school.memberships.filter(user__email__iexact=email, is_active=True).exists():
            raise forms.ValidationError("This person already has access to this school.")
        return email


class RolesForm(forms.Form):
    job_title = forms.CharField(max_length=120, required=False)
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    can_edit_plans = forms.BooleanField(required=False, label="May edit plans and EHCPs",
                                        help_text="The SENCo always may; tick for e.g. a deputy SENCo")


class CaseloadForm(forms.Form):
    pupils = forms.ModelMultipleChoiceField(queryset=Pupil.objects.none(), required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 12}))
    class_groups = forms.ModelMultipleChoiceField(queryset=ClassGroup.objects.none(), required=False,
                                                  widget=forms.CheckboxSelectMultiple, label="Whole classes")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = Pupil.objects.filter(school=school).current()
        self.fields["class_groups"].queryset = ClassGroup.objects.filter(school=school)


class SchoolSettingsForm(forms.Form):
    require_2fa_for_all = forms.BooleanField(required=False,
                                             label="Require two-factor authentication for all staff")


def _setup_formset(model, fields, widgets=None):
    return modelformset_factory(model, fields=fields, extra=1, can_delete=False, widgets=widgets or {})


TermFormSet = _setup_formset(
    Term, ["name", "starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on"],
    {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
     for f in ["starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on"]},
)
PeriodFormSet = _setup_formset(
    Period, ["name", "starts_at", "ends_at"],
    {f: forms.TimeInput(attrs={"type": "time"}, format="%H:%M") for f in ["starts_at", "ends_at"]},
)
LocationFormSet = _setup_formset(Location, ["name", "is_active"])
