"""Forms for the catalogue, groups, placements (with entry/exit scores and the end review) and
therapy programmes. Every refusal is said next to the field it is about; views keep what was typed.

The therapist's report is checked by its contents, never by its name or the type the browser
claims: a PDF, JPEG/PNG/WebP/HEIC image (plans.forms_evidence.sniff_content_type) or a Word .docx
(a ZIP holding word/document.xml), 10 MB at most."""

import copy
import zipfile

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from plans.forms_evidence import EXTENSIONS as EVIDENCE_EXTENSIONS
from plans.forms_evidence import human_size, sniff_content_type
from plans.models import Outcome, Provision, Rating, VersionStatus
from pupils.models import Pupil

from .models import (
    WEEKDAYS, Group, Intervention, Placement, ProgrammeDelivery, ReviewDecision, ReviewScore, TherapyProgramme,
)
from .services_placements import GROUP_FIXED_ONCE_ENDED, PROGRAMME_FIXED_ONCE_ENDED, REASON_MAX, fixed_once_ended

MAX_REPORT_BYTES = 10 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_EXTENSIONS = {**EVIDENCE_EXTENSIONS, DOCX: ".docx"}
REPORT_ACCEPT = ".pdf,.docx,image/jpeg,image/png,image/webp,image/heic,.heic"


def _date(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _d(value):
    return date_format(value, "j F Y")


def fix_once_ended(form, names, what) -> None:
    """An ended group or programme (the form's instance) is fixed but for a label: `names` are
    shown read-only (disabled inputs, which the browser doesn't send). What a fixed choice holds
    stays a valid choice though it no longer would be (a member of staff who has left, an outcome
    of a plan since replaced, a pupil since archived): a disabled field is still validated."""
    instance = form.instance
    if instance.pk is None or instance.ended_on is None:
        return
    form.fixed_once_ended = (names, what)
    for name in names:
        field = form.fields[name]
        field.disabled = True
        if isinstance(field, forms.ModelMultipleChoiceField):
            held = [obj.pk for obj in getattr(instance, name).all()]
        elif isinstance(field, forms.ModelChoiceField):
            held = [pk] if (pk := getattr(instance, instance._meta.get_field(name).attname)) else []
        else:
            continue
        field.queryset = (field.queryset | field.queryset.model._default_manager.filter(pk__in=held)).distinct()


def refuse_posted_changes(form) -> None:
    """A fixed field posted with another value anyway (a page opened before the end) is refused
    next to that field, rather than silently ignored; the service refuses it too."""
    names, what = getattr(form, "fixed_once_ended", ((), ""))
    for name in names:
        key = form.add_prefix(name)
        if key not in form.data:
            continue
        field = form.fields[name]
        probe = copy.copy(field)
        probe.disabled = False  # a disabled field never says it has changed
        posted = field.widget.value_from_datadict(form.data, form.files, key)
        if probe.has_changed(form.get_initial_for_field(field, name), posted):
            form.add_error(name, fixed_once_ended(form.instance, what))


def school_staff(school):
    """Active staff of the school, for the "who runs it" pickers."""
    return (User.objects.filter(memberships__school=school, memberships__is_active=True, is_active=True)
            .order_by("full_name", "id"))


class InterventionForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["name", "area_of_need", "description", "usual_weeks", "sessions_per_week", "minutes_per_session",
                  "max_group_size", "measure", "measure_min", "measure_max", "higher_is_better", "cost_per_session",
                  "cost_per_hour", "rates_sessions", "records_regulation", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Intervention.objects.filter(school=self.school, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"The catalogue already has “{name}”: choose another name or edit that one.")
        return name

    def clean(self):
        data = super().clean()
        low, high = data.get("measure_min"), data.get("measure_max")
        if low is not None and high is not None and high <= low:
            self.add_error("measure_max", f"The highest score must be above the lowest ({low}).")
        return data


class GroupForm(forms.ModelForm):
    days = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple,
                                          error_messages={"required": "Choose at least one day."},
                                          help_text="Saturday and Sunday are for a club that meets at the weekend.")

    class Meta:
        model = Group
        fields = ["intervention", "name", "staff", "days", "starts_at", "minutes_per_session", "start_date",
                  "planned_end_date"]
        widgets = {
            "staff": forms.CheckboxSelectMultiple,
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "start_date": _date(), "planned_end_date": _date(),
        }
        labels = {"planned_end_date": "Planned end"}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["intervention"].queryset = Intervention.objects.filter(school=school, is_active=True)
        if self.instance.pk:  # a group keeps its intervention even if that was retired from the catalogue
            self.fields["intervention"].queryset = Intervention.objects.filter(school=school).filter(
                Q(is_active=True) | Q(pk=self.instance.intervention_id))
        self.fields["staff"].queryset = school_staff(school)
        self.fields["staff"].label_from_instance = lambda u: u.full_name
        self.fields["staff"].required = True
        self.fields["staff"].error_messages["required"] = "Choose who runs the group."
        self.fields["minutes_per_session"].required = False
        self.fields["minutes_per_session"].help_text = "Leave empty for the intervention's usual length."
        fix_once_ended(self, GROUP_FIXED_ONCE_ENDED, "group")

    def clean(self):
        data = super().clean()
        refuse_posted_changes(self)
        start, end = data.get("start_date"), data.get("planned_end_date")
        if start and end and end < start:
            self.add_error("planned_end_date", f"The end can't be before the start ({_d(start)}).")
        if not data.get("minutes_per_session") and data.get("intervention"):
            data["minutes_per_session"] = data["intervention"].minutes_per_session
            self.instance.minutes_per_session = data["minutes_per_session"]
        return data


def _in_force_outcomes(school):
    return Outcome.objects.filter(plan__pupil__school=school, plan__status=VersionStatus.IN_FORCE).select_related(
        "plan")


def _in_force_provision(school):
    return Provision.objects.filter(plan__pupil__school=school, plan__status=VersionStatus.IN_FORCE).select_related(
        "plan")


class PlacementForm(forms.ModelForm):
    """A pupil added to a group. The outcome or provision item must belong to that pupil's plan in
    force; the dates must lie within the group's; the group may not grow past the intervention's size."""

    class Meta:
        model = Placement
        fields = ["pupil", "smart_target", "outcome", "provision", "start_date", "end_date", "review_due"]
        widgets = {"smart_target": forms.Textarea(attrs={"rows": 2, "placeholder":
                   "e.g. By 12 December, Sam will name three feelings and one thing that helps, with one prompt"}),
                   "start_date": _date(), "end_date": _date(), "review_due": _date()}
        error_messages = {"smart_target": {"required": "Write the pupil's SMART target for this group."},
                          "pupil": {"required": "Choose a pupil."}}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["pupil"].queryset = Pupil.objects.filter(school_id=group.school_id).current()
        self.fields["pupil"].label_from_instance = lambda p: f"{p.display_name} (Year {p.year_group})"
        self.fields["outcome"].queryset = _in_force_outcomes(group.school_id)
        self.fields["outcome"].label_from_instance = lambda o: f"{o.plan.get_kind_display()}: {o.text[:90]}"
        self.fields["provision"].queryset = _in_force_provision(group.school_id)
        self.fields["provision"].label_from_instance = lambda p: f"{p.plan.get_kind_display()}: {p.description[:90]}"
        self.fields["review_due"].required = False
        self.fields["review_due"].help_text = "Leave empty to review at the planned end."
        if not self.is_bound:
            self.initial.setdefault("start_date", max(group.start_date, timezone.localdate()))
            self.initial.setdefault("end_date", group.last_day)

    def clean(self):
        data = super().clean()
        pupil, group = data.get("pupil"), self.group
        for name in ("outcome", "provision"):
            item = data.get(name)
            if item is not None and pupil is not None and item.plan.pupil_id != pupil.pk:
                what = "outcome" if name == "outcome" else "provision item"
                self.add_error(name, f"That {what} is in another pupil's plan: choose one from "
                                     f"{pupil.display_name}'s plan in force.")
        start, end = data.get("start_date"), data.get("end_date")
        if start and start < group.start_date:
            self.add_error("start_date", f"The group starts on {_d(group.start_date)}: start on or after that.")
        if end and end > group.last_day:
            self.add_error("end_date", f"The group ends on {_d(group.last_day)}: end on or before that.")
        if start and end and end < start:
            self.add_error("end_date", f"The end can't be before the start ({_d(start)}).")
        if pupil is not None and Placement.objects.filter(group=group, pupil=pupil).exists():
            self.add_error("pupil", f"{pupil.display_name} is already on this group.")
        if not data.get("review_due") and end:
            data["review_due"] = end
        return data


class ScoresForm(forms.ModelForm):
    """Entry and exit scores on the intervention's own measure, and progress against the SMART
    target on the one progress scale."""

    class Meta:
        model = Placement
        fields = ["entry_score", "entry_date", "exit_score", "exit_date", "target_progress"]
        widgets = {"entry_date": _date(), "exit_date": _date()}
        labels = {"target_progress": "Progress against the SMART target"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        intervention = self.instance.group.intervention
        self.low, self.high = intervention.measure_min, intervention.measure_max
        measure = intervention.measure or "the intervention's measure"
        for name in ("entry_score", "exit_score"):
            field = self.fields[name]
            field.label = f"{'Entry' if name == 'entry_score' else 'Exit'} score ({measure})"
            if self.low is not None:
                field.widget.attrs["min"] = self.low
            if self.high is not None:
                field.widget.attrs["max"] = self.high
            if self.low is not None and self.high is not None:
                field.help_text = f"From {self.low} to {self.high}."
        today = timezone.localdate()
        for name in ("entry_date", "exit_date"):
            self.fields[name].widget.attrs["max"] = today.isoformat()

    def _check_range(self, name):
        score = self.cleaned_data.get(name)
        if score is None:
            return score
        if self.low is not None and score < self.low:
            raise forms.ValidationError(f"The lowest score on this measure is {self.low}.")
        if self.high is not None and score > self.high:
            raise forms.ValidationError(f"The highest score on this measure is {self.high}.")
        return score

    def clean_entry_score(self):
        return self._check_range("entry_score")

    def clean_exit_score(self):
        return self._check_range("exit_score")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for score, when in (("entry_score", "entry_date"), ("exit_score", "exit_date")):
            if score in self.errors or when in self.errors:
                continue
            if (data.get(score) is None) != (data.get(when) is None):
                missing = when if data.get(when) is None else score
                self.add_error(missing, "Enter both the score and the date it was taken.")
            elif data.get(when) and data[when] > today:
                self.add_error(when, f"The date can't be in the future: today is {_d(today)}.")
        if "exit_score" not in self.errors and "exit_date" not in self.errors and data.get("exit_score") is not None:
            if data.get("entry_score") is None:
                self.add_error("exit_score", "Record the entry score first: an exit score needs one to compare with.")
            elif data.get("exit_date") and data.get("entry_date") and data["exit_date"] < data["entry_date"]:
                self.add_error("exit_date", f"The exit can't be before the entry ({_d(data['entry_date'])}).")
        return data


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", widget=_date(),
                                  error_messages={"required": "Enter the date of the review."})
    review_decision = forms.ChoiceField(label="Decision", choices=ReviewDecision.choices, widget=forms.RadioSelect,
                                        error_messages={"required": "Choose continue, change or stop."})
    review_score = forms.TypedChoiceField(label="Impact", choices=ReviewScore.choices, coerce=int,
                                          widget=forms.RadioSelect,
                                          error_messages={"required": "Score the impact from 1 to 5."})
    review_notes = forms.CharField(label="Notes", required=False, max_length=4000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    end_placement = forms.BooleanField(label="End the placement on the review date", required=False)

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        if not self.is_bound:
            self.initial.setdefault("reviewed_on", timezone.localdate())
        self.fields["reviewed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_reviewed_on(self):
        day = self.cleaned_data["reviewed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(f"The date can't be in the future: today is {_d(timezone.localdate())}.")
        if day < self.placement.start_date:
            raise forms.ValidationError(f"The placement started on {_d(self.placement.start_date)}.")
        return day


class EndForm(forms.Form):
    ended_on = forms.DateField(label="Ended on", widget=_date(), error_messages={"required": "Enter the end date."})

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        if not self.is_bound:
            self.initial.setdefault("ended_on", min(timezone.localdate(), placement.end_date))

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        if day < self.placement.start_date:
            raise forms.ValidationError(f"The placement started on {_d(self.placement.start_date)}: "
                                        "end it on or after that.")
        return day


class EndRunForm(forms.Form):
    """Ending a group or a therapy programme: the last day it ran and why. Which dates it may take
    (its start, its last delivery, today, a group's planned end) the service checks; its refusals
    come back next to these fields."""

    ended_on = forms.DateField(label="End date", widget=_date(), error_messages={"required": "Enter the end date."})
    reason = forms.CharField(label="Why is it ending?", max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
                             error_messages={"required": "Say why it is ending.",
                                             "max_length": f"Keep the reason to {REASON_MAX} characters or fewer."})

    def __init__(self, *args, start, latest, later_hint="", reason_example, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        if not self.is_bound:
            self.initial.setdefault("ended_on", latest)
        self.fields["ended_on"].widget.attrs.update(min=min(start, today).isoformat(), max=latest.isoformat())
        if start > today:
            help_text = f"It hasn't started yet (it starts on {_d(start)}): ending it today calls it off."
        else:
            upto = "today" if latest == today else _d(latest)
            help_text = f"The last day it ran, from {_d(start)} to {upto}.{later_hint}"
        self.fields["ended_on"].help_text = help_text
        self.fields["reason"].help_text = f"Shown on its page and in its history, e.g. “{reason_example}”."

    @classmethod
    def for_group(cls, group, data=None):
        """Planned sessions after the end are cancelled; it can't end after its planned end."""
        return cls(data, start=group.start_date, latest=min(timezone.localdate(), group.planned_end_date),
                   later_hint=" To stop it on a later date, change its planned end instead.",
                   reason_example="Targets met early")

    @classmethod
    def for_programme(cls, programme, data=None):
        return cls(data, start=programme.set_on, latest=timezone.localdate(),
                   reason_example="Discharged by the therapist")


class ReopenForm(forms.Form):
    """Re-opening a group or programme ended by mistake: why (kept with its ending, in its history)."""

    reason = forms.CharField(label="Why is it being re-opened?", max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
                             help_text="Shown on its page with the ending it undoes, e.g. “Ended the wrong group”.",
                             error_messages={"required": "Say why it is being re-opened.",
                                             "max_length": f"Keep the reason to {REASON_MAX} characters or fewer."})


def sniff_report_type(upload) -> str | None:
    """The real type of a therapist's report from its bytes: a PDF, an image, or a Word .docx."""
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        return DOCX if "word/document.xml" in names and "[Content_Types].xml" in names else None
    return sniff_content_type(upload)


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = TherapyProgramme
        fields = ["pupil", "therapist", "service", "service_name", "set_on", "targets", "activities", "frequency",
                  "review_on", "outcome", "staff", "report"]
        widgets = {"set_on": _date(), "review_on": _date(), "staff": forms.CheckboxSelectMultiple,
                   "targets": forms.Textarea(attrs={"rows": 3}), "activities": forms.Textarea(attrs={"rows": 3}),
                   "report": forms.ClearableFileInput(attrs={"accept": REPORT_ACCEPT})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school).current()
        self.fields["pupil"].label_from_instance = lambda p: f"{p.display_name} (Year {p.year_group})"
        self.fields["outcome"].queryset = _in_force_outcomes(school)
        self.fields["outcome"].label_from_instance = lambda o: f"{o.plan.get_kind_display()}: {o.text[:90]}"
        self.fields["staff"].queryset = school_staff(school)
        self.fields["staff"].label_from_instance = lambda u: u.full_name
        self.fields["report"].help_text = "A PDF, Word document (.docx) or photo; up to 10 MB."
        if self.instance.pk:
            self.fields["pupil"].disabled = True
        fix_once_ended(self, PROGRAMME_FIXED_ONCE_ENDED, "programme")

    def clean_report(self):
        report = self.cleaned_data.get("report")
        if not report or not hasattr(report, "content_type") or report is self.instance.report:
            return report
        if report.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(f"“{report.name}” is {human_size(report.size)}: the limit is 10 MB.")
        kind = sniff_report_type(report)
        if kind is None:
            raise forms.ValidationError(f"“{report.name}” isn't a PDF, Word document (.docx) or photo: its "
                                        "contents don't match, so it wasn't attached.")
        report.content_type = kind
        return report

    def clean(self):
        data = super().clean()
        refuse_posted_changes(self)
        pupil = self.instance.pupil if self.instance.pk else data.get("pupil")
        outcome = data.get("outcome")
        if outcome is not None and pupil is not None and outcome.plan.pupil_id != pupil.pk:
            self.add_error("outcome", f"That outcome is in another pupil's plan: choose one from "
                                      f"{pupil.display_name}'s plan in force.")
        if data.get("set_on") and data.get("review_on") and data["review_on"] < data["set_on"]:
            self.add_error("review_on", f"The review can't be before the date set ({_d(data['set_on'])}).")
        return data


class DeliveryForm(forms.ModelForm):
    class Meta:
        model = ProgrammeDelivery
        fields = ["delivered_on", "minutes", "rating", "note"]
        widgets = {"delivered_on": _date(), "note": forms.Textarea(attrs={"rows": 2}),
                   "minutes": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 240})}
        labels = {"delivered_on": "Date", "rating": "Progress (optional)"}
        error_messages = {"minutes": {"required": "Enter how many minutes.",
                                      "min_value": "Enter at least 1 minute.",
                                      "max_value": "Enter 240 minutes (4 hours) or fewer."},
                          "delivered_on": {"required": "Enter the date."}}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["rating"].choices = [("", "No rating")] + list(Rating.choices)
        today = timezone.localdate()
        latest = min(today, programme.ended_on) if programme.ended_on else today  # a late line after the end
        if not self.is_bound:
            self.initial.setdefault("delivered_on", latest)
        self.fields["delivered_on"].widget.attrs.update(max=latest.isoformat(), min=programme.set_on.isoformat())
        if programme.ended_on:
            self.fields["delivered_on"].help_text = f"The programme ended on {_d(programme.ended_on)}."

    def clean_delivered_on(self):
        day = self.cleaned_data["delivered_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(f"The date can't be in the future: today is {_d(today)}.")
        if self.programme.ended_on and day > self.programme.ended_on:
            raise forms.ValidationError(f"The programme ended on {_d(self.programme.ended_on)}: "
                                        "log deliveries up to that date.")
        if day < self.programme.set_on:
            raise forms.ValidationError(f"The programme was set on {_d(self.programme.set_on)}: "
                                        "the date can't be before that.")
        return day
