"""Reads for restrictive-intervention pages and panels, each in a fixed number of queries, and the
statutory duties worked out from a record and its follow-ups:

- the record written as soon as practicable, aiming for the same day (Europe/London dates);
- each parent told as soon as practicable (or, where that would risk significant harm to the
  pupil, the local authority told instead; no report is needed for a pupil aged 20 or over);
- the record reviewed and signed off by a senior leader or the SENCo (school practice: a week).

An open duty is a timer: how long since the intervention (or the incident, for a record not yet
written), and whether it is past its aim."""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case, Count, DateTimeField, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Term, TrainingCourse, TrainingRecord, User
from incidents.models import Incident, InvolvedPupil
from plans.models import PositiveHandlingPlan, VersionStatus
from plans.selectors_behaviour import HANDLING_COURSES, lines
from pupils.models import Pupil

from .models import (
    Debrief, InterventionInjury, InterventionStaff, InterventionWitness, ParentReport, RestrictiveIntervention,
    Review,
)

REVIEW_WITHIN = datetime.timedelta(days=7)  # school practice, not statute: say so on the page
NO_PARENT_REPORT_FROM_AGE = 20  # the regulations need no report to parents from age 20
HOME_LIMIT = 30  # rows in the home panel's list; the rest are counted as "more"


# --- timers --------------------------------------------------------------------------------------

def elapsed(delta: datetime.timedelta) -> str:
    """"45 min", "3 h 20 min", "2 days 4 h": how long a duty has been open."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def end_of_day(moment: datetime.datetime) -> datetime.datetime:
    """Midnight at the end of the moment's Europe/London day."""
    day = timezone.localdate(moment) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass(frozen=True)
class Duty:
    key: str  # "written", "parents", "review"
    title: str
    done: bool
    text: str
    overdue: bool = False  # open and past its aim
    late: bool = False  # done, but after its aim
    note: str = ""


def age_on(pupil: Pupil, day: datetime.date) -> int:
    dob = pupil.date_of_birth
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def duties_for(ri: RestrictiveIntervention, *, parents_done_at, parents_withheld: bool, written_report_sent: bool,
               reviewed_at, now=None) -> list[Duty]:
    """The three duties of one record. `parents_done_at`: when the parents (or, the report being
    withheld, the local authority) were first told, else None; `reviewed_at`: the sign-off."""
    now = now or timezone.now()
    start_day = timezone.localdate(ri.started_at)
    written_day = timezone.localdate(ri.written_at)
    late_days = (written_day - start_day).days
    if late_days <= 0:
        written = Duty("written", "Record written", True,
                       f"Written the same day, at {timezone.localtime(ri.written_at):%H:%M}")
    else:
        written = Duty("written", "Record written", True, late=True,
                       text=f"Written {late_days} day{'s' if late_days != 1 else ''} after the intervention, "
                            f"on {written_day:%-d %b}: the aim is the same day")

    if age_on(ri.pupil, start_day) >= NO_PARENT_REPORT_FROM_AGE:
        parents = Duty("parents", "Parents told", True, "Not needed: the pupil was 20 or over")
    elif parents_done_at is not None:
        when = timezone.localtime(parents_done_at)
        if parents_withheld:
            parents = Duty("parents", "Parents told", True,
                           f"Report withheld (risk of significant harm); local authority told, recorded "
                           f"{when:%-d %b at %H:%M}")
        else:
            parents = Duty("parents", "Parents told", True, f"Parents told {when:%-d %b at %H:%M}",
                           late=timezone.localdate(parents_done_at) > start_day,
                           note="" if written_report_sent else "The date the written report was sent is not "
                                                               "recorded yet.")
    else:
        parents = Duty("parents", "Parents told", False,
                       f"Parents not told yet: {elapsed(now - ri.started_at)} since the intervention",
                       overdue=now >= end_of_day(ri.started_at))

    if reviewed_at is not None:
        review = Duty("review", "Review signed off", True,
                      f"Signed off {timezone.localtime(reviewed_at):%-d %b at %H:%M}",
                      late=reviewed_at - ri.started_at > REVIEW_WITHIN)
    else:
        review = Duty("review", "Review signed off", False,
                      f"Review not signed off yet: {elapsed(now - ri.started_at)} since the intervention",
                      overdue=now - ri.started_at > REVIEW_WITHIN)
    return [written, parents, review]


def record_due(incident: Incident, now=None) -> Duty:
    """The duty to write the record, for an incident with force used and no record yet."""
    now = now or timezone.now()
    return Duty("written", "Record written", False,
                f"Record not written yet: {elapsed(now - incident.occurred_at)} since the incident",
                overdue=now >= end_of_day(incident.occurred_at))


def _with_duty_columns(qs: QuerySet) -> QuerySet:
    """Annotate each record with what its duties need, as subqueries (no extra queries)."""
    reports = ParentReport.objects.filter(intervention=OuterRef("pk"))
    done = (reports.filter(Q(withheld=True) | Q(told_at__isnull=False))
            .annotate(done_at=Case(When(withheld=True, then=F("created_at")), default=F("told_at"),
                                   output_field=DateTimeField()))
            .order_by("done_at"))
    return qs.annotate(
        parents_done_at=Subquery(done.values("done_at")[:1]),
        parents_withheld=Exists(reports.filter(withheld=True)),
        written_report_sent=Exists(reports.filter(written_report_sent_on__isnull=False)),
        reviewed_at=Subquery(Review.objects.filter(intervention=OuterRef("pk")).values("created_at")[:1]),
    )


def annotated_duties(ri, now=None) -> list[Duty]:
    return duties_for(ri, parents_done_at=ri.parents_done_at, parents_withheld=ri.parents_withheld,
                      written_report_sent=ri.written_report_sent, reviewed_at=ri.reviewed_at, now=now)


# --- who may read which record --------------------------------------------------------------------

def readable(staff, incident: Incident) -> Q:
    """Records of a readable incident this person may open: about the incident's own pupil, written
    by them, or about a pupil they may see (an involved pupil outside their caseload is not theirs
    to read about)."""
    return (Q(pupil_id=incident.pupil_id) | Q(written_by=staff.user)
            | Q(pupil__in=Pupil.objects.visible_to(staff).values("pk")))


# --- the record form ------------------------------------------------------------------------------

def pupils_of(incident: Incident) -> list[Pupil]:
    """The incident's pupil and the other pupils involved: whom a record may be about. One query."""
    involved = [ip.pupil for ip in InvolvedPupil.objects.filter(incident=incident).select_related(
        "pupil", "pupil__class_group").order_by("pupil__legal_last_name", "pupil__legal_first_name")]
    return [incident.pupil] + [p for p in involved if p.pk != incident.pupil_id]


def plan_in_force(pupil: Pupil) -> PositiveHandlingPlan | None:
    return PositiveHandlingPlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()


def plan_techniques(plan: PositiveHandlingPlan | None) -> list[str]:
    return lines(plan.approved_techniques) if plan else []


def training_on(user: User, records: list[TrainingRecord], day: datetime.date, scheme: str = ""):
    """The training record that counts on `day`: current that day, the plan's own scheme first;
    else the most recent (expired, or not started yet). None if there is none."""
    records = [r for r in records if r.user_id == user.pk and r.course in HANDLING_COURSES]
    records.sort(key=lambda r: (r.course != scheme, -r.completed_on.toordinal()))
    current = [r for r in records if r.completed_on <= day and (r.expires_on is None or r.expires_on >= day)]
    if current:
        return current[0]
    return max(records, key=lambda r: r.completed_on) if records else None


def course_label(course: str) -> str:
    return TrainingCourse(course).label if course in TrainingCourse.values else course


# --- the detail page ------------------------------------------------------------------------------

@dataclass
class DetailPage:
    ri: RestrictiveIntervention
    staff: list = field(default_factory=list)
    witnesses: list = field(default_factory=list)
    injuries: list = field(default_factory=list)
    debriefs: list = field(default_factory=list)
    parent_reports: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    duties: list = field(default_factory=list)


def detail_page(staff, incident: Incident, ri_id) -> DetailPage:
    """One record whole, or 404. Queries: the record with pupil, author, place and plan (1), staff
    with their names (1), witnesses (1), injuries (1), debriefs (1), parent reports (1), review (1)."""
    ri = get_object_or_404(
        RestrictiveIntervention.objects.filter(incident=incident).filter(readable(staff, incident))
        .select_related("pupil", "pupil__class_group", "written_by", "location", "handling_plan")
        .prefetch_related(
            Prefetch("staff", queryset=InterventionStaff.objects.select_related("user")),
            Prefetch("witnesses", queryset=InterventionWitness.objects.select_related("user")),
            Prefetch("injury_links", queryset=InterventionInjury.objects.select_related(
                "injury", "injury__staff_member").order_by("injury__id")),
            Prefetch("debriefs", queryset=Debrief.objects.select_related("led_by", "author")),
            Prefetch("parent_reports", queryset=ParentReport.objects.select_related("told_by", "author")),
            Prefetch("reviews", queryset=Review.objects.select_related("author")),
        ),
        pk=ri_id,
    )
    reports = list(ri.parent_reports.all())
    done = sorted((r for r in reports if r.when_done), key=lambda r: r.when_done)
    reviews = list(ri.reviews.all())
    return DetailPage(
        ri=ri, staff=list(ri.staff.all()), witnesses=list(ri.witnesses.all()),
        injuries=[link.injury for link in ri.injury_links.all()], debriefs=list(ri.debriefs.all()),
        parent_reports=reports, reviews=reviews,
        duties=duties_for(ri, parents_done_at=done[0].when_done if done else None,
                          parents_withheld=bool(done) and done[0].withheld,
                          written_report_sent=any(r.written_report_sent_on for r in reports),
                          reviewed_at=reviews[0].created_at if reviews else None),
    )


def intervention_for(staff, incident: Incident, ri_id) -> RestrictiveIntervention:
    """A record of this incident this person may read (for follow-up forms), or 404. One query."""
    return get_object_or_404(
        RestrictiveIntervention.objects.filter(incident=incident).filter(readable(staff, incident))
        .select_related("pupil", "pupil__class_group", "written_by"), pk=ri_id)


# --- panels ---------------------------------------------------------------------------------------

def incident_records(staff, incident: Incident) -> list[RestrictiveIntervention]:
    """The incident's records with what their duties need, and whether this person may open each.
    One query."""
    return list(_with_duty_columns(RestrictiveIntervention.objects.filter(incident=incident))
                .annotate(can_open=Exists(RestrictiveIntervention.objects.filter(
                    pk=OuterRef("pk")).filter(readable(staff, incident))))
                .select_related("pupil").order_by("started_at", "id"))


@dataclass
class SchoolDuties:
    records: list  # (record, [open duties]) newest first
    unrecorded: list  # (incident, duty): force used, no record yet
    more: int = 0


def open_duties(school) -> SchoolDuties:
    """Open duties across the school: incidents where force was used and no record is written
    yet (1 query), and records whose parents are not told or review not signed off (1 query)."""
    now = timezone.now()
    unrecorded = list(
        Incident.objects.filter(school=school, physical_intervention=True)
        .exclude(Exists(RestrictiveIntervention.objects.filter(incident=OuterRef("pk"))))
        .select_related("pupil").order_by("-occurred_at", "-id")[: HOME_LIMIT + 1])
    records = list(
        _with_duty_columns(RestrictiveIntervention.objects.filter(school=school))
        .filter(Q(parents_done_at__isnull=True) | Q(reviewed_at__isnull=True))
        .select_related("pupil").order_by("-started_at", "-id")[: HOME_LIMIT + 1])
    rows = [(ri, [d for d in annotated_duties(ri, now) if not d.done]) for ri in records]
    rows = [(ri, duties) for ri, duties in rows if duties]  # a pupil of 20+ needs no parent report
    more = max(0, len(unrecorded) - HOME_LIMIT) + max(0, len(rows) - HOME_LIMIT)
    return SchoolDuties(records=rows[:HOME_LIMIT], more=more,
                        unrecorded=[(i, record_due(i, now)) for i in unrecorded[:HOME_LIMIT]])


def current_term(school, today=None) -> Term | None:
    """The term today falls in, else the last one that started (a holiday counts with the term
    before it). One query."""
    today = today or timezone.localdate()
    return Term.objects.filter(school=school, starts_on__lte=today).order_by("-starts_on").first()


def pupil_term_summary(pupil: Pupil) -> dict:
    """How many records about the pupil this term, and the latest. Queries: term (1), count (1)."""
    term = current_term(pupil.school)
    if term is not None:
        since = term.starts_on
    else:  # no terms set up: the academic year, from 1 September
        today = timezone.localdate()
        since = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    totals = RestrictiveIntervention.objects.filter(pupil=pupil, started_at__gte=start).aggregate(
        count=Count("id"), latest=Max("started_at"))
    return {"term": term, "since": since, **totals}
