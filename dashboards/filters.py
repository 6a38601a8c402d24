"""The dashboards' filters: a date range (a preset from the school's term dates, or typed dates)
and which pupils (year group, class, need, SEN status, one pupil). All in the query string, so a
view can be bookmarked or sent to a colleague; the choices only ever list pupils and classes the
person may see, and the pupils are always narrowed from `Pupil.objects.visible_to(staff)`."""

import datetime
import html
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.access import Ability
from accounts.models import Term
from pupils.models import YEAR_GROUPS, ClassGroup, Need, Pupil, SENStatus

CUSTOM = "custom"
PRESETS = [
    ("this_term", "This term"),
    ("this_half_term", "This half-term"),
    ("last_term", "Last term"),
    ("academic_year", "This academic year"),
    (CUSTOM, "Dates below"),
]
FALLBACK_WEEKS = 12  # a school with no term dates yet sees the last 12 weeks
# Filters that choose pupils: one pupil's page offers none of them (the pupil picker moves to another page).
PUPIL_FILTERS = ["year", "class_group", "need", "sen_status"]


def academic_year_start(day: datetime.date) -> datetime.date:
    """English schools' year runs 1 September to 31 August."""
    return datetime.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def preset_range(preset: str, terms: list[Term], today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The dates of a preset from the school's terms (ordered by start), or None when the school
    has no term to base it on. "This" presets end today: the figures are to date."""
    if preset == "academic_year":
        return academic_year_start(today), today
    started = [t for t in terms if t.starts_on <= today]
    if not started:
        return None
    current = started[-1]  # the term in progress, or the last one before a holiday
    if preset == "this_term":
        return current.starts_on, min(today, current.ends_on)
    if preset == "last_term":
        if len(started) < 2:
            return None
        last = started[-2]
        return last.starts_on, last.ends_on
    if preset == "this_half_term":
        ht_start, ht_end = current.half_term_starts_on, current.half_term_ends_on
        if ht_start and ht_end and today > ht_end:
            return ht_end + datetime.timedelta(days=1), min(today, current.ends_on)
        if ht_start and today >= ht_start:  # during the break: the half just finished
            return current.starts_on, ht_start - datetime.timedelta(days=1)
        return current.starts_on, min(today, ht_start - datetime.timedelta(days=1) if ht_start else current.ends_on)
    return None


class OnePassSelect(forms.Select):
    """A select drawn in one pass: Django draws each option through its own template, which for the
    filter form's few dozen options cost more than some of the dashboard's figures."""

    def options(self):
        return ((value, label) for value, label in self.choices)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{html.escape(str(v))}"{" selected" if str(v) == chosen else ""}>'
            f"{html.escape(str(label))}</option>" for v, label in self.options())
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))


class PupilSelect(OnePassSelect):
    """The pupil picker from plain (id, name) rows of `self.pupils`, not model instances: a whole
    school's pupils (3,000)."""

    pupils = None  # the queryset the field chooses from (set by the form)
    empty_label = "All pupils"

    def options(self):
        yield "", self.empty_label
        rows = self.pupils.values_list("pk", "preferred_name", "legal_first_name", "legal_last_name")
        for pk, preferred, first, last in rows:  # names as Pupil.display_name writes them
            yield pk, f"{preferred or first} {last}"


class FilterForm(forms.Form):
    preset = forms.ChoiceField(label="Period", choices=PRESETS, required=False, widget=OnePassSelect)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.TypedChoiceField(label="Year group", choices=[("", "All year groups")] + YEAR_GROUPS,
                                  coerce=int, empty_value=None, required=False, widget=OnePassSelect)
    class_group = forms.ModelChoiceField(label="Class", queryset=ClassGroup.objects.none(), required=False,
                                         empty_label="All classes", widget=OnePassSelect)
    need = forms.ChoiceField(label="Primary need", choices=[("", "All needs")] + Need.choices, required=False,
                             widget=OnePassSelect)
    sen_status = forms.ChoiceField(label="SEN status", choices=[("", "Any SEN status")] + SENStatus.choices,
                                   required=False, widget=OnePassSelect)
    pupil = forms.ModelChoiceField(label="Pupil", queryset=Pupil.objects.none(), required=False,
                                   empty_label="All pupils", widget=PupilSelect)

    def __init__(self, data, *, staff, pupil_field=True, one_pupil=False):
        """`one_pupil`: the form of one pupil's page: dates and the pupil picker only."""
        super().__init__(data)
        visible = Pupil.objects.visible_to(staff).current()
        ordered = visible.order_by("legal_last_name", "legal_first_name", "pk")
        self.fields["pupil"].queryset = ordered
        self.fields["pupil"].widget.pupils = ordered
        self.fields["class_group"].queryset = ClassGroup.objects.filter(
            school=staff.school, pk__in=visible.values("class_group_id"))
        if one_pupil:  # the picker moves to another pupil's page
            for name in PUPIL_FILTERS:
                del self.fields[name]
            self.fields["pupil"].label = "Another pupil"
            self.fields["pupil"].widget.empty_label = "Stay on this pupil"
        if not pupil_field:
            del self.fields["pupil"]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        if (data.get("preset") or "") == CUSTOM and not (start and end) and not self.errors:
            self.add_error("start" if not start else "end", "Give both dates, or choose a period above.")
        return data


@dataclass
class Filters:
    start: datetime.date
    end: datetime.date
    preset: str
    year: int | None = None
    class_group: ClassGroup | None = None
    need: str = ""
    sen_status: str = ""
    pupil: Pupil | None = None
    terms: list = field(default_factory=list, repr=False)  # the school's Term rows, by start

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def narrows_pupils(self) -> bool:
        return any([self.year is not None, self.class_group, self.need, self.sen_status, self.pupil])

    def pupils(self, staff):
        """The pupils the figures cover: visible to this person, then narrowed by the filters."""
        qs = Pupil.objects.visible_to(staff)
        q = Q()
        if self.year is not None:
            q &= Q(year_group=self.year)
        if self.class_group:
            q &= Q(class_group=self.class_group)
        if self.need:
            q &= Q(primary_need=self.need)
        if self.sen_status:
            q &= Q(sen_status=self.sen_status)
        if self.pupil:
            q &= Q(pk=self.pupil.pk)
        return qs.filter(q)

    def describe(self) -> str:
        parts = [f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"]
        if self.year is not None:
            parts.append(dict(YEAR_GROUPS)[self.year])
        if self.class_group:
            parts.append(f"class {self.class_group}")
        if self.need:
            parts.append(Need(self.need).label)
        if self.sen_status:
            parts.append(SENStatus(self.sen_status).label)
        if self.pupil:
            parts.append(self.pupil.display_name)
        return "; ".join(parts)


def _terms_missing(preset: str, terms: list[Term], staff):
    """Why a preset has no dates, and where term dates are entered (a link for those who may)."""
    which = "Last term's" if preset == "last_term" and terms else "This term's" if terms else "The school's term"
    if staff.can(Ability.MANAGE_SCHOOL_SETUP):
        return format_html('{} dates aren\'t entered yet. Enter them in <a href="{}">school set-up</a>.', which,
                           reverse("accounts:school_setup"))
    return f"{which} dates aren't entered yet. Ask whoever manages school set-up to enter them."


def read_filters(request, *, pupil_field=True, one_pupil=False) -> tuple[FilterForm, Filters]:
    """The filter form bound to the query string and the filters it resolves to. Bad input is
    shown next to its field and that part falls back to the default (this term, else 12 weeks).
    `one_pupil`: one pupil's page, where only the dates apply."""
    staff = request.staff
    form = FilterForm(request.GET, staff=staff, pupil_field=pupil_field, one_pupil=one_pupil)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    today = timezone.localdate()
    terms = list(Term.objects.filter(school=staff.school).order_by("starts_on"))
    preset = data.get("preset") or ""
    dates = None
    if preset == CUSTOM or (not preset and data.get("start") and data.get("end")):
        if data.get("start") and data.get("end"):
            dates, preset = (data["start"], data["end"]), CUSTOM
    elif preset:
        dates = preset_range(preset, terms, today)
    missing = preset if preset and preset != CUSTOM and dates is None else ""
    if dates is None:
        preset = "this_term"
        dates = preset_range(preset, terms, today)
        if dates is None:
            preset, dates = CUSTOM, (today - datetime.timedelta(weeks=FALLBACK_WEEKS) + datetime.timedelta(days=1), today)
    if missing:
        shown_instead = "this term" if preset == "this_term" else f"the last {FALLBACK_WEEKS} weeks"
        form.add_error("preset", format_html("{} The figures below are for {}.",
                                             _terms_missing(missing, terms, staff), shown_instead))
    # Show what the figures cover: the period chosen and its dates (typed values with an error stay).
    shown = form.data.copy()
    shown["preset"] = preset
    if "start" not in form.errors and "end" not in form.errors:
        shown["start"], shown["end"] = dates[0].isoformat(), dates[1].isoformat()
    form.data = shown
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["class"] += " is-invalid"
            attrs["aria-describedby"] = f"id_{name}-error"
    filters = Filters(start=dates[0], end=dates[1], preset=preset, year=data.get("year"),
                      class_group=data.get("class_group"), need=data.get("need") or "",
                      sen_status=data.get("sen_status") or "", pupil=data.get("pupil"), terms=terms)
    return form, filters
