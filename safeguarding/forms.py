"""Forms for raising a concern and for the safeguarding team's record. Forms only validate; services
save (and check again)."""

from django import forms
from django.utils import timezone

from incidents.models import BodyRegion, Incident
from pupils.models import Pupil

from .models import ActionKind, Agency, Concern, Status
from .services import CLOCK_SLACK, FUTURE_MESSAGE

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _rows(n):
    return forms.Textarea(attrs={"rows": n})


class ConcernForm(forms.ModelForm):
    """What the person saw or heard. The pupil and any incident come from the page (hidden), each
    checked against what this person may link to."""

    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), widget=forms.HiddenInput,
                                   error_messages={"required": "Choose the pupil.",
                                                   "invalid_choice": "Choose a current pupil of your school."})
    incident = forms.ModelChoiceField(queryset=Incident.objects.none(), widget=forms.HiddenInput, required=False,
                                      error_messages={"invalid_choice": "That incident isn't one you can link to."})
    occurred_at = forms.DateTimeField(
        label="When you saw or heard this",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TIME_FORMAT),
        input_formats=[TIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"required": "Enter when you saw or heard this.",
                        "invalid": "Enter a date and time, like 24/11/2026 10:15."})
    body_regions = forms.MultipleChoiceField(
        label="Marks or injuries: where on the body (optional)", choices=BodyRegion.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Concern
        fields = ["occurred_at", "place", "facts", "child_words", "opinion", "immediate_action", "body_regions"]
        widgets = {
            "place": forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. Year 4 classroom, playground"}),
            "facts": _rows(5), "child_words": _rows(3), "opinion": _rows(2), "immediate_action": _rows(2),
        }
        error_messages = {
            "facts": {"required": "Write what you saw or heard."},
            "place": {"required": "Say where this happened."},
        }

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.in_school(staff).current().select_related("class_group")
        self.fields["incident"].queryset = Incident.objects.visible_to(staff)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        if when and when > timezone.now() + CLOCK_SLACK:
            raise forms.ValidationError(FUTURE_MESSAGE)
        return when


class ActionForm(forms.Form):
    """An action (with who will do it and the outcome) or a note."""

    kind = forms.ChoiceField(label="What are you recording?", widget=forms.RadioSelect,
                             choices=[(ActionKind.ACTION, "An action"), (ActionKind.NOTE, "A note (a call, a "
                                                                                             "meeting, information)")],
                             initial=ActionKind.ACTION)
    text = forms.CharField(label="What was done, or the note", widget=_rows(3),
                           error_messages={"required": "Write what was done."})
    owner = forms.CharField(label="Who will do it (optional)", max_length=120, required=False)
    outcome = forms.CharField(label="Outcome (optional)", widget=_rows(2), required=False)


class ReferralForm(forms.Form):
    agency = forms.ChoiceField(label="Referred to", choices=Agency.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose who the referral went to."})
    reference = forms.CharField(label="Their reference (optional)", max_length=60, required=False)
    text = forms.CharField(label="What was referred and why", widget=_rows(3),
                           error_messages={"required": "Say what was referred and why."})
    outcome = forms.CharField(label="Outcome (optional)", widget=_rows(2), required=False)


class DecisionForm(forms.Form):
    text = forms.CharField(label="Decision", widget=_rows(2), error_messages={"required": "Write the decision."})
    reason = forms.CharField(label="Reason for the decision", widget=_rows(3),
                             error_messages={"required": "Give the reason for the decision."})


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=Status.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose a status."})
    reason = forms.CharField(label="Why", widget=_rows(2),
                             error_messages={"required": "Give the reason for the change."})

    def __init__(self, *args, concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.concern = concern
        self.fields["status"].choices = [c for c in Status.choices if c[0] != concern.status]


# kind (URL segment) -> (form class, prefix, heading)
RECORD_FORMS = {
    "action": (ActionForm, "action", "Add an action or note"),
    "referral": (ReferralForm, "referral", "Record a referral"),
    "decision": (DecisionForm, "decision", "Record a decision"),
    "status": (StatusForm, "status", "Change the status"),
}
