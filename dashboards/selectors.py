"""Reads for the dashboards. Every figure is aggregated in PostgreSQL, in a fixed number of queries
whatever the number of incidents: the incident figures group by the stored local date, weekday and
hour (`Incident.local_*`), which the `incident_school_local_date` index covers, so the school
overview's counts come from an index-only scan.

The school overview and the per-pupil page each return plain data (`Table`s plus a few totals);
the views add charts and CSV exports from the same tables."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from accounts.access import Ability
from accounts.models import Location, Period, Role
from incidents.models import Incident, SuspectedFunction
from interventions.models import Attendance, AttendanceStatus, Placement, SessionStatus
from interventions.selectors_sessions import MONEY, session_cost_expr
from plans.models import AreaOfNeed, Outcome, ProgressEvidence, Rating, VersionStatus
from plans.selectors_reviews import reviews_due
from pupils.models import Pupil

from .comparison import compare
from .tables import Table

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RISING_LIMIT = 10
PHYSICAL_SHOWN = 20  # pupils listed on the page; the CSV lists them all
TOP_ANTECEDENTS = 10
REVIEW_WEEKS = 8  # "due" means due within the next eight weeks (as the home page's list)
REVIEWS_DUE_SHOWN = 5  # after every overdue review, the next few due; the CSV lists them all
# An incident counts as de-escalated when its recorded outcome says the pupil settled and no force
# was used. Said on the page, next to the strategy table.
CALM_OUTCOMES = ["Returned to learning", "Calm, stayed out of class"]
DEESCALATED_RULE = ("An incident counts as de-escalated when its outcome was \u201cReturned to learning\u201d or "
                    "\u201cCalm, stayed out of class\u201d and no physical intervention was needed.")


def _pupil_clause(staff, filters, pupils) -> tuple[str, list]:
    """SQL narrowing incidents to the pupils the figures cover. Whole-school readers with no pupil
    filter need none (the school is already the filter): the index alone answers."""
    if staff.can(Ability.SEE_ALL_PUPILS) and not filters.narrows_pupils:
        return "", []
    sql, params = pupils.values("pk").query.sql_with_params()
    return f" AND pupil_id IN ({sql})", list(params)


def _weeks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    monday = start - datetime.timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(monday)
        monday += datetime.timedelta(days=7)
    return out


# --- the school overview ------------------------------------------------------------------------

# GROUPING() bits, in the order of the grouped columns below: date, weekday, period, location, pupil,
# behaviour picks, antecedent picks (a set's own columns are 0). SET_FIRST: the school's first
# recorded day (not a grouping set).
SET_DAY, SET_HOTSPOT, SET_LOCATION, SET_PUPIL, SET_PICKS, SET_FIRST = 63, 79, 119, 123, 124, -1
RISING_MIN = 3  # fewer incidents in the period is too few to call a rise


def _previous_range(filters, previous) -> tuple[datetime.date, datetime.date]:
    """The previous period's dates, or an empty range (nothing to compare with)."""
    return previous or (filters.start, filters.start - datetime.timedelta(days=1))


def _incident_counts(staff, filters, pupils, previous) -> list[tuple]:
    """Every incident figure of the overview in one statement. This range: counts (and uses of
    force) by week, weekday x period, place and pupil, and each quick-pick label ticked; the
    `previous` range (first, last day, or None) only by day and by pupil (the comparison and
    "rising"); and the school's first recorded day. A whole school is read from its tallies;
    fewer pupils from their incidents.
    Rows: (cur, g, day, weekday, period, location, pupil, pick kind, pick label, n, physical)."""
    clause, params = _pupil_clause(staff, filters, pupils)
    if not clause:
        return _tallied_counts(staff.school.pk, filters, previous)
    return _counted_incidents(staff.school.pk, filters, previous, clause, params)


def _counted_incidents(school_id: int, filters, previous, clause: str = "", params=()) -> list[tuple]:
    """`_incident_counts` from the incidents themselves (narrowed by `clause`): one index-only pass
    over each range (`incident_school_local_date` covers every column read). The combinations of
    ticks are counted first, a few dozen, then unnested (a label ticked twice counts once); the
    previous range is grouped only by day and pupil, so its rows are hashed once, not four times.
    Weeks are summed from days: the index is in date order, so the days stream without hashing."""
    prev_start, prev_end = _previous_range(filters, previous)
    sql = f"""
        WITH counts AS (
            SELECT true AS cur,
                   GROUPING(local_date, local_weekday, period_id, location_id, pupil_id, behaviour_picks,
                            antecedent_picks) AS g,
                   local_date, local_weekday, period_id, location_id, pupil_id, behaviour_picks, antecedent_picks,
                   count(*) AS n, count(*) FILTER (WHERE physical_intervention) AS physical
            FROM incidents_incident
            WHERE school_id = %s AND local_date BETWEEN %s AND %s{clause}
            GROUP BY GROUPING SETS ((local_date), (local_weekday, period_id), (location_id), (pupil_id),
                                    (behaviour_picks, antecedent_picks))
            UNION ALL
            SELECT false, CASE GROUPING(local_date, pupil_id) WHEN 1 THEN {SET_DAY} ELSE {SET_PUPIL} END,
                   local_date, NULL, NULL, NULL, pupil_id, NULL, NULL,
                   count(*), count(*) FILTER (WHERE physical_intervention)
            FROM incidents_incident
            WHERE school_id = %s AND local_date BETWEEN %s AND %s{clause}
            GROUP BY GROUPING SETS ((local_date), (pupil_id)))
        SELECT cur, g, local_date, local_weekday, period_id, location_id, pupil_id, NULL AS kind, NULL AS label,
               n::int, physical::int
        FROM counts WHERE g NOT IN ({SET_DAY}, {SET_PICKS}) OR (g = {SET_DAY} AND NOT cur)
        UNION ALL
        SELECT cur, {SET_DAY}, local_date - extract(isodow FROM local_date)::int + 1, NULL, NULL, NULL, NULL, NULL,
               NULL, sum(n)::int, sum(physical)::int
        FROM counts WHERE g = {SET_DAY} AND cur
        GROUP BY cur, local_date - extract(isodow FROM local_date)::int + 1
        UNION ALL
        SELECT true, {SET_PICKS}, NULL, NULL, NULL, NULL, NULL, p.kind, p.label, sum(c.n)::int, NULL
        FROM counts AS c
        CROSS JOIN LATERAL (SELECT 'behaviour', unnest(c.behaviour_picks)
                            UNION SELECT 'antecedent', unnest(c.antecedent_picks)) AS p(kind, label)
        WHERE c.g = {SET_PICKS}
        GROUP BY p.kind, p.label
        UNION ALL
        SELECT false, {SET_FIRST}, (SELECT min(local_date) FROM incidents_incident WHERE school_id = %s),
               NULL, NULL, NULL, NULL, NULL, NULL, 0, 0
        ORDER BY kind, n DESC, label
    """
    with connection.cursor() as cur:
        cur.execute(sql, [school_id, filters.start, filters.end, *params, school_id, prev_start, prev_end, *params,
                          school_id])
        return cur.fetchall()


def _tallied_counts(school_id: int, filters, previous) -> list[tuple]:
    """`_incident_counts` for a whole school, from `IncidentTally` (incidents/tallies.py): a few rows
    a day instead of every incident. The same rows, in the same order. Each incident is tallied once
    under its period, so weeks, weekday x period and force are summed from the period rows."""
    prev_start, prev_end = _previous_range(filters, previous)
    week = "local_date - extract(isodow FROM local_date)::int + 1"
    sql = f"""
        WITH t AS MATERIALIZED (
            SELECT local_date >= %s AS cur, local_date, dimension, key, label, n, physical
            FROM incidents_incidenttally
            WHERE school_id = %s AND (local_date BETWEEN %s AND %s OR local_date BETWEEN %s AND %s))
        SELECT cur, {SET_DAY}, CASE WHEN cur THEN {week} ELSE local_date END, NULL::int, NULL::int, NULL::int,
               NULL::int, NULL, NULL, sum(n)::int, sum(physical)::int
        FROM t WHERE dimension = 'period'
        GROUP BY cur, CASE WHEN cur THEN {week} ELSE local_date END HAVING sum(n) > 0
        UNION ALL
        SELECT true, {SET_HOTSPOT}, NULL, extract(isodow FROM local_date)::int, key, NULL, NULL, NULL, NULL,
               sum(n)::int, sum(physical)::int
        FROM t WHERE cur AND dimension = 'period' GROUP BY extract(isodow FROM local_date)::int, key HAVING sum(n) > 0
        UNION ALL
        SELECT true, {SET_LOCATION}, NULL, NULL, NULL, key, NULL, NULL, NULL, sum(n)::int, sum(physical)::int
        FROM t WHERE cur AND dimension = 'place' GROUP BY key HAVING sum(n) > 0
        UNION ALL
        SELECT cur, {SET_PUPIL}, NULL, NULL, NULL, NULL, key, NULL, NULL, sum(n)::int, sum(physical)::int
        FROM t WHERE dimension = 'pupil' GROUP BY cur, key HAVING sum(n) > 0
        UNION ALL
        SELECT true, {SET_PICKS}, NULL, NULL, NULL, NULL, NULL, dimension, label, sum(n)::int, NULL
        FROM t WHERE cur AND dimension IN ('behaviour', 'antecedent') GROUP BY dimension, label HAVING sum(n) > 0
        UNION ALL
        SELECT false, {SET_FIRST}, (SELECT min(local_date) FROM incidents_incident WHERE school_id = %s),
               NULL, NULL, NULL, NULL, NULL, NULL, 0, 0
        ORDER BY 8, 10 DESC, 9
    """
    with connection.cursor() as cur:
        cur.execute(sql, [filters.start, school_id, filters.start, filters.end, prev_start, prev_end, school_id])
        return cur.fetchall()


def _outcome_progress(pupils) -> tuple[Table, tuple]:
    """Outcomes of the plans in force, by area of need: the share of them at each point of the one
    progress scale (their latest evidence) and with no evidence yet, with the counts. One query.
    Also the grid of shares (areas, columns, percentages) for the chart."""
    latest = (ProgressEvidence.objects.filter(outcome_lineage=OuterRef("lineage"))
              .order_by("-observed_on", "-recorded_at", "-pk").values("rating")[:1])
    counts = (Outcome.objects.filter(plan__status=VersionStatus.IN_FORCE, plan__pupil__in=pupils.values("pk"))
              .annotate(rating=Subquery(latest)).order_by().values("area_of_need", "rating")
              .annotate(n=Count("pk")))
    grid = defaultdict(lambda: defaultdict(int))
    for row in counts:
        grid[row["area_of_need"]][row["rating"]] += row["n"]
    points = [*Rating.values, None]  # None: no evidence yet
    labels = [*Rating.labels, "No evidence yet"]
    table = Table("outcome_progress", "Outcome progress by area of need",
                  ["Area of need", "Outcomes", *labels, "Secure or achieved"],
                  empty="No outcomes in plans in force for these pupils.",
                  note="Each outcome of a plan in force counted once, at its latest rating: the share of the "
                       "area's outcomes at each rating (rounded), with the number in brackets.")
    areas, shares = [], []
    for area, label in AreaOfNeed.choices:
        if area not in grid:
            continue
        total = sum(grid[area].values())
        row_shares = [100 * grid[area][p] / total for p in points]
        secure = grid[area][Rating.SECURE] + grid[area][Rating.ACHIEVED]
        table.rows.append([label, total, *[f"{round(share)}% ({grid[area][p]})" for p, share in
                                          zip(points, row_shares)], f"{round(100 * secure / total)}% ({secure})"])
        areas.append(label)
        shares.append([round(share) for share in row_shares])
    return table, (areas, labels, shares)


def _interventions(pupils, filters) -> Table:
    """Per intervention, for the pupils covered: placements running in the range, attendance at
    sessions delivered in the range, mean entry->exit change, cost of those sessions (each pupil's
    share, as the impact page counts it) and cost per pupil. Two queries."""
    ids = pupils.values("pk")
    placements = {
        r["group__intervention_id"]: r for r in
        Placement.objects.filter(pupil__in=ids, start_date__lte=filters.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=filters.start))
        .order_by().values("group__intervention_id", "group__intervention__name", "group__intervention__measure")
        .annotate(pupils=Count("pupil", distinct=True),
                  change=Avg(ExpressionWrapper(F("exit_score") - F("entry_score"), output_field=MONEY),
                             filter=Q(exit_score__isnull=False, entry_score__isnull=False)),
                  measured=Count("pk", filter=Q(exit_score__isnull=False, entry_score__isnull=False)))}
    on_session = (Attendance.objects.filter(session=OuterRef("session")).order_by().values("session")
                  .annotate(n=Count("pk")).values("n")[:1])
    attendance = {
        r["placement__group__intervention_id"]: r for r in
        Attendance.objects.filter(placement__pupil__in=ids, session__status=SessionStatus.DELIVERED,
                                  session__date__range=(filters.start, filters.end))
        .annotate(share=ExpressionWrapper(session_cost_expr("session__") / Subquery(on_session), output_field=MONEY))
        .order_by().values("placement__group__intervention_id")
        .annotate(marks=Count("pk"), present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
                  cost=Sum("share", output_field=DecimalField(max_digits=12, decimal_places=2)))}
    table = Table("interventions", "Intervention impact and cost",
                  ["Intervention", "Pupils", "Attendance", "Mean change (entry to exit)", "Pupils measured",
                   "Cost of sessions", "Cost per pupil"],
                  empty="No interventions ran for these pupils in this period.",
                  note="Attendance and cost count sessions delivered in the period; a pupil's share of a "
                       "session is its cost divided by the pupils recorded on it. Change is exit minus entry "
                       "on the intervention's own measure.")
    for iid, p in sorted(placements.items(), key=lambda kv: kv[1]["group__intervention__name"]):
        a = attendance.get(iid, {"marks": 0, "present": 0, "cost": Decimal("0")})
        cost = (a["cost"] or Decimal("0")).quantize(Decimal("0.01"))
        rate = f"{round(100 * a['present'] / a['marks'])}%" if a["marks"] else "–"
        change = f"{p['change'].quantize(Decimal('0.1')):+}" if p["change"] is not None else "–"
        name = p["group__intervention__name"] + (f" ({p['group__intervention__measure']})"
                                                  if p["group__intervention__measure"] else "")
        table.rows.append([name, p["pupils"], rate, change, p["measured"], f"£{cost}",
                           f"£{(cost / p['pupils']).quantize(Decimal('0.01'))}"])
    return table


def _review_state(item) -> str:
    """"Overdue" only for a review whose date has passed; one still to come with a step behind (papers
    not out two weeks before) is "Behind": the next column says what."""
    if item.plan_overdue:
        return "Overdue"
    return "Behind" if item.is_overdue else "Due"


def _reviews(staff, pupil_ids: set[int] | None) -> tuple[Table, int, int]:
    items = [i for i in reviews_due(staff, weeks=REVIEW_WEEKS) if pupil_ids is None or i.pupil.pk in pupil_ids]
    table = Table("reviews", "Reviews due and overdue",
                  ["Pupil", "Plan", "Review due", "State", "What needs doing"],
                  empty=f"No reviews due in the next {REVIEW_WEEKS} weeks and none overdue.")
    for i in items:
        table.rows.append([i.pupil.display_name, i.plan_kind_label,
                           f"{i.due_on:%-d %b %Y}" if i.due_on else "–", _review_state(i),
                           " ".join(i.warnings)])
        table.urls.append(reverse("plans:pupil_plans", args=[i.pupil.pk]) if i.review_id is None
                          else reverse("plans:review_detail", args=[i.pupil.pk, i.review_id]))
    overdue = sum(1 for i in items if i.is_overdue)
    table.limit = overdue + REVIEWS_DUE_SHOWN  # overdue come first (reviews_due's order)
    return table, len(items) - overdue, overdue


def _open_concerns(staff, pupils) -> int | None:
    """Open safeguarding concerns: a count, and only for DSL role holders (DECISIONS.md)."""
    if not staff.has_role(Role.DSL):
        return None
    from safeguarding.models import NOT_CLOSED, Concern

    return Concern.objects.filter(school=staff.school, status__in=NOT_CLOSED, pupil__in=pupils.values("pk")).count()


def _medication(staff, pupils, filters) -> tuple[dict, Table]:
    from care.dashboard import medication_exceptions

    found = medication_exceptions(school=staff.school, pupils=pupils, start=filters.start, end=filters.end)
    table = Table("medication", "Medication exceptions", ["Pupil", "Medicine", "What", "When"],
                  empty="No refused or missed doses, low stock or expiring medicines.")
    for r in found["rows"]:
        when = r["when"]
        shown = f"{when:%-d %b %Y %H:%M}" if isinstance(when, datetime.datetime) else (
            f"{when:%-d %b %Y}" if isinstance(when, datetime.date) else str(when or ""))
        table.rows.append([r["pupil_name"], r["medicine"], r["what"], shown])
        table.urls.append(reverse("pupils:detail", args=[r["pupil_id"]]))
    return found, table


def school_overview(staff, filters, *, pupil_link_query: str = "") -> dict:
    """Everything on the school overview for these filters (see the module docstring).
    `pupil_link_query` is added to links to a pupil's analytics (the same date range)."""
    pupils = filters.pupils(staff)
    comparison = compare(filters.start, filters.end, filters.preset, filters.terms)
    rows = _incident_counts(staff, filters, pupils, comparison.range)
    periods = list(Period.objects.filter(school=staff.school).order_by("starts_at"))
    places = dict(Location.objects.filter(school=staff.school).values_list("pk", "name"))

    week_now, phys_now, day_before, phys_day_before = {}, {}, {}, {}
    hotspot, by_place, by_pupil = {}, {}, defaultdict(lambda: [0, 0, 0])
    picks = {"behaviour": [], "antecedent": []}
    first_record = None
    for cur, g, day, weekday, period_id, location_id, pupil_id, kind, label, n, physical in rows:
        if g == SET_DAY:  # this range by week (the day's Monday), the previous one by day
            (week_now if cur else day_before)[day] = n
            (phys_now if cur else phys_day_before)[day] = physical
        elif g == SET_HOTSPOT:
            hotspot[(weekday, period_id)] = n
        elif g == SET_LOCATION:
            by_place[location_id] = n
        elif g == SET_PUPIL:
            counts = by_pupil[pupil_id]
            counts[0 if cur else 1] = n
            if cur:
                counts[2] = physical
        elif g == SET_PICKS:
            picks[kind].append((label, n))  # in order: most ticked first, then by label
        elif g == SET_FIRST:
            first_record = day
    comparison = comparison.with_first_record(first_record)
    compared = comparison.available
    total, total_before = sum(week_now.values()), sum(day_before.values())
    physical_total, physical_before = sum(phys_now.values()), sum(phys_day_before.values())

    weekly, weeks = _weekly(filters, comparison, week_now, phys_now, day_before)

    behaviours = Table("behaviours", "Incidents by behaviour", ["Behaviour", "Incidents"],
                       rows=[[label, n] for label, n in picks["behaviour"]],
                       note="An incident with two behaviours ticked counts under each.")
    antecedents = Table("antecedents", "Top antecedents (what happened just before)", ["Antecedent", "Incidents"],
                        rows=[[label, n] for label, n in picks["antecedent"][:TOP_ANTECEDENTS]])

    has_unplanned = any(p is None for _, p in hotspot)
    columns = [(p.pk, p.name) for p in periods] + ([(None, "Outside the school day")] if has_unplanned else [])
    days = [d for d in range(1, 8) if d <= 5 or any(wd == d for wd, _ in hotspot)]
    hotspots = Table("hotspots", "Hotspots: weekday by period", ["Day", *[name for _, name in columns]],
                     rows=[[WEEKDAYS[d - 1], *[hotspot.get((d, pk), 0) for pk, _ in columns]] for d in days])
    if not hotspot:
        hotspots.rows = []

    locations = Table("locations", "Incidents by place", ["Place", "Incidents"],
                      rows=[[places.get(pk, "Unknown"), n] for pk, n in
                            sorted(by_place.items(), key=lambda kv: (-kv[1], places.get(kv[0], "")))])

    # Rising: at least RISING_MIN incidents and more per school day than in the period compared
    # with; the largest rises (ties by name). Nothing when there is nothing to compare with. One
    # query for the names of those and of every pupil with force used (as Pupil.display_name).
    def rise(pk):
        return comparison.rise(by_pupil[pk][0], by_pupil[pk][1])

    rising_ids = sorted((pk for pk, c in by_pupil.items()
                         if compared and c[0] >= RISING_MIN and comparison.rises(c[0], c[1])), key=lambda pk: -rise(pk))
    cut = rise(rising_ids[RISING_LIMIT - 1]) if len(rising_ids) >= RISING_LIMIT else 0
    rising_ids = [pk for pk in rising_ids if rise(pk) >= cut]
    force_ids = [pk for pk, c in by_pupil.items() if c[2]]
    names = {pk: f"{preferred or first} {last}" for pk, preferred, first, last in Pupil.objects.filter(
        pk__in=[*rising_ids, *force_ids]).values_list("pk", "preferred_name", "legal_first_name", "legal_last_name")}
    rising_ids = sorted(rising_ids, key=lambda pk: (-rise(pk), names[pk], pk))[:RISING_LIMIT]
    force_ids.sort(key=lambda pk: (-by_pupil[pk][2], names[pk], pk))
    pupil_url = reverse("dashboards:pupil", args=[0])[: -len("0/")] + "{}/" + pupil_link_query
    rising = Table("rising", "Pupils whose incidents are rising",
                   ["Pupil", "This period", "Previous period", "Change"],
                   rows=[[names[pk], by_pupil[pk][0], by_pupil[pk][1],
                          comparison.change(by_pupil[pk][0], by_pupil[pk][1])] for pk in rising_ids],
                   urls=[pupil_url.format(pk) for pk in rising_ids],
                   empty="No pupil's incidents rose against the period compared with." if compared
                   else comparison.describe(),
                   note=f"Pupils with at least {RISING_MIN} incidents in this period and more per school day than "
                        f"in the period compared with; the {RISING_LIMIT} largest rises. "
                        f"{'Change is per school day. ' if comparison.per_school_day else ''}"
                        "Pattern alerts (above) test changes statistically.")
    physical = Table("physical", "Physical interventions by pupil", ["Pupil", "Physical interventions", "Incidents"],
                     rows=[[names[pk], by_pupil[pk][2], by_pupil[pk][0]] for pk in force_ids],
                     urls=[pupil_url.format(pk) for pk in force_ids[:PHYSICAL_SHOWN]], limit=PHYSICAL_SHOWN,
                     empty="No physical interventions in this period.")

    pupil_ids = set(pupils.values_list("pk", flat=True)) if filters.narrows_pupils else None
    reviews, reviews_due_count, reviews_overdue = _reviews(staff, pupil_ids)
    medication, medication_table = _medication(staff, pupils, filters)
    outcome_progress, outcome_grid = _outcome_progress(pupils)
    def against(now, before) -> str:  # under a key figure
        if not compared:
            return "nothing earlier to compare with"
        if not before:
            return "none in the period compared with"
        per_day = " per school day" if comparison.per_school_day else ""
        return f"{comparison.change(now, before)}{per_day} on the previous {before}"

    return {
        "totals": {"incidents": total, "before": total_before, "change": comparison.change(total, total_before),
                   "against": against(total, total_before),
                   "physical": physical_total, "physical_before": physical_before,
                   "physical_change": comparison.change(physical_total, physical_before),
                   "physical_against": against(physical_total, physical_before),
                   "compared": compared, "reviews_due": reviews_due_count, "reviews_overdue": reviews_overdue},
        "comparison": comparison,
        "weeks": weeks,
        "tables": {t.key: t for t in [weekly, behaviours, antecedents, hotspots, locations, rising, physical,
                                      outcome_progress, _interventions(pupils, filters), medication_table,
                                      reviews]},
        "hotspot_grid": ([WEEKDAYS[d - 1] for d in days], [name for _, name in columns],
                         [[hotspot.get((d, pk), 0) for pk, _ in columns] for d in days]),
        "outcome_grid": outcome_grid,
        "medication": medication,
        "open_concerns": _open_concerns(staff, pupils),
    }


def _weekly(filters, comparison, week_now, phys_now, day_before) -> tuple[Table, list[dict]]:
    """Incidents per week, each week against the same school days of the period compared with
    (the i-th school day against the i-th); a week with no school days (a half-term, a holiday) is
    flagged, so a chart can show it as a break rather than a drop to 0. Also each week as a dict
    (`label`, `school_days`, `no_school_days`) for the charts."""
    before_by_index = defaultdict(int)
    for day, n in day_before.items():
        i = comparison.index_of(day)
        if i is not None:
            before_by_index[i] += n
    school_days = comparison.days
    weekly = Table("weekly", "Incidents per week",
                   ["Week beginning", "Incidents", "Physical interventions", "Previous period (same school days)",
                    "School days"])
    weeks, done = [], 0
    for monday in _weeks(filters.start, filters.end):
        first = done
        while done < len(school_days) and school_days[done] <= monday + datetime.timedelta(days=6):
            done += 1
        before = sum(before_by_index[i] for i in range(first, done)) if comparison.covers(first, done) else None
        label = f"{monday:%-d %b %Y}"
        weekly.rows.append([label, week_now.get(monday, 0), phys_now.get(monday, 0),
                            "–" if before is None else before, done - first])
        weeks.append({"label": label, "school_days": done - first, "no_school_days": done == first})
    # A range starting on the Saturday after a half-term (the preset does) or ending on a Sunday
    # has an edge week of weekend only: left out, not shown as a holiday.
    while weeks and weeks[0]["no_school_days"] and not weekly.rows[0][1]:
        weeks, weekly.rows = weeks[1:], weekly.rows[1:]
    while weeks and weeks[-1]["no_school_days"] and not weekly.rows[-1][1]:
        weeks, weekly.rows = weeks[:-1], weekly.rows[:-1]
    holidays = [w["label"] for w in weeks if w["no_school_days"]]
    short = [f"{w['label'][:-5]}: {w['school_days']}" for w in weeks if 0 < w["school_days"] < 5]
    notes = []
    if holidays:
        notes.append(f"No school days in the week{'s' if len(holidays) > 1 else ''} of {', '.join(holidays)} "
                     "(a holiday or half-term): a gap in the chart, not a drop to 0.")
    if short:
        notes.append(f"Weeks with fewer school days ({', '.join(short)}) have fewer incidents for that reason.")
    if comparison.available:
        notes.append("The previous period's figure covers the same school days of the period compared with "
                     "(see above).")
    weekly.note = " ".join(notes)
    if not sum(week_now.values()):
        weekly.rows, weeks = [], []
    return weekly, weeks


# --- one pupil --------------------------------------------------------------------------------

def pupil_analytics(staff, pupil, filters) -> dict:
    """The per-pupil page: ABC patterns, likely functions, when, intensity and duration over time,
    physical interventions, strategy effectiveness, outcome progress. Five queries."""
    # The pupil's incidents as a subquery in FROM (the planner folds it in): one index-only range of
    # `incident_pupil_local_date`. `visible_to` keeps the incident rule here too, though the view has
    # already refused a pupil this person may not see.
    incidents = (Incident.objects.visible_to(staff).filter(pupil=pupil, local_date__range=(filters.start, filters.end))
                 .order_by().values("antecedent_picks", "behaviour_picks", "strategy_picks", "outcome_picks",
                                    "physical_intervention", "suspected_function", "local_date", "local_weekday",
                                    "local_hour", "intensity", "duration_minutes"))
    inc_sql, inc_params = incidents.query.sql_with_params()

    with connection.cursor() as cur:
        # Antecedent -> behaviour pairs: every antecedent ticked with every behaviour of the same incident.
        cur.execute(f"""
            SELECT a, b, count(*) FROM ({inc_sql}) AS i
            CROSS JOIN LATERAL unnest(CASE WHEN cardinality(i.antecedent_picks) > 0 THEN i.antecedent_picks
                                           ELSE ARRAY['Not recorded']::varchar[] END) AS a
            CROSS JOIN LATERAL unnest(CASE WHEN cardinality(i.behaviour_picks) > 0 THEN i.behaviour_picks
                                           ELSE ARRAY['Not recorded']::varchar[] END) AS b
            GROUP BY a, b ORDER BY count(*) DESC, a, b""", inc_params)
        pairs = cur.fetchall()
        # Strategies: how often each was used and how often the incident then de-escalated.
        cur.execute(f"""
            SELECT s, count(*), count(*) FILTER (WHERE i.outcome_picks && %s::varchar[] AND NOT i.physical_intervention)
            FROM ({inc_sql}) AS i CROSS JOIN LATERAL unnest(i.strategy_picks) AS s
            GROUP BY s ORDER BY count(*) DESC, s""", [CALM_OUTCOMES, *inc_params])
        strategies = cur.fetchall()
        # Function; weekday x hour; per week: count, mean intensity, mean duration, force.
        cur.execute(f"""
            SELECT GROUPING(suspected_function, local_weekday, local_hour, week) AS g,
                   suspected_function, local_weekday, local_hour, week, count(*),
                   avg(intensity), avg(duration_minutes), count(*) FILTER (WHERE physical_intervention),
                   count(*) FILTER (WHERE outcome_picks && %s::varchar[] AND NOT physical_intervention)
            FROM (SELECT *, local_date - (local_weekday - 1) AS week FROM ({inc_sql}) AS i0) AS i
            GROUP BY GROUPING SETS ((suspected_function), (local_weekday, local_hour), (week))""",
                   [CALM_OUTCOMES, *inc_params])
        grouped = cur.fetchall()

    functions, when, weekly = defaultdict(int), defaultdict(int), {}
    total = deescalated = 0
    for g, function, weekday, hour, week, n, intensity, duration, force, calm in grouped:
        if g == 0b0111:
            functions[function] += n
            total += n
            deescalated += calm
        elif g == 0b1001:
            when[(weekday, hour)] += n
        elif g == 0b1110:
            weekly[week] = (n, intensity, duration, force)

    abc = Table("abc", "ABC patterns: what came before which behaviour", ["Antecedent", "Behaviour", "Incidents"],
                rows=[list(r) for r in pairs],
                note="An incident with two antecedents or behaviours ticked counts for each pair.")
    function_labels = dict(SuspectedFunction.choices)
    named = sorted(((function_labels.get(f) or "Not recorded", n) for f, n in functions.items()),
                   key=lambda item: (-item[1], item[0] == "Not recorded", item[0]))
    function_table = Table("functions", "Likely function (as recorded)", ["Function", "Incidents", "Share"],
                           rows=[[label, n, f"{round(100 * n / total)}%"] for label, n in named])
    hours = sorted({h for _, h in when})
    hour_range = list(range(min(hours), max(hours) + 1)) if hours else []
    days = [d for d in range(1, 8) if d <= 5 or any(wd == d for wd, _ in when)]
    heat = Table("when", "When: weekday by hour", ["Day", *[f"{h:02d}:00" for h in hour_range]],
                 rows=[[WEEKDAYS[d - 1], *[when.get((d, h), 0) for h in hour_range]] for d in days] if when else [])
    over_time = Table("over_time", "Intensity, duration and physical interventions by week",
                      ["Week beginning", "Incidents", "Mean intensity (1-5)", "Mean duration (minutes)",
                       "Physical interventions"])
    over_time.note = "Weeks with no incidents are left out."
    for week in sorted(weekly):
        n, intensity, duration, force = weekly[week]
        over_time.rows.append([f"{week:%-d %b %Y}", n, round(float(intensity), 1),
                               round(float(duration), 1) if duration is not None else "–", force])
    strategy_table = Table("strategies", "Strategy effectiveness", ["Strategy", "Used", "De-escalated", "Share"],
                           rows=[[s, used, calm, f"{round(100 * calm / used)}%"] for s, used, calm in strategies],
                           note=DEESCALATED_RULE)
    progress = _pupil_progress(pupil, filters)
    return {
        "total": total, "deescalated": deescalated, "physical": sum(v[3] for v in weekly.values()),
        "tables": {t.key: t for t in [abc, function_table, heat, over_time, strategy_table, progress]},
        "when_grid": ([WEEKDAYS[d - 1] for d in days], [f"{h:02d}" for h in hour_range],
                      [[when.get((d, h), 0) for h in hour_range] for d in days]),
        "weekly": weekly,
        "deescalated_rule": DEESCALATED_RULE,
    }


def _pupil_progress(pupil, filters) -> Table:
    """Outcome progress over time: each rating of an outcome of the pupil's plan in force, by month,
    with the first and latest rating in the period. One query."""
    evidence = (ProgressEvidence.objects.filter(
        pupil=pupil, outcome__plan__status=VersionStatus.IN_FORCE, observed_on__range=(filters.start, filters.end))
        .select_related("outcome").order_by("outcome__order", "outcome_id", "observed_on", "pk"))
    by_outcome: dict[int, list] = {}
    for e in evidence:
        by_outcome.setdefault(e.outcome_id, []).append(e)
    table = Table("progress", "Outcome progress over time",
                  ["Outcome", "Area of need", "Ratings in the period (oldest first)", "First", "Latest"],
                  empty="No progress evidence against the plan in force in this period.")
    labels = dict(Rating.choices)
    for items in by_outcome.values():
        o = items[0].outcome
        trail = ", ".join(f"{e.observed_on:%-d %b}: {labels[e.rating]}" for e in items)
        table.rows.append([o.text, o.get_area_of_need_display(), trail, labels[items[0].rating],
                           labels[items[-1].rating]])
    table.series = [(items[0].outcome.text, [(e.observed_on, e.rating) for e in items])  # for the chart
                    for items in by_outcome.values()]
    return table
