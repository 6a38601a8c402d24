"""Reads for safeguarding pages, each in a fixed number of queries whatever the data size.

Everything here is for the safeguarding team (callers check Ability.READ_SAFEGUARDING first),
except `raised_by` (a person's own concerns: reference and date only) and `pupils_to_pick`."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch
from django.utils.dateparse import parse_datetime

from incidents.models import Incident, Intensity
from pupils.models import Pupil

from .models import NOT_CLOSED, ActionKind, Concern, ConcernAction, Status

PAGE_SIZE = 25
PICK_LIMIT = 30
SERIOUS_INTENSITY = Intensity.HIGH  # incidents at or above this appear in a chronology


def pupils_to_pick(staff, q: str) -> list[Pupil]:
    """Current pupils of the school matching a name (any member of staff may raise a concern about
    any of them). Callers show only name and class."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    terms = Q()
    for word in q.split():
        terms &= Q(legal_last_name__icontains=word) | Q(legal_first_name__icontains=word) | Q(
            preferred_name__icontains=word)
    return list(Pupil.objects.in_school(staff).current().filter(terms).select_related("class_group")
                .order_by("legal_last_name", "legal_first_name", "id")[:PICK_LIMIT])


def pupil_to_raise_about(staff, pupil_id) -> Pupil:
    return get_object_or_404(Pupil.objects.in_school(staff).current().select_related("class_group"), pk=pupil_id)


def raised_by(staff):
    """The person's own concerns in this school, newest first: only what they may see of them."""
    return (Concern.objects.filter(school=staff.school, raised_by=staff.user)
            .only("id", "recorded_at").order_by("-recorded_at", "-id"))


def get_own_concern(staff, concern_id) -> Concern:
    return get_object_or_404(raised_by(staff), pk=concern_id)


# --- the safeguarding team ------------------------------------------------------------------------

def get_concern_for(staff, concern_id) -> Concern:
    """A concern of the person's current school, or 404. Callers have checked the ability (403)."""
    return get_object_or_404(
        Concern.objects.filter(school=staff.school).select_related(
            "pupil", "pupil__class_group", "raised_by", "decided_by", "related_incident",
            "related_incident__location"),
        pk=concern_id)


def concern_page(concern: Concern) -> dict:
    """The concern's record: its actions, oldest first (one query)."""
    actions = list(ConcernAction.objects.filter(concern=concern).select_related("author").order_by("at", "id"))
    return {"concern": concern, "actions": actions}


def counts(staff, pupil=None) -> dict:
    """Not-closed and new (nobody has acted yet) concerns of the school or of one pupil (one query)."""
    qs = Concern.objects.filter(school=staff.school)
    if pupil is not None:
        qs = qs.filter(pupil=pupil)
    return qs.aggregate(
        open=Count("pk", filter=Q(status__in=NOT_CLOSED)),
        new=Count("pk", filter=Q(status__in=NOT_CLOSED, last_action_at__isnull=True)),
        total=Count("pk"),
    )


def concerns_for_incident(staff, incident) -> list[Concern]:
    return list(Concern.objects.filter(school=staff.school, related_incident=incident)
                .only("id", "recorded_at", "status", "last_action_at").order_by("recorded_at", "id"))


@dataclass
class ListPage:
    rows: list
    next_cursor: str | None
    pupil: Pupil | None


STATUS_FILTERS = {
    "": ("Not closed", Q(status__in=NOT_CLOSED)),
    "new": ("New: no action yet", Q(status__in=NOT_CLOSED, last_action_at__isnull=True)),
    **{s.value: (s.label, Q(status=s.value)) for s in Status},
    "all": ("All", Q()),
}


def _cursor(concern) -> str:
    return f"{concern.recorded_at.isoformat()}~{concern.pk}"


def _parse_cursor(cursor: str):
    try:
        when, pk = cursor.rsplit("~", 1)
        when = parse_datetime(when)
        return (when, int(pk)) if isinstance(when, datetime.datetime) else None
    except (ValueError, TypeError):
        return None


def concern_list(staff, *, status: str = "", pupil_id=None, q: str = "", cursor: str = "",
                 page_size: int = PAGE_SIZE) -> ListPage:
    """The school's concerns, newest first, a page at a time by keyset (no COUNT): one query, plus
    one for the pupil when filtered by pupil."""
    qs = Concern.objects.filter(school=staff.school).filter(STATUS_FILTERS.get(status, STATUS_FILTERS[""])[1])
    pupil = None
    if pupil_id:
        pupil = Pupil.objects.in_school(staff).select_related("class_group").filter(pk=pupil_id).first()
        qs = qs.filter(pupil_id=pupil.pk if pupil else None)
    if q := (q or "").strip():
        for word in q.split():
            qs = qs.filter(Q(pupil__legal_last_name__icontains=word) | Q(pupil__legal_first_name__icontains=word)
                           | Q(pupil__preferred_name__icontains=word))
    if cursor and (key := _parse_cursor(cursor)):
        when, pk = key
        qs = qs.filter(Q(recorded_at__lt=when) | Q(recorded_at=when, pk__lt=pk))
    rows = list(qs.select_related("pupil", "pupil__class_group", "raised_by")
                .order_by("-recorded_at", "-id")[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    return ListPage(rows=rows, next_cursor=_cursor(rows[-1]) if more else None, pupil=pupil)


# --- chronology -------------------------------------------------------------------------------------

@dataclass
class Entry:
    at: datetime.datetime
    kind: str  # "concern", "action", "incident"
    title: str
    text: str = ""
    detail: list | None = None  # [(label, value)]
    who: str = ""
    url: str = ""
    reference: str = ""
    badge: str = ""


def incident_url(incident) -> str:
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:  # incident pages not mounted (yet)
        return ""


def chronology(staff, pupil, *, newest_first: bool = False) -> list[Entry]:
    """One pupil's significant events, dated: concerns, every action on them, and incidents that
    matter (linked to a concern, a physical intervention, or intensity 4-5). Three queries."""
    concerns = list(Concern.objects.filter(school=staff.school, pupil=pupil).select_related("raised_by"))
    actions = list(ConcernAction.objects.filter(concern__school=staff.school, concern__pupil=pupil)
                   .select_related("author", "concern"))
    linked = {c.related_incident_id for c in concerns if c.related_incident_id}
    incidents = list(
        Incident.objects.filter(school=staff.school)
        .filter(Q(pk__in=linked) | Q(pupil=pupil) & (Q(physical_intervention=True)
                                                      | Q(intensity__gte=SERIOUS_INTENSITY)))
        .select_related("location", "created_by"))
    concern_for_incident = {}
    for c in concerns:
        if c.related_incident_id:
            concern_for_incident.setdefault(c.related_incident_id, []).append(c.reference)

    entries = []
    for c in concerns:
        detail = [("Where", c.place)]
        if c.child_words:
            detail.append(("Child's words", f"“{c.child_words}”"))
        if c.body_regions:
            detail.append(("On the body", ", ".join(c.body_region_labels)))
        if c.opinion:
            detail.append(("Opinion (of the person raising it)", c.opinion))
        if c.immediate_action:
            detail.append(("Done straight away", c.immediate_action))
        entries.append(Entry(at=c.occurred_at, kind="concern", title="Concern raised", text=c.facts, detail=detail,
                             who=c.raised_by.full_name, url=c.get_absolute_url(), reference=c.reference,
                             badge=c.get_status_display()))
    for a in actions:
        detail = []
        if a.kind == ActionKind.REFERRAL and a.reference:
            detail.append(("Their reference", a.reference))
        if a.owner:
            detail.append(("Who will do it", a.owner))
        if a.outcome:
            detail.append(("Outcome", a.outcome))
        if a.reason:
            detail.append(("Reason", a.reason))
        text = "" if a.kind == ActionKind.STATUS else a.text
        entries.append(Entry(at=a.at, kind="action", title=a.headline, text=text, detail=detail,
                             who=a.author.full_name, url=a.concern.get_absolute_url(), reference=a.concern.reference))
    for i in incidents:
        detail = [("Where", str(i.location)), ("Intensity", i.get_intensity_display())]
        if i.physical_intervention:
            detail.append(("Physical intervention", "Force, restraint, seclusion or immobilisation was used"))
        if refs := concern_for_incident.get(i.pk):
            detail.append(("Linked to", ", ".join(refs)))
        entries.append(Entry(at=i.occurred_at, kind="incident", title="Incident", text=i.behaviour_summary,
                             detail=detail, who=i.created_by.full_name, url=incident_url(i), reference=i.reference,
                             badge="Physical intervention" if i.physical_intervention else ""))
    order = {"concern": 0, "incident": 1, "action": 2}
    entries.sort(key=lambda e: (e.at, order[e.kind]), reverse=newest_first)
    return entries

