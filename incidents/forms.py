"""Incident forms. The quick log is the ABC core a TA fills in on a phone in a few taps; the full
report adds the other pupils, staff, witnesses, injuries and damage (formsets, saved together)."""

import datetime

from django import forms
from django.utils import timezone

from accounts.models import Location, Membership, Period, User
from pupils.models import Pupil
from sendsupport.forms import PlainSelect

from . import selectors
from .models import (
    MAX_DURATION_MINUTES, BodyRegion, CorrectableField, Incident, InjuredPerson, Injury, Intensity, InvolvedPupil,
    PickKind,
)

CLOCK_SKEW = datetime.timedelta(minutes=2)  # a phone's clock a little ahead is not "the future"


class PupilChoiceField(forms.ModelChoiceField):
    known = None  # the pupil the view already fetched from this field's queryset: no second query

    def to_python(self, value):
        if self.known is not None and str(value) == str(self.known.pk):
            return self.known
        return super().to_python(value)

    def label_from_instance(self, pupil):
        return f"{pupil.display_name} ({pupil.class_group or 'no class'})"


class PickField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class QuickLogForm(forms.ModelForm):
    pupil = PupilChoiceField(queryset=Pupil.objects.none(), widget=forms.RadioSelect, empty_label=None,
                             error_messages={"required": "Choose the pupil.",
                                             "invalid_choice": "Choose a pupil of your school."})
    occurred_at = forms.DateTimeField(
        label="When it happened", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"required": "Say when it happened.", "invalid": "Enter a date and time, like 24/11/2026 10:15."})
    location = forms.ModelChoiceField(queryset=Location.objects.none(), widget=forms.RadioSelect, empty_label=None,
                                      label="Where", error_messages={"required": "Choose where it happened.",
                                                                     "invalid_choice": "Choose one of your school's places."})
    period = forms.ModelChoiceField(queryset=Period.objects.none(), required=False, label="Lesson or period",
                                    empty_label="From the time")
    antecedent_picks = PickField(label="What happened just before (antecedent)", required=False)
    behaviour_picks = PickField(label="What the pupil did (behaviour)", required=False)
    consequence_picks = PickField(label="What happened straight after (consequence)", required=False)
    strategy_picks = PickField(label="Strategies used", required=False)
    outcome_picks = PickField(label="Outcome", required=False)
    intensity = forms.TypedChoiceField(choices=Intensity.choices, coerce=int, widget=forms.RadioSelect,
                                       label="How intense", error_messages={"required": "Choose how intense it was."})
    duration_minutes = forms.IntegerField(
        label="How long (minutes)", required=False, min_value=1, max_value=MAX_DURATION_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "Enter at least 1 minute.",
                        "max_value": f"Enter at most {MAX_DURATION_MINUTES} minutes (a school day)."})

    TEXT_FIELDS = ("antecedent", "behaviour", "consequence", "strategies", "outcome")
    PICK_FIELDS = ("antecedent_picks", "behaviour_picks", "consequence_picks", "strategy_picks", "outcome_picks")

    class Meta:
        model = Incident
        fields = ["pupil", "occurred_at", "location", "period", "antecedent_picks", "antecedent", "behaviour_picks",
                  "behaviour", "consequence_picks", "consequence", "strategy_picks", "strategies", "intensity",
                  "duration_minutes", "outcome_picks", "outcome", "physical_intervention"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in
                   ("antecedent", "behaviour", "consequence", "strategies", "outcome")}

    def __init__(self, *args, staff, pupil=None, **kwargs):
        super().__init__(*args, **kwargs)
        school = staff.school
        # Anyone may log for any current pupil of their school (lunch duty, corridors).
        self.fields["pupil"].queryset = Pupil.objects.in_school(staff).current().select_related("class_group")
        self.fields["pupil"].known = pupil  # looked up by the view in the same queryset
        self.fields["location"].queryset = Location.objects.filter(school=school, is_active=True)
        self.fields["period"].queryset = Period.objects.filter(school=school)
        picks = selectors.quick_picks(school)
        for kind, name in [(PickKind.ANTECEDENT, "antecedent_picks"), (PickKind.BEHAVIOUR, "behaviour_picks"),
                           (PickKind.CONSEQUENCE, "consequence_picks"), (PickKind.OUTCOME, "outcome_picks")]:
            self.fields[name].choices = [(label, label) for label in picks[kind]]
        self.plan_strategies = selectors.plan_strategies(pupil, staff) if pupil else []
        strategies = list(dict.fromkeys(self.plan_strategies + picks[PickKind.STRATEGY]))
        # A strategy typed from an earlier plan is still accepted when a draft is resumed.
        self.fields["strategy_picks"].choices = [(s, s) for s in strategies]
        if not self.is_bound and self.initial.get("occurred_at") is None:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)
        for name in self.TEXT_FIELDS:
            self.fields[name].label = "Anything else"
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["behaviour"].label = "In your words: what did you see and hear?"
        self.fields["occurred_at"].widget.attrs["class"] = "form-control"
        for name in ("location", "intensity", "physical_intervention", *self.PICK_FIELDS):
            self.fields[name].widget.attrs.update({"class": "btn-check", "autocomplete": "off"})
        self.fields["physical_intervention"].widget.attrs["class"] = "form-check-input"
        self.fields["period"].widget.attrs["class"] = "form-select"
        self.fields["duration_minutes"].widget.attrs["class"] = "form-control"

    def _get_validation_exclusions(self):
        # The pupil, place and period were just looked up in this school's querysets: the model's own
        # foreign-key check would look each up again (three queries on the busiest form in the app).
        return super()._get_validation_exclusions() | {"pupil", "location", "period"}

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        if when > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError("That time is in the future. Check the date and time.")
        if when < timezone.now() - datetime.timedelta(days=366):
            raise forms.ValidationError("That is more than a year ago. Check the year.")
        return when

    def clean(self):
        data = super().clean()
        if not data.get("behaviour_picks") and not (data.get("behaviour") or "").strip():
            self.add_error("behaviour_picks", "Choose what the pupil did, or describe it.")
        return data


class FullReportForm(QuickLogForm):
    staff_involved = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False,
                                                    widget=forms.CheckboxSelectMultiple, label="Staff involved")
    witnesses = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple, label="Staff witnesses")

    class Meta(QuickLogForm.Meta):
        fields = QuickLogForm.Meta.fields + ["activity", "suspected_function", "setting_events", "damage"]
        widgets = {**QuickLogForm.Meta.widgets, "setting_events": forms.Textarea(attrs={"rows": 2}),
                   "damage": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, staff=staff, **kwargs)
        colleagues = User.objects.filter(
            pk__in=Membership.objects.filter(school=staff.school, is_active=True).values("user_id"), is_active=True,
        ).order_by("full_name")
        self.fields["staff_involved"].queryset = colleagues
        self.fields["witnesses"].queryset = colleagues
        for name in ("activity", "setting_events", "damage"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["suspected_function"].widget.attrs["class"] = "form-select"


class InvolvedPupilForm(forms.ModelForm):
    pupil = PupilChoiceField(queryset=Pupil.objects.none(), label="Pupil",
                             error_messages={"invalid_choice": "Choose a pupil of your school."})

    class Meta:
        model = InvolvedPupil
        fields = ["pupil", "part"]

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.in_school(staff).current().select_related("class_group")
        self.fields["pupil"].widget.attrs["class"] = "form-select"
        self.fields["part"].widget.attrs["class"] = "form-control"


class InjuryForm(forms.ModelForm):
    body_regions = forms.MultipleChoiceField(choices=BodyRegion.choices, widget=forms.CheckboxSelectMultiple,
                                             label="Where on the body", required=False)

    class Meta:
        model = Injury
        fields = ["person", "staff_member", "body_regions", "description", "first_aid", "first_aid_by"]

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose")] + list(InjuredPerson.choices)
        self.fields["staff_member"].queryset = User.objects.filter(
            pk__in=Membership.objects.filter(school=staff.school, is_active=True).values("user_id")).order_by("full_name")
        self.fields["staff_member"].label = "Which member of staff (if staff)"
        for name in ("person", "staff_member"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("description", "first_aid", "first_aid_by"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["body_regions"].widget.attrs.update({"class": "btn-check", "autocomplete": "off"})

    def clean(self):
        data = super().clean()
        if data.get("person") == InjuredPerson.STAFF and not data.get("staff_member"):
            self.add_error("staff_member", "Choose which member of staff was hurt.")
        if data.get("description") and not data.get("body_regions"):
            self.add_error("body_regions", "Mark where on the body.")
        return data


class PartsFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, staff=None, **kwargs):
        self.staff = staff
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):  # also used for empty_form (index None)
        return {**super().get_form_kwargs(index), "staff": self.staff}


InvolvedPupilFormSet = forms.inlineformset_factory(Incident, InvolvedPupil, form=InvolvedPupilForm,
                                                   formset=PartsFormSet, extra=1, can_delete=False)
InjuryFormSet = forms.inlineformset_factory(Incident, Injury, form=InjuryForm, formset=PartsFormSet, extra=1,
                                            can_delete=False)


class AddendumForm(forms.Form):
    kind = forms.ChoiceField(choices=[("note", "Later information"), ("witness", "Witness statement")],
                             widget=forms.RadioSelect, initial="note", label="What are you adding?")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}), label="Addendum",
                           error_messages={"required": "Write the addendum."})


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(choices=CorrectableField.choices, label="What is wrong", widget=forms.RadioSelect)
    occurred_at = forms.DateTimeField(required=False, label="Correct time",
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      input_formats=["%Y-%m-%dT%H:%M"])
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, label="Correct place")
    pupil = PupilChoiceField(queryset=Pupil.objects.none(), required=False, label="Correct pupil")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}), label="Why",
                             error_messages={"required": "Say why this is being corrected."})

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(school=staff.school)
        self.fields["pupil"].queryset = Pupil.objects.in_school(staff).select_related("class_group")
        for name in ("location", "pupil"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        field = data.get("field")
        if field and not data.get(field):
            self.add_error(field, "Give the correct value.")
        if field == "occurred_at" and data.get("occurred_at") and data["occurred_at"] > timezone.now() + CLOCK_SKEW:
            self.add_error("occurred_at", "That time is in the future.")
        return data

    @property
    def value(self):
        return self.cleaned_data[self.cleaned_data["field"]]


class IncidentFilterForm(forms.Form):
    # A name, not a drop-down: a drop-down of every pupil was most of a SENCo's page (bench/README.md).
    pupil = forms.CharField(required=False, label="Pupil", max_length=80,
                            widget=forms.TextInput(attrs={"type": "search", "placeholder": "First letters of a name"}))
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    behaviour = forms.ChoiceField(required=False, label="Behaviour", widget=PlainSelect)
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label="Anywhere",
                                      label="Where", widget=PlainSelect)
    intensity = forms.TypedChoiceField(choices=[("", "Any intensity")] + [(i, f"{i} or more") for i in range(2, 6)],
                                       coerce=int, required=False, empty_value=None, label="Intensity",
                                       widget=PlainSelect)
    physical = forms.ChoiceField(choices=[("", "Either"), ("yes", "Yes"), ("no", "No")], required=False,
                                 label="Physical intervention", widget=PlainSelect)
    status = forms.ChoiceField(choices=[("", "Any"), ("to_review", "Not yet reviewed"), ("reviewed", "Reviewed"),
                                        ("corrected", "Corrected")], required=False, label="Status",
                               widget=PlainSelect)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(school=staff.school)
        self.fields["behaviour"].choices = [("", "Any behaviour")] + [
            (label, label) for label in selectors.quick_picks(staff.school)[PickKind.BEHAVIOUR]]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
