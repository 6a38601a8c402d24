"""Forms for care plans and the quick care log. Forms only validate; services save (and hold the
rules that need the plan: the second adult, the concern)."""

from django import forms
from django.utils import timezone

from accounts.models import User

from .models import CareGiven, CarePlan, Observation
from .services import MARKS_MESSAGE, NOT_NAMED_MESSAGE, NOTES_MESSAGE


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _rows(n):
    return forms.Textarea(attrs={"rows": n})


class StaffField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.full_name or user.email


class CarePlanForm(forms.ModelForm):
    named_staff = StaffField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Named staff who give this care",
        help_text="Only these staff, the SENCo and the DSL team can read this plan and its care records. "
                  "Named staff log the care and are the second adult where one is needed.")

    class Meta:
        model = CarePlan
        fields = [
            "needs", "how_care_is_given", "usual_times", "care_location", "communication", "preferences",
            "equipment", "equipment_supplier", "named_staff", "second_adult_required", "second_adult_notes",
            "moving_and_handling", "infection_control", "steps_to_independence", "independence_progress",
            "consent_given_by", "consent_given_on", "review_date",
        ]
        error_messages = {
            "needs": {"required": "Describe the care the pupil needs."},
            "how_care_is_given": {"required": "Describe how the care is given."},
            "communication": {"required": "Say how the pupil communicates during care."},
            "review_date": {"required": "Enter the date to review the plan by."},
        }
        widgets = {
            "needs": _rows(3), "how_care_is_given": _rows(5), "communication": _rows(3), "preferences": _rows(3),
            "equipment": _rows(3), "moving_and_handling": _rows(3), "infection_control": _rows(3),
            "steps_to_independence": _rows(3), "consent_given_on": _date(), "review_date": _date(),
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_staff"].queryset = (User.objects.filter(
            memberships__school=school, memberships__is_active=True, is_active=True).order_by("full_name"))
        self.fields["independence_progress"].choices = [("", "Not assessed yet")] + [
            c for c in self.fields["independence_progress"].choices if c[0] != ""]
        if self.instance.pk and self.instance.version > 1 and not self.instance.consent_given_on:
            self.fields["consent_given_on"].help_text = (
                f"Version {self.instance.version}: record the parents' consent to this version before signing off.")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("review_date") and data["review_date"] < today:
            self.add_error("review_date", "This date has passed: choose when the plan will next be reviewed.")
        if data.get("consent_given_on") and data["consent_given_on"] > today:
            self.add_error("consent_given_on", "This date is in the future: enter it once consent is given.")
        if data.get("consent_given_on") and not (data.get("consent_given_by") or "").strip():
            self.add_error("consent_given_by", "Say who gave consent.")
        return data


TAPS_MANY = forms.CheckboxSelectMultiple(attrs={"class": "btn-check"})  # shown as big toggle buttons


class CareLogForm(forms.Form):
    """The quick log. Time defaults to now; "Nothing to note" is ticked: the common case is the
    care given, the second adult (when needed) and Save."""

    care_given = forms.MultipleChoiceField(choices=CareGiven.choices, widget=TAPS_MANY,
                                           label="Care given", error_messages={"required": "Choose the care you gave."})
    care_notes = forms.CharField(label="Anything else about the care (optional)", max_length=300, required=False)
    second_adult = forms.TypedChoiceField(label="Second adult present", required=False, coerce=int,
                                          empty_value=None, widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    second_adult_other = forms.TypedChoiceField(label="Someone else", required=False, coerce=int, empty_value=None,
                                                widget=forms.Select(attrs={"class": "form-select form-select-lg"}))
    second_adult_reason = forms.CharField(
        label="Why wasn't an adult named on the plan with you?", max_length=200, required=False,
        help_text="For example: both named adults were off sick. The SENCo is told.")
    occurred_at = forms.DateTimeField(label="When", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Enter when you gave the care.", "invalid": "Enter a date and time."})
    observations = forms.MultipleChoiceField(choices=Observation.choices, widget=TAPS_MANY,
                                             label="Anything you noticed?", required=False)
    observation_notes = forms.CharField(label="What you noticed", required=False, widget=_rows(3),
                                        help_text="Facts: where on the body, size, colour; what the pupil did or said.")
    raise_concern = forms.BooleanField(label="This worries me: raise a safeguarding concern", required=False)
    # Marks or bruising are never left to an optional tick: the logger answers yes or no.
    marks_concern = forms.ChoiceField(
        label="Marks or bruising: raise a safeguarding concern?", required=False,
        choices=[("yes", "Yes, raise a concern"), ("no", "No concern")],
        widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    child_words = forms.CharField(label="What the pupil said, in their own words (optional)", required=False,
                                  widget=_rows(2), help_text="Sent with the concern. Without a concern, write it "
                                                             "under \"What you noticed\".")
    low_supplies = forms.BooleanField(label="Supplies running low", required=False,
                                      widget=forms.CheckboxInput(attrs={"class": "btn-check"}))
    supplies_note = forms.CharField(label="What is running low", max_length=200, required=False)

    # As the page shows them, so the list of refusals at the top reads in the same order.
    field_order = ["care_given", "care_notes", "second_adult", "second_adult_other", "second_adult_reason",
                   "observations", "marks_concern", "observation_notes", "raise_concern", "child_words",
                   "occurred_at", "low_supplies", "supplies_note"]

    def __init__(self, *args, named, others, **kwargs):
        super().__init__(*args, **kwargs)
        self.named, self.others = {u.pk: u for u in named}, {u.pk: u for u in others}
        self.fields["second_adult"].choices = [(u.pk, u.full_name or u.email) for u in named]
        self.fields["second_adult_other"].choices = [("", "Choose someone else")] + [
            (u.pk, u.full_name or u.email) for u in others]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("observations", [Observation.NONE])
        else:
            self._drop_nothing_to_note()

    def _drop_nothing_to_note(self):
        """"Nothing to note" starts ticked, and tapping what was noticed means it no longer holds (the
        service drops it too): a form shown again after a refused save shows only what was noticed,
        not both."""
        name = self.add_prefix("observations")
        ticked = self.fields["observations"].widget.value_from_datadict(self.data, self.files, name) or []
        if Observation.NONE in ticked and len(ticked) > 1:
            self.data = self.data.copy()
            kept = [o for o in ticked if o != Observation.NONE]
            if hasattr(self.data, "setlist"):
                self.data.setlist(name, kept)
            else:
                self.data[name] = kept

    def clean(self):
        data = super().clean()
        chosen, other = data.get("second_adult"), data.get("second_adult_other")
        if chosen and other:
            self.add_error("second_adult_other", "Choose one second adult: a named person or someone else.")
        data["second_adult_user"] = self.named.get(chosen) or self.others.get(other)
        # These two are asked here as well as in the service, so they come back with the form's other
        # refusals at once rather than one save after another.
        if not chosen and other in self.others and not (data.get("second_adult_reason") or "").strip():
            user = self.others[other]
            self.add_error("second_adult_reason", NOT_NAMED_MESSAGE.format(name=user.full_name or user.email))
        noticed = [o for o in data.get("observations") or () if o != Observation.NONE]
        if (noticed or data.get("raise_concern")) and not (data.get("observation_notes") or "").strip():
            self.add_error("observation_notes", NOTES_MESSAGE)
        if Observation.MARKS in (data.get("observations") or ()):
            if not data.get("marks_concern") and not data.get("raise_concern"):
                self.add_error("marks_concern", MARKS_MESSAGE)
            # A tick on "This worries me" is an answer, and never dropped whatever the answer here.
            data["concern"] = data.get("marks_concern") == "yes" or bool(data.get("raise_concern"))
        else:
            data["concern"] = bool(data.get("raise_concern"))
        return data
