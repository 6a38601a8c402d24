"""Reads for sessions and the impact dashboard, each page in a fixed number of queries.

Scope: a TA or teacher sees the groups they run (Group.staff); people who read the whole school's
interventions (SENCo, senior leader) see every group of the school. A group out of scope is a 404; a
missing ability a 403 (checked by the views first).

The register: whoever opens a group's sessions either runs it or reads the whole school, so every
pupil on it is named there, with their class, and each of them can be marked. For a pupil outside
the person's caseload (`known` is False) that is all: name, class and the attendance mark; no SMART
target, no rating of it, no link to their pages (a 404), and of a recorded session no absence reason,
rating, regulation or note unless the person recorded that session themselves (DECISIONS.md: outside
one's caseload, name, class and photo only). A pupil who has left the school (archived) and was not
on the person's caseload is counted, not named.

Costs (the rule, shown on the dashboard too): a delivered session costs the intervention's price per
session, else its hourly rate times the session's minutes; a cancelled session costs nothing. A
pupil's share of a session is its cost divided by the pupils recorded on it (present or absent:
the place was kept for an absent pupil), so the shares of a session add up to its cost."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case, Count, DecimalField, ExpressionWrapper, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum,
    Value, When,
)
from django.db.models.functions import Coalesce, Round
from django.shortcuts import get_object_or_404

from accounts.access import Ability
from accounts.models import Role
from pupils.models import Pupil

from .models import Attendance, AttendanceStatus, Group, Placement, Session, SessionStatus

MONEY = DecimalField(max_digits=12, decimal_places=2)


def manages(staff) -> bool:
    return staff.can(Ability.MANAGE_INTERVENTIONS)


def groups_for(staff):
    """The groups this person may see: their own, or all of the school for those who read the whole
    school's interventions (the SENCo, senior leaders)."""
    from .selectors_placements import reads_all

    qs = Group.objects.filter(school=staff.school)
    if not reads_all(staff):
        qs = qs.filter(staff=staff.user)
    return qs


def get_group_for(staff, group_id) -> Group:
    return get_object_or_404(groups_for(staff).select_related("intervention", "ended_by"), pk=group_id)


def can_record(staff, group) -> bool:
    """Staff who run the group record its sessions; the SENCo may record any group's."""
    if not staff.can(Ability.RECORD_SESSIONS):
        return False
    return staff.has_role(Role.SENCO) or group.staff.filter(pk=staff.user.pk).exists()


def _known(staff, pupil_ref="pupil_id"):
    """True where the row's pupil is visible to this person (their caseload, or the whole school)."""
    return Exists(Pupil.objects.visible_to(staff).filter(pk=OuterRef(pupil_ref)))


def named_on_register(pupil_ref="pupil"):
    """Which rows of a group this person has opened name their pupil (see the module docstring):
    anyone on their caseload, and any other pupil still at the school, by name and class only.
    For a queryset annotated with `known`."""
    return Q(known=True) | Q(**{f"{pupil_ref}__archived_at__isnull": True})


def current_placements(staff, group, on: datetime.date):
    """The pupils on the group that day (placement started, not ended or past its planned end),
    current pupils only: every one of them, since the person recording runs the group (or is the
    SENCo). `known`: whether the pupil is on this person's caseload (else name and class only)."""
    return (Placement.objects.filter(group=group, start_date__lte=on, pupil__archived_at__isnull=True)
            .filter(Q(ended_on__isnull=True, end_date__gte=on) | Q(ended_on__gte=on))
            .annotate(known=_known(staff))
            .select_related("pupil", "pupil__class_group", "outcome")
            .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pk"))


def date_problem(group, on: datetime.date, today: datetime.date) -> str | None:
    """Why a session can't be recorded on this date, or None."""
    nice = on.strftime("%A %-d %B %Y")
    if on > today:
        return f"{nice} is in the future: a session can be recorded on the day or after."
    if on < group.start_date or on > group.last_day:
        return (f"{nice} is outside {group.name}'s dates ({group.start_date:%-d %B %Y} to "
                f"{group.last_day:%-d %B %Y}).")
    if on.weekday() not in group.days:
        days = ", ".join(datetime.date(2024, 1, 1 + d).strftime("%A") for d in sorted(group.days)) or "no days"
        return f"{group.name} doesn't meet on a {on:%A} (it runs on {days})."
    return None


def get_session(staff, group, on):
    """The session recorded on `on`, with its register (`shown_attendance`: each mark with `known`,
    whether the pupil is on this person's caseload, and `detailed`, whether its reason, rating,
    regulation and note may be shown) and how many marks there are in all (`marks`): the marks of
    pupils who have left the school, off this person's caseload, are counted, not named. Two queries."""
    shown = (Attendance.objects.annotate(known=_known(staff, "placement__pupil_id"))
             .filter(named_on_register("placement__pupil"))
             .select_related("placement__pupil", "placement__pupil__class_group")
             .order_by("placement__pupil__legal_last_name", "placement__pupil__legal_first_name", "pk"))
    session = (Session.objects.filter(group=group, date=on).select_related("recorded_by")
               .annotate(marks=Count("attendance"))
               .prefetch_related(Prefetch("attendance", shown, to_attr="shown_attendance"))
               .first())
    if session is not None:
        own = session.recorded_by_id == staff.user.pk  # what they wrote themselves is theirs to read
        for mark in session.shown_attendance:
            mark.detailed = mark.known or own
    return session


# --- my sessions today ----------------------------------------------------------------------------

def sessions_today(staff, today: datetime.date):
    """Groups this person runs with a session due today, with today's pupils (all of them, named:
    they keep the group's register) and whether it has been recorded (two queries: groups with the
    recorded status, then today's placements)."""
    recorded = Session.objects.filter(group=OuterRef("pk"), date=today)
    # Everyone on a group they run, by name: the group's own staff keep its register.
    placements = (Placement.objects.filter(start_date__lte=today, pupil__archived_at__isnull=True)
                  .filter(Q(ended_on__isnull=True, end_date__gte=today) | Q(ended_on__gte=today))
                  .select_related("pupil")
                  .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pk"))
    return list(
        Group.objects.filter(school=staff.school, staff=staff.user, days__contains=[today.weekday()],
                             start_date__lte=today)
        .filter(Q(ended_on__isnull=True, planned_end_date__gte=today) | Q(ended_on__gte=today))
        .select_related("intervention")
        .annotate(recorded_status=Subquery(recorded.values("status")[:1]),
                  recorded_id=Subquery(recorded.values("pk")[:1]))
        .prefetch_related(Prefetch("placements", placements, to_attr="today_placements"))
        .order_by("starts_at", "name", "pk")
    )


# --- a group's session history ------------------------------------------------------------------

@dataclass
class HistoryRow:
    date: datetime.date
    session: Session | None
    state: str  # delivered, cancelled, missed, due (today, not yet recorded)
    marks: list = field(default_factory=list)  # per pupil column: Attendance or None


def group_history(staff, group, today):
    """Planned dates to today against what was recorded, with attendance per pupil (three queries:
    placements, sessions, attendance). The sessions cancelled after a group's end (when it ended
    early) are summed up in one line, `after_end`, rather than a row each.

    Each pupil named on the register (see the module docstring) is a column with their present or
    absent marks and nothing else; `hidden_pupils`: those who have left the school, off this
    person's caseload, counted not named."""
    everyone = list(Placement.objects.filter(group=group).annotate(known=_known(staff))
                    .select_related("pupil", "pupil__class_group")
                    .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pk"))
    placements = [p for p in everyone if p.known or p.pupil.archived_at is None]
    sessions = {s.date: s for s in Session.objects.filter(group=group).select_related("recorded_by")
                .prefetch_related("attendance")}
    after = sorted(day for day in sessions if group.ended_on and day > group.ended_on)
    after_end = {"count": len(after), "first": after[0], "last": after[-1]} if after else None
    for day in after:
        del sessions[day]
    rows = []
    for day in sorted(set(group.planned_dates(until=today)) | set(sessions), reverse=True):
        session = sessions.get(day)
        if session is not None:
            state = session.status
        else:
            state = "due" if day == today else "missed"
        by_placement = {a.placement_id: a for a in session.attendance.all()} if session else {}
        rows.append(HistoryRow(day, session, state, [by_placement.get(p.pk) for p in placements]))
    for i, p in enumerate(placements):
        marks = [r.marks[i] for r in rows if r.state == SessionStatus.DELIVERED and r.marks[i] is not None]
        p.present = sum(1 for m in marks if m.status == AttendanceStatus.PRESENT)
        p.recorded = len(marks)
        p.rate = round(100 * p.present / p.recorded) if p.recorded else None
    counts = {s: sum(1 for r in rows if r.state == s) for s in ("delivered", "cancelled", "missed", "due")}
    return {"rows": rows, "placements": placements, "counts": counts, "planned": len(group.planned_dates(until=today)),
            "after_end": after_end, "hidden_pupils": len(everyone) - len(placements)}


# --- impact dashboard -----------------------------------------------------------------------------

def session_cost_expr(prefix=""):
    """SQL for Intervention.session_cost(minutes) of a session (`prefix` leads from the row to the
    session, e.g. "session__"); minutes default to the group's."""
    per_session = F(f"{prefix}group__intervention__cost_per_session")
    per_hour = F(f"{prefix}group__intervention__cost_per_hour")
    minutes = Coalesce(F(f"{prefix}minutes"), F(f"{prefix}group__minutes_per_session"))
    return Case(
        When(**{f"{prefix}group__intervention__cost_per_session__isnull": False}, then=per_session),
        When(**{f"{prefix}group__intervention__cost_per_hour__isnull": False},
             then=Round(ExpressionWrapper(per_hour * minutes / Value(Decimal(60)), output_field=MONEY),
                        precision=2)),
        default=Value(Decimal("0")), output_field=MONEY)


def _scalar(qs, key, agg, output_field):
    """A correlated aggregate: `qs` grouped by its `key` column, one value (0 when no rows)."""
    return Coalesce(Subquery(qs.order_by().values(key).annotate(v=agg).values("v")[:1], output_field=output_field),
                    Value(0, output_field=output_field) if not isinstance(output_field, DecimalField)
                    else Value(Decimal("0")), output_field=output_field)


def impact(staff, today: datetime.date) -> dict:
    """The SENCo's dashboard, in three queries whatever the data size: groups with their delivered,
    cancelled and attendance counts and cost; the recorded session dates (for planned-vs-missed,
    since planned dates are not stored); placements with attendance and cost share."""
    delivered = Session.objects.filter(group=OuterRef("pk"), status=SessionStatus.DELIVERED, date__lte=today)
    groups = list(
        Group.objects.filter(school=staff.school).select_related("intervention")
        .annotate(
            delivered=_scalar(delivered, "group", Count("pk"), IntegerField()),
            # cancelled on the day, not the planned sessions called off when a group ended early
            cancelled=_scalar(Session.objects.filter(group=OuterRef("pk"), status=SessionStatus.CANCELLED,
                                                     date__lte=Coalesce(OuterRef("ended_on"), today)),
                              "group", Count("pk"), IntegerField()),
            cost=_scalar(delivered.annotate(c=session_cost_expr()), "group", Sum("c"), MONEY),
            marks=_scalar(Attendance.objects.filter(session__group=OuterRef("pk"),
                                                    session__status=SessionStatus.DELIVERED),
                          "session__group", Count("pk"), IntegerField()),
            present=_scalar(Attendance.objects.filter(session__group=OuterRef("pk"),
                                                      session__status=SessionStatus.DELIVERED,
                                                      status=AttendanceStatus.PRESENT),
                            "session__group", Count("pk"), IntegerField()),
        ).order_by("intervention__name", "name", "pk"))
    recorded = {}
    for group_id, day in Session.objects.filter(group__school=staff.school).values_list("group_id", "date"):
        recorded.setdefault(group_id, set()).add(day)

    on_session = Attendance.objects.filter(session=OuterRef("session")).order_by().values("session").annotate(
        n=Count("pk")).values("n")[:1]
    pupil_marks = Attendance.objects.filter(placement=OuterRef("pk"), session__status=SessionStatus.DELIVERED)
    shares = pupil_marks.annotate(
        share=ExpressionWrapper(session_cost_expr("session__") / Subquery(on_session), output_field=MONEY))
    placements = list(
        Placement.objects.filter(group__school=staff.school,
                                 pupil__in=Pupil.objects.visible_to(staff).values("pk"))
        .select_related("pupil", "pupil__class_group", "group", "group__intervention")
        .annotate(
            marks=_scalar(pupil_marks, "placement", Count("pk"), IntegerField()),
            present=_scalar(pupil_marks.filter(status=AttendanceStatus.PRESENT), "placement", Count("pk"),
                            IntegerField()),
            cost=_scalar(shares, "placement", Sum("share"), MONEY),
        ).order_by("group__intervention__name", "group__name", "pupil__legal_last_name", "pk"))

    by_intervention: dict[int, dict] = {}
    missed_groups = []
    for g in groups:
        planned = g.planned_dates(until=today)
        g.planned = len(planned)
        g.missed = [d for d in planned if d < today and d not in recorded.get(g.pk, set())]
        g.rate = _rate(g.present, g.marks)
        if g.missed:
            missed_groups.append(g)
        row = by_intervention.setdefault(g.intervention_id, {
            "intervention": g.intervention, "groups": 0, "planned": 0, "delivered": 0, "cancelled": 0,
            "missed": 0, "marks": 0, "present": 0, "cost": Decimal("0"), "changes": [], "decisions": {},
            "scores": [], "pupils": 0})
        row["groups"] += 1
        for key in ("planned", "delivered", "cancelled", "marks", "present"):
            row[key] += getattr(g, key)
        row["missed"] += len(g.missed)
        row["cost"] += g.cost
    group_by_id = {g.pk: g for g in groups}
    overdue = []
    for p in placements:
        p.rate = _rate(p.present, p.marks)
        g = group_by_id[p.group_id]
        end = min(p.ended_on or p.end_date, today)
        p.planned = sum(1 for d in g.planned_dates(until=end) if d >= p.start_date)
        if p.review_due < today and p.reviewed_on is None:
            overdue.append(p)
        row = by_intervention[p.group.intervention_id]
        row["pupils"] += 1
        if p.change is not None:
            row["changes"].append(p.change)
        if p.review_decision:
            row["decisions"][p.get_review_decision_display()] = row["decisions"].get(
                p.get_review_decision_display(), 0) + 1
        if p.review_score:
            row["scores"].append(p.review_score)
    interventions = []
    for row in by_intervention.values():
        row["rate"] = _rate(row["present"], row["marks"])
        row["mean_change"] = (sum(row["changes"]) / len(row["changes"])).quantize(Decimal("0.1")) \
            if row["changes"] else None
        row["mean_score"] = round(sum(row["scores"]) / len(row["scores"]), 1) if row["scores"] else None
        row["decisions"] = sorted(row["decisions"].items())
        interventions.append(row)
    return {"interventions": interventions, "placements": placements, "overdue": overdue,
            "missed_groups": missed_groups, "total_cost": sum((r["cost"] for r in interventions), Decimal("0"))}


def _rate(present, marks):
    return round(100 * present / marks) if marks else None
