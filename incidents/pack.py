"""The incidents' sections of a pupil's evidence pack (the EHCP annual-review pack): a behaviour
summary with charts, and an appendix listing every incident in the period.

Each ``build(pupil, start, end)`` returns ``(template name, context)`` or ``None`` (nothing to say)
and is registered in ``IncidentsConfig.ready()``. ``start`` and ``end`` are dates, both included, as
read in Europe/London: an incident at 23:30 on the last day (BST) is in the period, whatever UTC says.

Only submitted incidents are read (drafts live in their own table). Facts corrected by addendum are
shown at their corrected value and marked as corrected. Other pupils are never named: an involved
pupil is "another pupil", and their names are replaced in the free text too (DECISIONS.md), as is
any other pupil of the school named there, by full name or by first name (``pupils.pack``).

One pupil's incidents over a year are a few hundred rows at most, so each section reads its rows
in a fixed number of queries and counts them in Python.
"""

import datetime
import math
import zoneinfo
from collections import Counter

from django.db.models import Prefetch

from accounts.models import Period, Term
from pupils.pack import other_pupils_redactor
from pupils.redaction import ANOTHER, redactor
from sendsupport.charts import bar_chart, heatmap, line_chart

from .models import LOCAL_TZ, Addendum, AddendumKind, CorrectableField, Incident, InvolvedPupil, SuspectedFunction

LONDON = zoneinfo.ZoneInfo(LOCAL_TZ)
WEEKDAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
OUTSIDE_PERIODS = "Outside lessons"  # before or after the school's periods (or none set up)
TOP_ANTECEDENTS = 8
TOP_PLACES = 6
TYPED_ONLY = "Other (described in words)"
NOT_RECORDED = "Not recorded"

BEHAVIOUR_TEMPLATE = "incidents/pack/behaviour.html"
APPENDIX_TEMPLATE = "incidents/pack/appendix.html"


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From midnight starting ``start`` to midnight ending ``end``, London time (for an index range
    on ``occurred_at``; the clocks may change inside the period, so each end is made on its own)."""
    return (datetime.datetime.combine(start, datetime.time(), LONDON),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), LONDON))


def previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The same number of days immediately before the period."""
    days = (end - start).days + 1
    return start - datetime.timedelta(days=days), start - datetime.timedelta(days=1)


def _change(now, before, places=0) -> str:
    if now is None or before is None:
        return "–"
    delta = round(now - before, places)
    if delta == 0:
        return "no change"
    text = f"{abs(delta):,.{places}f}"
    return f"+{text}" if delta > 0 else f"−{text}"  # a real minus sign: clearer in print


def _figures(rows) -> dict:
    intensities = [r.intensity for r in rows]
    return {
        "incidents": len(rows),
        "physical": sum(1 for r in rows if r.physical_intervention),
        "mean_intensity": round(sum(intensities) / len(intensities), 1) if intensities else None,
        "minutes": sum(r.duration_minutes or 0 for r in rows),
        "no_duration": sum(1 for r in rows if r.duration_minutes is None),
    }


def _term_days(terms) -> set[datetime.date]:
    """School days (Monday to Friday in term, outside half term) of the terms given."""
    days = set()
    for starts, ends, half_starts, half_ends in terms:
        day = starts
        while day <= ends:
            in_half_term = half_starts and half_ends and half_starts <= day <= half_ends
            if day.isoweekday() <= 5 and not in_half_term:
                days.add(day)
            day += datetime.timedelta(days=1)
    return days


def _weekly(rows, first: datetime.date, last: datetime.date, terms: list) -> list:
    """Counts per 7-day step from ``first``. A step with no incident and no school day, inside the
    dates the school's terms cover, is ``None`` (school closed: a gap in the line, not a zero).
    Outside those dates nothing is known about holidays, so every step counts."""
    weeks = math.ceil(((last - first).days + 1) / 7)
    counts = Counter((r.local_date - first).days // 7 for r in rows)
    school_days = _term_days(terms)
    known_from = min((t[0] for t in terms), default=None)
    known_to = max((t[1] for t in terms), default=None)
    values = []
    for k in range(weeks):
        days = [first + datetime.timedelta(days=k * 7 + d) for d in range(7)]
        days = [d for d in days if d <= last]
        closed = (known_from is not None and known_from <= days[0] and days[-1] <= known_to
                  and not any(d in school_days for d in days))
        values.append(None if closed and not counts[k] else counts[k])
    return values


def behaviour_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    """Figures for the period beside the previous period of the same length, and charts of when,
    where, after what and (staff's view) why. ``None`` when neither period has an incident.
    Queries: incidents of both periods (1), the school's periods (1), terms (1)."""
    prev_start, prev_end = previous_period(start, end)
    lo, hi = day_bounds(prev_start, end)
    rows = list(Incident.objects.filter(pupil=pupil, occurred_at__gte=lo, occurred_at__lt=hi)
                .values_list("local_date", "local_weekday", "period_id", "location__name", "antecedent_picks",
                             "antecedent", "suspected_function", "intensity", "duration_minutes",
                             "physical_intervention", named=True))
    if not rows:
        return None
    current = [r for r in rows if r.local_date >= start]
    previous = [r for r in rows if r.local_date < start]
    periods = list(Period.objects.filter(school=pupil.school_id).order_by("starts_at", "id").values_list("id", "name"))
    terms = list(Term.objects.filter(school=pupil.school_id, starts_on__lte=end, ends_on__gte=prev_start)
                 .values_list("starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on"))

    now, before = _figures(current), _figures(previous)
    comparison = [
        {"label": "Incidents", "now": now["incidents"], "before": before["incidents"],
         "change": _change(now["incidents"], before["incidents"])},
        {"label": "Physical interventions (force or restraint used)", "now": now["physical"],
         "before": before["physical"], "change": _change(now["physical"], before["physical"])},
        {"label": "Mean intensity (1 low to 5 severe)", "now": now["mean_intensity"],
         "before": before["mean_intensity"], "change": _change(now["mean_intensity"], before["mean_intensity"], 1)},
        {"label": "Total minutes", "now": now["minutes"], "before": before["minutes"],
         "change": _change(now["minutes"], before["minutes"])},
    ]

    weeks_now = _weekly(current, start, end, terms)
    weeks_before = _weekly(previous, prev_start, prev_end, terms)
    labels = [f"{start + datetime.timedelta(days=7 * k):%-d %b}" for k in range(len(weeks_now))]
    trend = line_chart(list(zip(labels, weeks_now)), title="Incidents each week", label="This period",
                       compare=list(zip(labels, weeks_before)), compare_label="Previous period",
                       desc=_trend_desc(labels, weeks_now, weeks_before), show_title=False)

    months = {}
    day = start.replace(day=1)
    while day <= end:
        months[(day.year, day.month)] = {"month": day, "incidents": 0, "physical": 0, "minutes": 0}
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    for r in current:
        m = months[(r.local_date.year, r.local_date.month)]
        m["incidents"] += 1
        m["physical"] += r.physical_intervention
        m["minutes"] += r.duration_minutes or 0

    # Hotspots: weekday × the school's periods; weekends only if something happened then.
    columns = {pk: name for pk, name in periods}
    grid = Counter((r.local_weekday, r.period_id if r.period_id in columns else None) for r in current)
    col_keys = list(columns) + ([None] if any(key[1] is None for key in grid) else [])
    day_keys = [d for d in range(1, 8) if d <= 5 or any(key[0] == d for key in grid)]
    hotspots = heatmap([WEEKDAY_NAMES[d] for d in day_keys],
                       [columns.get(c, OUTSIDE_PERIODS) for c in col_keys],
                       [[grid[(d, c)] for c in col_keys] for d in day_keys],
                       title="When incidents happened: weekday and period",
                       empty_message="No incidents in this period.", show_title=False)
    busiest = sorted(((n, d, c) for (d, c), n in grid.items()), key=lambda t: (-t[0], t[1], col_keys.index(t[2])))
    busiest = [{"when": f"{WEEKDAY_NAMES[d]}, {columns.get(c, OUTSIDE_PERIODS)}", "count": n}
               for n, d, c in busiest[:5]]
    places = [{"label": name, "count": n}
              for name, n in sorted(Counter(r.location__name for r in current).items(),
                                    key=lambda t: (-t[1], t[0]))[:TOP_PLACES]]

    antecedents = Counter()
    for r in current:
        antecedents.update(set(r.antecedent_picks))
        if not r.antecedent_picks:
            antecedents[TYPED_ONLY if r.antecedent.strip() else NOT_RECORDED] += 1
    top = sorted(antecedents.items(), key=lambda t: (-t[1], t[0]))
    antecedent_rows = _shares(top[:TOP_ANTECEDENTS], len(current))
    functions = Counter(r.suspected_function or "" for r in current)
    labels_of = dict(SuspectedFunction.choices) | {"": NOT_RECORDED}
    function_rows = _shares(sorted(((labels_of.get(k, k), n) for k, n in functions.items()),
                                   key=lambda t: (-t[1], t[0])), len(current))

    return BEHAVIOUR_TEMPLATE, {
        "pupil": pupil,
        "period_start": start, "period_end": end,
        "previous_start": prev_start, "previous_end": prev_end,
        "now": now, "before": before, "comparison": comparison,
        "trend_chart": trend,
        "months": list(months.values()),
        "has_closed_weeks": any(v is None for v in weeks_now + weeks_before),
        "hotspot_chart": hotspots, "busiest": busiest, "places": places,
        "antecedent_chart": bar_chart([(r["label"], r["count"]) for r in antecedent_rows],
                                      title="What happened just before (antecedents)",
                                      empty_message="No incidents in this period.", show_title=False),
        "antecedents": antecedent_rows, "antecedents_shown": len(antecedent_rows),
        "antecedents_total": len(top),
        "function_chart": bar_chart([(r["label"], r["count"]) for r in function_rows],
                                    title="Likely function, in staff's view",
                                    empty_message="No incidents in this period.", show_title=False),
        "functions": function_rows,
    }


def _shares(pairs, total: int) -> list[dict]:
    return [{"label": label, "count": n, "percent": round(100 * n / total) if total else 0} for label, n in pairs]


def _trend_desc(labels, now, before) -> str:
    def read(values):
        return ", ".join(f"{lab}: {'school closed' if v is None else v}" for lab, v in zip(labels, values))
    return (f"Incidents each week, by the week's first day. This period: {read(now)}. "
            f"The same weeks of the previous period: {read(before)}.")


# --- the appendix ---------------------------------------------------------------------------------

def _abc(picks, text, clean) -> dict:
    return {"picks": [clean(p) for p in picks], "text": clean(text).strip()}


def appendix_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    """Every submitted incident about the pupil in the period, oldest first. ``None`` when there
    are none. Queries: incidents with place, period and author (1), the other pupils involved (1),
    corrections (1), the school's other pupils' names (1; none more inside a pack that read them)."""
    lo, hi = day_bounds(start, end)
    incidents = list(
        Incident.objects.filter(pupil=pupil, occurred_at__gte=lo, occurred_at__lt=hi)
        .select_related("location", "period", "created_by")
        .prefetch_related(
            Prefetch("involved_pupils", queryset=InvolvedPupil.objects.select_related("pupil").order_by("id")),
            Prefetch("addenda", queryset=Addendum.objects.filter(kind=AddendumKind.CORRECTION)
                     .select_related("author").order_by("created_at", "id"), to_attr="corrections"))
        .order_by("occurred_at", "id"))
    if not incidents:
        return None
    # Every pupil involved in any of these incidents: a name typed in one incident's text may be
    # a pupil recorded as involved in another.
    others = {ip.pupil_id: ip.pupil for i in incidents for ip in i.involved_pupils.all() if ip.pupil_id != pupil.pk}
    involved_pass = redactor(list(others.values()), pupil)
    # Then any other pupil of the school named in the text but not recorded as involved (4).
    school_pass = other_pupils_redactor(pupil)

    def clean(text):
        return school_pass(involved_pass(text))

    rows = []
    for i in incidents:
        corrections = []
        for c in i.corrections:
            if c.field == CorrectableField.PUPIL:
                was, now = ANOTHER, pupil.display_name  # it was first recorded against someone else
            else:
                was, now = clean(c.was), clean(c.now)
            corrections.append({"field": c.get_field_display(), "was": was, "now": now, "reason": clean(c.text),
                                "on": c.created_at, "by": c.author.full_name or c.author.email})
        involved = [clean(ip.part) for ip in i.involved_pupils.all() if ip.pupil_id != pupil.pk]
        abc = [_abc(i.antecedent_picks, i.antecedent, clean), _abc(i.behaviour_picks, i.behaviour, clean),
               _abc(i.consequence_picks, i.consequence, clean)]
        rows.append({
            "reference": i.reference,
            "when": i.occurred_at.astimezone(LONDON),
            "place": i.location.name,
            "period": i.period.name if i.period_id else "",
            "activity": clean(i.activity),
            "abc": abc,  # antecedent, behaviour, consequence: the table's columns in order
            "intensity": i.intensity,
            "duration": i.duration_minutes,
            "physical": i.physical_intervention,
            "others": involved,  # one entry per other pupil: their part, if given
            "recorded_by": i.created_by.full_name or i.created_by.email,
            "corrected": i.corrected,
            "corrections": corrections,
            "corrected_fields": {c.field for c in i.corrections},
        })
    return APPENDIX_TEMPLATE, {
        "pupil": pupil, "period_start": start, "period_end": end, "incidents": rows,
        "corrected_count": sum(1 for r in rows if r["corrected"]),
        "another": ANOTHER,
    }
