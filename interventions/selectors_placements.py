"""Reads for the catalogue, groups, placements, provision maps and therapy programmes, each page
in a fixed number of queries whatever the data size.

Who sees what: the SENCo (MANAGE_INTERVENTIONS) and senior leaders (READ_INTERVENTIONS with
SEE_ALL_PUPILS, read-only) see everything of their school; TAs and teachers see the groups and programmes they run (are in `staff` of), and only the
placements and programmes of pupils visible to them (their caseload). On a group they run, the
other pupils are named with their class and attendance and nothing more (they keep its register:
`group_page`, selectors_sessions). Another school's rows and rows out of scope are a 404, a missing
ability a 403 (checked by the views).

Costs (shown on the provision maps; the same rule is printed under the tables):
- A session costs the intervention's price per session, else its hourly rate x the minutes.
- A pupil's share of a group session is that cost divided by the pupils on the group that day:
  for sessions delivered, the pupils on that session's register (present or absent: the place was
  kept for them); for planned sessions, the pupils currently on the group.
- Planned cost: the pupil's share x the group's planned dates within the placement (to date, and
  for the whole placement). Delivered cost: the sum of the pupil's shares of sessions delivered,
  computed in PostgreSQL."""

import datetime
import math
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField, Count, Exists, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Ability
from accounts.models import User
from pupils.models import Pupil

from .models import (
    Attendance, Group, Intervention, Placement, ProgrammeDelivery, Reopening, Session, SessionStatus, TherapyProgramme,
    day_names,
)


def can_manage(staff) -> bool:
    """The SENCo: catalogue, groups, placements, programmes, reviews and costs."""
    return staff.can(Ability.MANAGE_INTERVENTIONS)


def reads_all(staff) -> bool:
    """The SENCo, and senior leaders (read-only): every group, placement and programme of the school."""
    return can_manage(staff) or (staff.can(Ability.READ_INTERVENTIONS) and staff.can(Ability.SEE_ALL_PUPILS))


# --- catalogue ------------------------------------------------------------------------------------

def catalogue(school):
    return Intervention.objects.filter(school=school).annotate(
        live_groups=Count("groups", filter=Q(groups__ended_on__isnull=True))).order_by("-is_active", "name")


def get_intervention(school, pk) -> Intervention:
    return get_object_or_404(Intervention, pk=pk, school=school)


# --- groups ---------------------------------------------------------------------------------------

def _current_pupils():
    return Subquery(Placement.objects.filter(group=OuterRef("pk"), ended_on__isnull=True).order_by()
                    .values("group").annotate(n=Count("id")).values("n"), output_field=IntegerField())


def groups_for(staff):
    """The groups this person may open: all of the school's for managers, else the ones they run."""
    qs = Group.objects.filter(school=staff.school)
    if not reads_all(staff):
        qs = qs.filter(staff=staff.user)
    return qs


def group_list(staff, *, current=True):
    qs = groups_for(staff).select_related("intervention").annotate(pupils=Coalesce(_current_pupils(), 0))
    if current:
        qs = qs.filter(ended_on__isnull=True)
    return qs.prefetch_related(Prefetch("staff", queryset=User.objects.only("id", "full_name").order_by("full_name")))


def get_group_for(staff, pk) -> Group:
    """The group, with `was_reopened`: whether an ending of it was ever undone (its page then lists them)."""
    return get_object_or_404(groups_for(staff).select_related("intervention", "ended_by").annotate(
        was_reopened=Exists(Reopening.objects.filter(group=OuterRef("pk")))), pk=pk)


def reopenings(run) -> list:
    """The endings of a group or programme that were undone, oldest first, with who ended and who
    re-opened it (one query; none when `run.was_reopened` says there are none)."""
    if not getattr(run, "was_reopened", True):
        return []
    return list(run.reopenings.select_related("ended_by", "reopened_by"))


# The history action its ending writes under (services_placements.end_group): what it wrote is
# found by that context, so re-opening undoes exactly that and nothing recorded by anyone else.
END_GROUP_ACTION = "interventions.end_group"


def ending_writes(group, *, lock=False) -> tuple[list, list]:
    """What the group's current ending wrote that is still as it left it: the placements it ended
    (their end unchanged since) and the planned sessions after the end it stored as cancelled.
    Found through the history context of the ending (the group's latest change under
    END_GROUP_ACTION to its current end date): a group ended another way (the demo seed) has none,
    and sessions recorded by staff, before or after, are never among them. Three queries (one
    when the ending isn't in the history); `lock` locks the placements for the re-opening."""
    if group.ended_on is None:
        return [], []
    ending = (Group.pgh_event_model.objects.filter(pgh_obj_id=group.pk, ended_on=group.ended_on,
                                                   pgh_context__metadata__action=END_GROUP_ACTION)
              .order_by("-pgh_id").values("pgh_context_id").first())
    if ending is None:
        return [], []
    context = ending["pgh_context_id"]
    # Per placement, the end the ending gave it (its first write in that context).
    ended = dict(Placement.pgh_event_model.objects.filter(pgh_context_id=context, pgh_label="update",
                                                          group_id=group.pk, ended_on__isnull=False)
                 .order_by("-pgh_id").values_list("pgh_obj_id", "ended_on"))
    placements = Placement.objects.filter(pk__in=ended, group=group).select_related("pupil").order_by(
        "pupil__legal_last_name", "pupil__legal_first_name", "id")
    if lock:
        placements = placements.select_for_update(of=("self",))
    placements = [p for p in placements if p.ended_on is not None and p.ended_on == ended[p.pk]]
    stored = Session.pgh_event_model.objects.filter(pgh_context_id=context, pgh_label="insert", group_id=group.pk)
    sessions = list(Session.objects.filter(pk__in=stored.values("pgh_obj_id"), group=group,
                                           status=SessionStatus.CANCELLED, date__gt=group.ended_on)
                    .order_by("date"))
    return placements, sessions


def open_placements(group):
    """The placements still open on a group (the ones ending it would end), by pupil name."""
    return (Placement.objects.filter(group=group, ended_on__isnull=True).select_related("pupil")
            .order_by("pupil__legal_last_name", "pupil__legal_first_name", "id"))


def group_page(staff, group) -> dict:
    """The group's staff and its placements, each with sessions attended. Whoever opens a group runs
    it or reads the whole school, so every pupil on it is named; `known` says whether the pupil is
    on this person's caseload: for the others only the name, class, dates on the group and
    attendance are shown (no target, no link to a page that would be a 404). Pupils who have left
    the school, off the person's caseload, are counted, not named (`hidden_pupils`). Three queries
    (four for an ended group)."""
    known = (Value(True, output_field=BooleanField()) if reads_all(staff)
             else Exists(Pupil.objects.visible_to(staff).filter(pk=OuterRef("pupil_id"))))
    placements = (Placement.objects.filter(group=group).select_related("pupil", "pupil__class_group")
                  .annotate(known=known,
                            attended=Count("attendance", filter=Q(attendance__status="present",
                                                                 attendance__session__status=SessionStatus.DELIVERED)))
                  .order_by("ended_on", "pupil__legal_last_name", "pupil__legal_first_name", "id"))
    everyone = list(placements)
    rows = [p for p in everyone if p.known or p.pupil.archived_at is None]
    staff_names = [u.full_name for u in group.staff.order_by("full_name")]
    current = sum(1 for p in rows if p.ended_on is None)
    after_end = None
    if group.ended_on:  # one more query for an ended group: the planned sessions its ending cancelled
        after_end = Session.objects.filter(group=group, date__gt=group.ended_on).aggregate(
            count=Count("id"), first=Min("date"), last=Max("date"))
    return {"placements": rows, "hidden_pupils": len(everyone) - len(rows), "staff_names": staff_names,
            "current_count": current, "after_end": after_end if after_end and after_end["count"] else None,
            "reopenings": reopenings(group)}


# --- placements -----------------------------------------------------------------------------------

def placements_for(staff):
    """Placements this person may read: the school's for managers, else those of pupils visible to them."""
    qs = Placement.objects.filter(group__school=staff.school)
    if not reads_all(staff):
        qs = qs.filter(pupil__in=Pupil.objects.visible_to(staff))
    return qs


def get_placement_for(staff, pk) -> Placement:
    qs = placements_for(staff).select_related("group__intervention", "pupil", "pupil__class_group", "outcome__plan",
                                              "provision__plan", "reviewed_by")
    return get_object_or_404(qs, pk=pk)


def runs_group(staff, group) -> bool:
    return group.staff.filter(pk=staff.user.pk).exists()


def attendance_counts(placement) -> dict:
    """Sessions delivered while the pupil was on the group, attended and missed (one query)."""
    return Attendance.objects.filter(placement=placement, session__status=SessionStatus.DELIVERED).aggregate(
        on_register=Count("id"), attended=Count("id", filter=Q(status="present")),
        absent=Count("id", filter=Q(status="absent")))


# --- provision maps -------------------------------------------------------------------------------

# One grouped pass over the register marks of the listed placements (instead of correlated
# subqueries per placement row): sessions delivered and attended, and the delivered cost, each
# session's cost divided by the pupils on that session's register.
DELIVERED_SQL = """
WITH marks AS (
    SELECT a.placement_id, a.session_id, a.status,
           COALESCE(i.cost_per_session,
                    ROUND(i.cost_per_hour * COALESCE(s.minutes, g.minutes_per_session) / 60.0, 2), 0) AS cost
    FROM interventions_attendance a
    JOIN interventions_session s ON s.id = a.session_id
    JOIN interventions_group g ON g.id = s.group_id
    JOIN interventions_intervention i ON i.id = g.intervention_id
    WHERE a.placement_id = ANY(%s) AND s.status = 'delivered'
), per_session AS (
    SELECT session_id, COUNT(*) AS n FROM interventions_attendance
    WHERE session_id IN (SELECT session_id FROM marks) GROUP BY 1
)
SELECT placement_id, COUNT(*), COUNT(*) FILTER (WHERE status = 'present'), COALESCE(SUM(cost / n), 0)
FROM marks JOIN per_session USING (session_id) GROUP BY 1
"""


def _map_queryset(qs):
    """The placements with their group size and the group's staff names (one query)."""
    staff_through = Group.staff.through
    return (qs.select_related("group__intervention", "pupil", "pupil__class_group")
            .annotate(
                group_pupils=Coalesce(Subquery(
                    Placement.objects.filter(group=OuterRef("group"), ended_on__isnull=True).order_by()
                    .values("group").annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0),
                staff_names=ArraySubquery(staff_through.objects.filter(group_id=OuterRef("group_id"))
                                          .order_by("user__full_name", "user_id").values("user__full_name")))
            .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "group__intervention__name",
                      "id"))


def _delivered(placement_ids) -> dict:
    """{placement id: (sessions delivered, sessions attended, delivered cost)}: one query (none
    when there are no placements)."""
    placement_ids = list(placement_ids)
    if not placement_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(DELIVERED_SQL, [placement_ids])
        return {pk: (n, attended, cost) for pk, n, attended, cost in cursor.fetchall()}


def _weekdays_between(days: frozenset, first: datetime.date, last: datetime.date) -> int:
    """How many dates from first to last (inclusive) fall on one of `days` (0 = Monday): the same
    count as the matching `Group.planned_dates()`, worked out arithmetically."""
    if last < first or not days:
        return 0
    n = (last - first).days + 1
    weeks, rest = divmod(n, 7)
    start = first.weekday()
    return weeks * len(days) + sum(1 for k in range(rest) if (start + k) % 7 in days)


def _map_rows(placements, today) -> list[dict]:
    placements = list(placements)
    delivered = _delivered(p.pk for p in placements)
    day_sets = {}  # per group, once: its weekdays as a set
    return [_row(p, today, delivered.get(p.pk, (0, 0, 0)), day_sets) for p in placements]


def _row(p, today, delivered, day_sets) -> dict:
    group, intervention = p.group, p.group.intervention
    days = day_sets.setdefault(group.pk, frozenset(group.days))
    last = min(p.ended_on or p.end_date, group.last_day)
    first = max(p.start_date, group.start_date)
    planned = _weekdays_between(days, first, last)
    to_date = _weekdays_between(days, first, min(last, today))
    share = intervention.session_cost(group.minutes_per_session) / max(p.group_pupils or 1, 1)
    share = share.quantize(Decimal("0.01"))
    sessions_delivered, sessions_attended, delivered_cost = delivered
    return {
        "placement": p, "pupil": p.pupil, "group": group, "intervention": intervention,
        "staff": p.staff_names,
        "days": day_names(days),
        "minutes_per_week": group.minutes_per_session * len(group.days),
        "weeks": max(0, math.ceil(((last - p.start_date).days + 1) / 7)),  # 0: its group ended before it began
        "start": p.start_date, "end": last,
        "planned_sessions": planned, "planned_to_date": to_date,
        "planned_cost_to_date": share * to_date, "planned_cost": share * planned,
        "delivered_cost": Decimal(delivered_cost or 0).quantize(Decimal("0.01")),
        "sessions_delivered": sessions_delivered, "sessions_attended": sessions_attended,
        "is_current": p.ended_on is None and p.end_date >= today,
    }


def _totals(rows) -> dict:
    return {key: sum((r[key] for r in rows), Decimal("0"))
            for key in ("planned_cost_to_date", "planned_cost", "delivered_cost")} | {
        "minutes_per_week": sum(r["minutes_per_week"] for r in rows if r["is_current"])}


def _by_intervention(rows) -> list[dict]:
    """One summary per intervention (in name order): its groups, pupils, placements and totals."""
    grouped = {}
    for r in rows:
        grouped.setdefault(r["intervention"].pk, []).append(r)
    out = [{"intervention": rs[0]["intervention"], "rows": rs, "placements": len(rs),
            "pupils": len({r["pupil"].pk for r in rs}), "groups": len({r["group"].pk for r in rs}),
            "totals": _totals(rs)} for rs in grouped.values()]
    return sorted(out, key=lambda s: (s["intervention"].name.lower(), s["intervention"].pk))


# Up to this many placements the school map lists them all in full under the summary; above it, it
# opens on the summary per intervention, each with a short line per placement (who, which group,
# dates, sessions, costs), and the full columns of one intervention's placements on a click.
MAP_ALL_ROWS_UP_TO = 100


def school_provision_map(staff, *, include_ended=False, intervention=None) -> dict:
    """Who gets what across the school, with costs: a summary per intervention, and the placements
    of one intervention (`intervention` = its pk) or of all (`intervention="all"`, and by default
    when there are at most MAP_ALL_ROWS_UP_TO; above that `compact` is true and each summary's
    `rows` are listed in short). Two queries (the placements with their group sizes and staff, and
    one grouped pass over their register marks), whatever the number of pupils and sessions.
    `selected` is None when the pk is not one of the map's interventions."""
    today = timezone.localdate()
    qs = Placement.objects.filter(group__school=staff.school, pupil__archived_at__isnull=True)
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    rows = _map_rows(_map_queryset(qs), today)
    summaries = _by_intervention(rows)
    selected = None
    if intervention == "all":
        selected, shown = "all", rows
    elif intervention is not None:
        selected = next((s for s in summaries if s["intervention"].pk == intervention), None)
        shown = [r for r in rows if r["intervention"].pk == intervention]
    else:
        shown = rows if len(rows) <= MAP_ALL_ROWS_UP_TO else []
    compact = intervention is None and len(rows) > MAP_ALL_ROWS_UP_TO
    return {"rows": shown, "interventions": summaries, "selected": selected, "compact": compact,
            "placement_count": len(rows),
            "totals": _totals(rows), "shown_totals": _totals(shown),
            "pupil_count": len({r["pupil"].pk for r in rows}), "today": today}


def pupil_provision_map(staff, pupil) -> dict:
    """One pupil's interventions (current and past) and therapy programmes, with costs. Three queries."""
    today = timezone.localdate()
    rows = _map_rows(_map_queryset(Placement.objects.filter(pupil=pupil, group__school=staff.school)), today)
    programmes = list(TherapyProgramme.objects.filter(pupil=pupil, school=staff.school).annotate(
        delivered=Count("deliveries"), delivered_minutes=Coalesce(
            Subquery(ProgrammeDelivery.objects.filter(programme=OuterRef("pk")).order_by().values("programme")
                     .annotate(m=Sum("minutes")).values("m"), output_field=IntegerField()), Value(0))))
    return {"rows": rows, "totals": _totals(rows), "programmes": programmes, "today": today}


# --- programmes -----------------------------------------------------------------------------------

def programmes_for(staff):
    """Programmes this person may read: the school's for managers, else those of visible pupils."""
    qs = TherapyProgramme.objects.filter(school=staff.school)
    if not reads_all(staff):
        qs = qs.filter(pupil__in=Pupil.objects.visible_to(staff))
    return qs


def programme_list(staff, *, mine=False, current=True):
    qs = programmes_for(staff).select_related("pupil")
    if current:
        qs = qs.filter(ended_on__isnull=True)
    if mine:
        qs = qs.filter(staff=staff.user)
    return qs.order_by(F("ended_on").asc(nulls_first=True), "review_on", "id")  # ended ones last


def get_programme_for(staff, pk) -> TherapyProgramme:
    """The programme, with `was_reopened` (see get_group_for)."""
    return get_object_or_404(programmes_for(staff).select_related("pupil", "outcome__plan", "ended_by").annotate(
        was_reopened=Exists(Reopening.objects.filter(programme=OuterRef("pk")))), pk=pk)


def programme_page(staff, programme) -> dict:
    staff_rows = list(programme.staff.order_by("full_name").values_list("id", "full_name"))
    deliveries = list(programme.deliveries.select_related("delivered_by")[:200])
    return {"staff_names": [name for _, name in staff_rows],
            "delivers": any(pk == staff.user.pk for pk, _ in staff_rows),
            "deliveries": deliveries, "reopenings": reopenings(programme)}


# --- home and pupil panel -------------------------------------------------------------------------

def home_page(staff) -> dict:
    if reads_all(staff):
        return {"counts": {
            "catalogue": Intervention.objects.filter(school=staff.school, is_active=True).count(),
            "groups": Group.objects.filter(school=staff.school, ended_on__isnull=True).count(),
            "programmes": TherapyProgramme.objects.filter(school=staff.school, ended_on__isnull=True).count(),
        }}
    return {"groups": list(group_list(staff)), "programmes": list(programme_list(staff, mine=True))}


def pupil_panel(staff, pupil) -> dict:
    """The pupil page panel: current placements and programmes. Two queries."""
    today = timezone.localdate()
    placements = list(Placement.objects.filter(pupil=pupil, group__school=staff.school, ended_on__isnull=True)
                      .select_related("group__intervention").order_by("start_date", "id"))
    programmes = list(TherapyProgramme.objects.filter(pupil=pupil, school=staff.school, ended_on__isnull=True)
                      .order_by("-set_on", "id"))
    return {"placements": placements, "programmes": programmes, "today": today}
