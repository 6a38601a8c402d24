"""The one form a TA fills in on a phone for a whole group session: delivered or cancelled (with the
reason), minutes, a short note, and one row per pupil on the group that day (a formset): present, or
absent with the reason; a rating of the session target where the intervention rates sessions (for
pupils on the recorder's caseload: the others' targets aren't shown to them); the regulation
response where it records regulation.

The pupils are fixed by the server: each row carries its placement's id, and a posted id that isn't
one of the group's current placements (another group's, a pupil who has left it) is refused with a
message and nothing is saved."""

from django import forms

from plans.models import Rating

from .models import AttendanceStatus, Regulation, SessionStatus

RATING_CHOICES = [("", "Not rated")] + [(str(v), label) for v, label in Rating.choices]


class SessionForm(forms.Form):
    status = forms.ChoiceField(
        label="Did the session happen?", choices=SessionStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": "Choose whether the session was delivered or cancelled."})
    cancel_reason = forms.CharField(
        label="Why was it cancelled?", max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. staff absence, school trip"}))
    minutes = forms.IntegerField(
        label="Minutes", min_value=1, max_value=240, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "Enter between 1 and 240 minutes.",
                        "max_value": "Enter between 1 and 240 minutes.",
                        "invalid": "Enter the minutes as a number."})
    note = forms.CharField(label="Short note (optional)", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What you worked on, how it went"}))

    def clean(self):
        data = super().clean()
        if data.get("status") == SessionStatus.CANCELLED:
            if not (data.get("cancel_reason") or "").strip():
                self.add_error("cancel_reason", "Say why the session was cancelled.")
        elif data.get("status") == SessionStatus.DELIVERED and data.get("minutes") is None \
                and "minutes" not in self.errors:
            self.add_error("minutes", "Enter how many minutes the session lasted.")
        return data

    @property
    def cancelled(self) -> bool:
        return self.is_bound and self.data.get(self.add_prefix("status")) == SessionStatus.CANCELLED


class AttendanceForm(forms.Form):
    placement = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="Attendance", choices=AttendanceStatus.choices, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": "Choose present or absent."})
    absence_reason = forms.CharField(label="Reason absent", max_length=200, required=False,
                                     widget=forms.TextInput(attrs={"placeholder": "e.g. off sick, in assembly"}))
    rating = forms.TypedChoiceField(label="Session target", choices=RATING_CHOICES, coerce=int, empty_value=None,
                                    required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    regulation = forms.ChoiceField(label="Afterwards", choices=[("", "Not noted"), *Regulation.choices],
                                   required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"}))

    def __init__(self, *args, placement=None, intervention=None, session_cancelled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement_obj = placement
        self.session_cancelled = session_cancelled
        # A pupil outside the recorder's caseload is marked, not rated: their target isn't shown to
        # them, and a rating becomes evidence on the pupil's plan.
        known = placement is None or getattr(placement, "known", True)
        if intervention is not None and (not intervention.rates_sessions or not known):
            del self.fields["rating"]
        if intervention is not None and not intervention.records_regulation:
            del self.fields["regulation"]
        if session_cancelled:  # nobody's attendance is taken for a session that didn't happen
            for f in self.fields.values():
                f.required = False

    def clean(self):
        data = super().clean()
        if self.session_cancelled:
            return data
        if data.get("status") == AttendanceStatus.ABSENT:
            if not (data.get("absence_reason") or "").strip():
                self.add_error("absence_reason", "Give a reason for the absence.")
            if data.get("rating") is not None:
                self.add_error("rating", "An absent pupil's session can't be rated.")
            if data.get("regulation"):
                self.add_error("regulation", "An absent pupil's regulation can't be recorded.")
        return data


class BaseAttendanceFormSet(forms.BaseFormSet):
    """One row per current placement, in the order the server gives; the posted ids must be exactly
    those placements."""

    def __init__(self, *args, placements, intervention, session_cancelled=False, **kwargs):
        self.placements = list(placements)
        self.intervention = intervention
        self.session_cancelled = session_cancelled
        kwargs.setdefault("initial", [{"placement": p.pk, "status": AttendanceStatus.PRESENT}
                                      for p in self.placements])
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.placements)

    def get_form_kwargs(self, index):
        return {"placement": self.placements[index] if index < len(self.placements) else None,
                "intervention": self.intervention, "session_cancelled": self.session_cancelled}

    def clean(self):
        if any(self.errors):
            return
        expected = {p.pk for p in self.placements}
        posted = [f.cleaned_data.get("placement") for f in self.forms]
        sent = self.management_form.cleaned_data.get("TOTAL_FORMS")
        extra = [self.data.get(f"{self.prefix}-{i}-placement") for i in range(len(self.forms), sent or 0)]
        posted += [int(v) if str(v).isdigit() else -1 for v in extra]
        stray = [pk for pk in posted if pk not in expected]
        if stray:
            raise forms.ValidationError(
                "A pupil in this form isn't on this group on this date (another group's placement, or one "
                "that has ended). Nothing was saved: reload the page and record the session again.",
                code="not_on_group")
        if sorted(posted) != sorted(expected):
            raise forms.ValidationError(
                "The pupils on this group have changed since the page was opened. Nothing was saved: reload "
                "the page and record the session again.", code="pupils_changed")


AttendanceFormSet = forms.formset_factory(AttendanceForm, formset=BaseAttendanceFormSet, extra=0,
                                          max_num=100, validate_max=False)
