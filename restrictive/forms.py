"""Forms for the restrictive-intervention record and its follow-ups. Forms only validate (the
times, the technique against the pupil's positive-handling plan, who applied it); services save."""

import datetime

from django import forms
from django.utils import timezone

from accounts.models import Location
from incidents.models import BodyRegion, InjuredPerson, Injury

from .models import Debrief, DebriefWith, HowTold, InterventionType, ParentReport, PlanFollowed, Review

OTHER = "other"
MAX_MINUTES = 480  # longer than a school day is a typing slip


def _rows(n):
    return forms.Textarea(attrs={"rows": n})


def _time_widget():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.full_name


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.full_name


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _not_before(form, name, when, start, what):
    if when and start and when < start:
        form.add_error(name, f"This is before the intervention started ({timezone.localtime(start):%-d %b at %H:%M}): "
                             f"check the {what}.")


# --- the record --------------------------------------------------------------------------------------

class InterventionForm(forms.Form):
    """The record itself. Staff and witnesses are the school's active staff; the technique is a
    line of the pupil's positive-handling plan in force, or "other" with a description."""

    kind = forms.ChoiceField(label="Type", choices=InterventionType.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose what was used."})
    day = forms.DateField(label="Date", widget=_date_widget(),
                          error_messages={"required": "Enter the date.", "invalid": "Enter a real date."})
    start_time = forms.TimeField(label="Started at", widget=_time_widget(),
                                 error_messages={"required": "Enter the time it started.",
                                                 "invalid": "Enter a time like 10:05."})
    end_time = forms.TimeField(label="Ended at", widget=_time_widget(),
                               error_messages={"required": "Enter the time it ended.",
                                               "invalid": "Enter a time like 10:12."})
    location = forms.ModelChoiceField(label="Where", queryset=Location.objects.none(),
                                      error_messages={"required": "Choose where it happened."})
    events_before = forms.CharField(label="What happened beforehand", widget=_rows(3), required=False,
                                    help_text="What led up to it, in order. Name no other pupil: say "
                                              "\"another pupil\".")
    deescalation = forms.CharField(label="De-escalation tried first", widget=_rows(3),
                                   help_text="What staff tried before any physical intervention.",
                                   error_messages={"required": "Say what de-escalation was tried first."})
    technique = forms.ChoiceField(label="Technique or hold", widget=forms.RadioSelect, required=False)
    technique_other = forms.CharField(label="Describe the technique or hold", max_length=300, required=False)
    degree_of_force = forms.CharField(label="Degree of force", max_length=300, required=False,
                                      help_text="e.g. light guiding hand on the upper arm; two staff, standing.")
    reason = forms.CharField(label="Why it was necessary", widget=_rows(3),
                             help_text="The risk of injury, damage or serious disorder that made it necessary.",
                             error_messages={"required": "Say why it was necessary."})
    plan_followed = forms.ChoiceField(label="Was the positive-handling plan followed?", widget=forms.RadioSelect,
                                      choices=PlanFollowed.choices,
                                      error_messages={"required": "Say whether the plan was followed."})
    plan_not_followed_reason = forms.CharField(label="Why the plan was not followed", widget=_rows(2),
                                               required=False)
    staff_applying = StaffField(label="Staff who applied it", queryset=None, widget=forms.CheckboxSelectMultiple,
                                error_messages={"required": "Choose who applied it."})
    witness_staff = StaffField(label="Staff who saw it", queryset=None, widget=forms.CheckboxSelectMultiple,
                               required=False)
    other_witnesses = forms.CharField(label="Other witnesses", widget=_rows(2), required=False,
                                      help_text="Name and role, one per line (e.g. a visitor). No pupils.")
    anyone_hurt = forms.TypedChoiceField(label="Was anyone hurt?", widget=forms.RadioSelect,
                                         choices=[("yes", "Yes: describe each injury below"),
                                                  ("no", "No one was hurt")],
                                         coerce=lambda v: v == "yes",
                                         error_messages={"required": "Say whether anyone was hurt."})
    pupil_view = forms.CharField(label="The pupil's view", widget=_rows(2), required=False,
                                 help_text="In their words where you can. If you don't know yet, add it with the "
                                           "debrief with the pupil.")
    support_after = forms.CharField(label="Support for the pupil afterwards", widget=_rows(2),
                                    help_text="e.g. calm room, a drink, time with their key adult.",
                                    error_messages={"required": "Say what support the pupil had afterwards."})

    def __init__(self, *args, incident, pupil, plan, techniques, staff, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident, self.pupil, self.plan, self.techniques = incident, pupil, plan, techniques
        self.fields["location"].queryset = locations
        for name in ("staff_applying", "witness_staff"):
            self.fields[name].queryset = staff
        if techniques:
            self.fields["technique"].choices = [(t, t) for t in techniques] + [(OTHER, "Other (describe it)")]
        else:  # no plan, or one this person may not read: the text is the technique
            self.fields["technique"].choices = [(OTHER, "Other (describe it)")]  # not shown
            self.fields["technique_other"].label = "Technique or hold"
        if plan is not None:
            self.fields["plan_followed"].choices = [c for c in PlanFollowed.choices if c[0] != PlanFollowed.NO_PLAN]
        else:
            self.fields["plan_followed"].choices = [(PlanFollowed.NO_PLAN, PlanFollowed.NO_PLAN.label)]
            self.fields["plan_followed"].initial = PlanFollowed.NO_PLAN

    def clean(self):
        data = super().clean()
        now = timezone.now()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and day > timezone.localdate():
            self.add_error("day", "This date is in the future: enter the day it happened.")
        elif day and start and end:
            started, ended = _aware(day, start), _aware(day, end)
            if started > now:
                self.add_error("start_time", f"{start:%H:%M} today is in the future: enter the time it started.")
            if ended > now:
                self.add_error("end_time", f"{end:%H:%M} today is in the future: enter the time it ended.")
            elif ended <= started:
                self.add_error("end_time", f"The end must be after the start ({start:%H:%M}).")
            elif (ended - started).total_seconds() > MAX_MINUTES * 60:
                self.add_error("end_time", "That is longer than a school day: check the times.")
            data["started_at"], data["ended_at"] = started, ended

        technique = data.get("technique")
        if not self.techniques or technique == OTHER:
            if not data.get("technique_other", "").strip():
                self.add_error("technique_other", "Describe the technique or hold used.")
        elif not technique:
            self.add_error("technique", "Choose the technique or hold from the plan, or \"Other\".")

        if data.get("plan_followed") == PlanFollowed.NO and not data.get("plan_not_followed_reason", "").strip():
            self.add_error("plan_not_followed_reason", "Say why the plan was not followed.")

        applying = set(data.get("staff_applying") or [])
        both = [u.full_name for u in data.get("witness_staff") or [] if u in applying]
        if both:
            self.add_error("witness_staff", f"{', '.join(both)} applied it: tick them above only.")
        return data

    def technique_value(self) -> tuple[str, bool]:
        """(the technique as recorded, whether it is a line of the plan)."""
        choice = self.cleaned_data.get("technique")
        if self.techniques and choice and choice != OTHER:
            return choice, True
        return self.cleaned_data["technique_other"].strip(), False

    def other_witness_names(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.cleaned_data.get("other_witnesses", "").splitlines()
                if line.strip(" -•\t")]


class InjuryForm(forms.ModelForm):
    """One injury row (the incident's Injury), with the body map as a checkbox per region."""

    person = forms.ChoiceField(label="Who was hurt", choices=InjuredPerson.choices, widget=forms.RadioSelect,
                               initial=InjuredPerson.PUPIL, error_messages={"required": "Choose who was hurt."})
    staff_member = StaffChoice(label="If a member of staff: who", queryset=None, required=False,
                               empty_label="Choose a member of staff")
    body_regions = forms.MultipleChoiceField(label="Where on the body", choices=BodyRegion.choices,
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "Tick where on the body."})

    class Meta:
        model = Injury
        fields = ["person", "staff_member", "body_regions", "description", "first_aid", "first_aid_by"]
        labels = {"description": "The injury", "first_aid": "First aid given", "first_aid_by": "First aid given by"}
        help_texts = {"description": "What you saw, e.g. red mark 3 cm on the left wrist."}
        error_messages = {"description": {"required": "Describe the injury."}}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].queryset = staff
        self.fields["body_regions"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("person") == InjuredPerson.STAFF and not data.get("staff_member"):
            self.add_error("staff_member", "Choose which member of staff was hurt.")
        if data.get("person") != InjuredPerson.STAFF:
            data["staff_member"] = None
        return data


INJURY_ROWS = 3
InjuryFormSet = forms.formset_factory(InjuryForm, extra=INJURY_ROWS, max_num=INJURY_ROWS, absolute_max=INJURY_ROWS)


def filled_injuries(formset) -> list:
    return [f for f in formset.forms if f.has_changed() and f.is_valid()]


# --- follow-ups --------------------------------------------------------------------------------------

class _WhenForm(forms.Form):
    """A date and time of a follow-up: not in the future, not before the intervention."""

    def __init__(self, *args, ri, **kwargs):
        super().__init__(*args, **kwargs)
        self.ri = ri

    def _moment(self, data, day_name, time_name, what):
        day, time = data.get(day_name), data.get(time_name)
        if not (day and time):
            return None
        moment = _aware(day, time)
        if moment > timezone.now():
            self.add_error(time_name, f"This is in the future: enter when the {what} happened.")
            return None
        if moment < self.ri.started_at:
            _not_before(self, time_name, moment, self.ri.started_at, "date and time")
            return None
        return moment


class DebriefForm(_WhenForm):
    with_whom = forms.ChoiceField(label="Debrief", choices=DebriefWith.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Choose who the debrief was with."})
    day = forms.DateField(label="Date", widget=_date_widget(), initial=timezone.localdate,
                          error_messages={"required": "Enter the date."})
    time = forms.TimeField(label="Time", widget=_time_widget(), error_messages={"required": "Enter the time."})
    led_by = StaffChoice(label="Who led it", queryset=None, empty_label="Choose",
                         error_messages={"required": "Choose who led it."})
    attendees = forms.CharField(label="Who else was there", max_length=300, required=False,
                                help_text="Names and roles. For a debrief with the pupil, the adult they chose.")
    notes = forms.CharField(label="What was said and agreed", widget=_rows(5),
                            help_text="With the pupil: their view in their own words, what would help next time. "
                                      "With staff: what happened, what worked, what to change, staff wellbeing.",
                            error_messages={"required": "Write what was said and agreed."})

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["led_by"].queryset = staff

    def clean(self):
        data = super().clean()
        data["held_at"] = self._moment(data, "day", "time", "debrief")
        return data

    def instance(self) -> Debrief:
        d = self.cleaned_data
        return Debrief(with_whom=d["with_whom"], held_at=d["held_at"], led_by=d["led_by"],
                       attendees=d["attendees"], notes=d["notes"])


class ParentReportForm(_WhenForm):
    TOLD, WRITTEN, WITHHELD = "told", "written", "withheld"
    outcome = forms.ChoiceField(
        label="What are you recording?", widget=forms.RadioSelect,
        choices=[(TOLD, "The parents were told"),
                 (WRITTEN, "The written report was sent (they were told earlier)"),
                 (WITHHELD, "Not told: it would risk significant harm to the pupil, so the local authority "
                            "was told instead")],
        error_messages={"required": "Choose what you are recording."})
    told_day = forms.DateField(label="Date told", widget=_date_widget(), required=False)
    told_time = forms.TimeField(label="Time told", widget=_time_widget(), required=False)
    how = forms.ChoiceField(label="How", choices=[("", "Choose")] + HowTold.choices, required=False)
    told_by = StaffChoice(label="Who told them", queryset=None, required=False, empty_label="Choose")
    told_whom = forms.CharField(label="Who was told", max_length=120, required=False,
                                help_text="e.g. Mum; both parents; foster carer.")
    written_report_sent_on = forms.DateField(label="Written report sent on", widget=_date_widget(), required=False,
                                             help_text="Leave blank if it has not been sent yet.")
    withheld_reason = forms.CharField(label="Why telling the parents would risk significant harm", widget=_rows(3),
                                      required=False)
    la_notified_on = forms.DateField(label="Local authority told on", widget=_date_widget(), required=False)
    notes = forms.CharField(label="Anything else", widget=_rows(2), required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["told_by"].queryset = staff

    def _past_date(self, data, name, what):
        day = data.get(name)
        if day and day > timezone.localdate():
            self.add_error(name, f"This date is in the future: enter it once the {what}.")
        elif day and day < timezone.localdate(self.ri.started_at):
            self.add_error(name, "This is before the intervention: check the date.")

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == self.TOLD:
            for name, message in (("told_day", "Enter the date they were told."),
                                  ("told_time", "Enter the time they were told."),
                                  ("how", "Choose how they were told."), ("told_by", "Choose who told them.")):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
            data["told_at"] = self._moment(data, "told_day", "told_time", "parents were told")
            self._past_date(data, "written_report_sent_on", "report has been sent")
        elif outcome == self.WRITTEN:
            if not data.get("written_report_sent_on") and "written_report_sent_on" not in self.errors:
                self.add_error("written_report_sent_on", "Enter the date the written report was sent.")
            self._past_date(data, "written_report_sent_on", "report has been sent")
        elif outcome == self.WITHHELD:
            if not data.get("withheld_reason", "").strip():
                self.add_error("withheld_reason", "Say why telling the parents would risk significant harm.")
            if not data.get("la_notified_on") and "la_notified_on" not in self.errors:
                self.add_error("la_notified_on", "Enter the date the local authority was told.")
            self._past_date(data, "la_notified_on", "local authority has been told")
        return data

    def instance(self) -> ParentReport:
        d, outcome = self.cleaned_data, self.cleaned_data["outcome"]
        if outcome == self.WITHHELD:
            return ParentReport(withheld=True, withheld_reason=d["withheld_reason"],
                                la_notified_on=d["la_notified_on"], notes=d["notes"])
        if outcome == self.WRITTEN:
            return ParentReport(written_report_sent_on=d["written_report_sent_on"], notes=d["notes"])
        return ParentReport(told_at=d["told_at"], how=d["how"], told_by=d["told_by"], told_whom=d["told_whom"],
                            written_report_sent_on=d["written_report_sent_on"], notes=d["notes"])


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["comments", "plan_updated", "risk_assessment_updated", "actions"]
        labels = {"comments": "Review comments"}
        help_texts = {
            "comments": "Was it necessary, reasonable and proportionate? Was the plan followed? What was learned?",
            "actions": "e.g. update the positive-handling plan by Friday (SENCo); refresher training for staff.",
        }
        error_messages = {"comments": {"required": "Write your review comments."}}
        widgets = {"comments": _rows(4), "actions": _rows(3)}

    def clean(self):
        data = super().clean()
        if (data.get("plan_updated") or data.get("risk_assessment_updated")) and not data.get("actions", "").strip():
            self.add_error("actions", "Say who updates the plan or risk assessment, and by when.")
        return data
