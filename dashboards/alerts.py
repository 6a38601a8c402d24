"""Pattern alerts for the SENCo: a pupil whose incidents are rising against their own baseline, a
new hotspot (a place or a period of the day), and repeated physical intervention.

Computed nightly by Celery beat (`compute_school_alerts`, one aggregate query per school) into
`PatternAlert`; the pages and the weekly digest read that table (`current_alerts`).

The rules (printed on the alerts page from RULES, so the page and the code cannot disagree):

- Windows are counted in **school days**: weekdays inside the school's terms, half-terms out (every
  weekday outside the span of the terms entered), so holidays neither dilute a baseline nor make
  September look like a rise. "Recent" is the last 20 school days before today (4 school weeks);
  the baseline is the 60 school days before that (12 school weeks), from the school's first
  recorded incident at the earliest.
- **Rising (pupil) and hotspot (place, period)**: an exact one-sided test of two Poisson rates
  (the conditional binomial test): given the n = recent + baseline incidents, under "no change"
  the recent count is Binomial(n, recent days / all days). Flag when p < 0.01, the recent rate is
  at least 1.5 times the baseline rate, and there are at least 5 recent incidents (a pupil) or 8
  (a place or period). Before the test both counts are divided by the baseline's dispersion
  (variance over mean of its daily counts, at least 1: a quasi-Poisson correction, since
  incidents cluster in bad days). The test needs at least 20 baseline school days.
- **Repeated physical intervention**: 3 or more incidents in the recent window where force,
  restraint, seclusion or immobilisation was used, for one pupil.

Only submitted incidents exist in `Incident` (drafts are `IncidentDraft`), and corrections move
the incident's own columns, so the counts use corrected facts."""

import datetime
import math
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from accounts.access import Ability
from accounts.models import School, Term
from incidents.models import Incident
from pupils.models import Pupil
from sendsupport import history

from .models import AlertKind, PatternAlert

RECENT_DAYS = 20  # 4 school weeks
BASELINE_DAYS = 60  # 12 school weeks
MIN_BASELINE_DAYS = 20
P_THRESHOLD = 0.01
MIN_RATE_RATIO = 1.5
MIN_RECENT = {AlertKind.PUPIL_RISE: 5, AlertKind.PLACE_HOTSPOT: 8, AlertKind.PERIOD_HOTSPOT: 8}
FORCE_THRESHOLD = 3
LOOKBACK_LIMIT = datetime.timedelta(days=400)  # 80 school days are at most ~5 months of terms

RULES = [
    ("Windows", f"Counted in school days (weekdays in term, half-terms out; every weekday outside the "
                f"dates the school's terms cover). Recent: the last {RECENT_DAYS} "
                f"school days (4 school weeks). Baseline: the {BASELINE_DAYS} school days before that "
                f"(12 school weeks), from the school's first recorded incident at the earliest."),
    ("Incidents rising for a pupil", f"An exact one-sided test of two Poisson rates (conditional binomial "
                                     f"test) of the recent count against the baseline rate: flagged when "
                                     f"p < {P_THRESHOLD}, the recent rate is at least {MIN_RATE_RATIO} times "
                                     f"the baseline rate and there are at least "
                                     f"{MIN_RECENT[AlertKind.PUPIL_RISE]} recent incidents. Incidents come "
                                     f"in bad days and good days, so both counts are first divided by how "
                                     f"spread out the baseline's daily counts are (variance over mean, at "
                                     f"least 1): an up-and-down pupil needs a bigger rise to be flagged."),
    ("New hotspot", f"The same test for each place and each period of the day, with at least "
                    f"{MIN_RECENT[AlertKind.PLACE_HOTSPOT]} recent incidents there."),
    ("Repeated physical intervention", f"{FORCE_THRESHOLD} or more incidents for one pupil in the recent "
                                       f"window where force, restraint, seclusion or immobilisation was used."),
]


# --- The rule ---------------------------------------------------------------------------------

def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in logs so large n neither under- nor overflows."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p >= 1.0:
        return 1.0
    if p <= 0.0:
        return 0.0
    lp, lq, lnf = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    logs = [lnf - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq for i in range(k, n + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(x - top) for x in logs))


def rise_p_value(recent: int, recent_days: int, baseline: int, baseline_days: int) -> float:
    """One-sided p-value that the recent rate is above the baseline rate (two Poisson counts with
    exposures in school days): conditional on the total, the recent count is binomial."""
    share = recent_days / (recent_days + baseline_days)
    return binomial_upper_tail(recent, recent + baseline, share)


def dispersion(baseline: int, baseline_squares: int, baseline_days: int) -> float:
    """Variance over mean of the baseline's daily counts (school days without incidents count as 0),
    at least 1. Behaviour comes in bad days and good days, more spread than a Poisson count: left
    alone, the test would flag a steady but up-and-down pupil several times too often."""
    if baseline <= 0 or baseline_days <= 1:
        return 1.0
    mean = baseline / baseline_days
    variance = baseline_squares / baseline_days - mean * mean
    return max(1.0, variance / mean)


def is_rise(kind, recent: int, recent_days: int, baseline: int, baseline_days: int,
            baseline_squares: int | None = None) -> tuple[bool, float | None, float]:
    """The rule for a pupil's rise and for a hotspot: (flagged, p-value or None if not tested,
    dispersion). Both counts are divided by the baseline's dispersion before the exact test (a
    quasi-Poisson correction); with no daily figures (None) the counts are taken as Poisson."""
    phi = 1.0 if baseline_squares is None else dispersion(baseline, baseline_squares, baseline_days)
    if recent < MIN_RECENT[kind] or baseline_days < MIN_BASELINE_DAYS or recent_days == 0:
        return False, None, phi
    if recent * baseline_days < MIN_RATE_RATIO * baseline * recent_days:  # rate ratio below 1.5
        return False, None, phi
    p = rise_p_value(round(recent / phi), recent_days, round(baseline / phi), baseline_days)
    return p < P_THRESHOLD, p, phi


# --- School days ------------------------------------------------------------------------------

def school_days_before(today: datetime.date, terms) -> list[datetime.date]:
    """School days before `today`, newest first, as many as the windows need. `terms` are the
    school's Term rows: inside the span they cover only term days count (holidays and half-terms
    out); outside it (terms not entered yet, or none at all) every weekday counts."""
    want = RECENT_DAYS + BASELINE_DAYS
    first = min((t.starts_on for t in terms), default=None)
    last = max((t.ends_on for t in terms), default=None)
    days, day, stop = [], today - datetime.timedelta(days=1), today - LOOKBACK_LIMIT
    while len(days) < want and day > stop:
        if day.isoweekday() <= 5 and (not terms or not first <= day <= last or any(_in_term(day, t) for t in terms)):
            days.append(day)
        day -= datetime.timedelta(days=1)
    return days


def _in_term(day, term) -> bool:
    if not term.starts_on <= day <= term.ends_on:
        return False
    return not (term.half_term_starts_on and term.half_term_ends_on
                and term.half_term_starts_on <= day <= term.half_term_ends_on)


@dataclass(frozen=True)
class Windows:
    recent_from: datetime.date
    recent_days: int
    baseline_from: datetime.date | None
    baseline_days: int


def windows_for(school: School, today: datetime.date) -> Windows | None:
    """The recent and baseline windows for a school (2 queries: terms, first incident)."""
    days = school_days_before(today, list(Term.objects.filter(school=school)))
    if not days:
        return None
    recent = days[:RECENT_DAYS]
    first = Incident.objects.filter(school=school).order_by("local_date").values_list("local_date", flat=True).first()
    baseline = [d for d in days[RECENT_DAYS:] if first is not None and d >= first]
    return Windows(recent_from=recent[-1], recent_days=len(recent),
                   baseline_from=baseline[-1] if baseline else None, baseline_days=len(baseline))


# --- Computing (nightly) ----------------------------------------------------------------------

_COUNTS_SQL = """
    WITH daily AS (
        SELECT GROUPING(pupil_id, location_id, period_id) AS grouping_set,
               pupil_id, location_id, period_id, local_date,
               count(*) AS n, count(*) FILTER (WHERE physical_intervention) AS n_force
        FROM {table}
        WHERE school_id = %(school)s AND local_date >= %(since)s AND local_date < %(today)s
        GROUP BY GROUPING SETS ((pupil_id, local_date), (location_id, local_date), (period_id, local_date))
    )
    SELECT grouping_set, pupil_id, location_id, period_id,
           coalesce(sum(n) FILTER (WHERE local_date >= %(recent_from)s), 0)::bigint AS recent,
           coalesce(sum(n) FILTER (WHERE local_date < %(recent_from)s), 0)::bigint AS baseline,
           coalesce(sum(n * n) FILTER (WHERE local_date < %(recent_from)s), 0)::bigint AS baseline_squares,
           coalesce(sum(n_force) FILTER (WHERE local_date >= %(recent_from)s), 0)::bigint AS recent_force
    FROM daily
    GROUP BY grouping_set, pupil_id, location_id, period_id
"""
# GROUPING() bits, highest first (pupil, location, period): 1 marks a column not grouped on.
_BY_PUPIL, _BY_LOCATION, _BY_PERIOD = 0b011, 0b101, 0b110


def school_counts(school: School, windows: Windows, today: datetime.date) -> list[tuple]:
    """Every pupil's, place's and period's recent and baseline counts, the sum of squares of the
    baseline's daily counts (for the dispersion) and the recent physical interventions, in one
    pass over the school's incidents (an index-only scan of incident_school_local_date)."""
    since = windows.baseline_from or windows.recent_from
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL.format(table=Incident._meta.db_table),
                       {"school": school.pk, "recent_from": windows.recent_from, "since": since, "today": today})
        return cursor.fetchall()


def find_patterns(school: School, today: datetime.date) -> dict[tuple, dict]:
    """What holds today: {(kind, pupil_id, location_id, period_id): figures}."""
    windows = windows_for(school, today)
    if windows is None:
        return {}
    archived = set(Pupil.objects.filter(school=school, archived_at__isnull=False).values_list("pk", flat=True))
    base = {"recent_from": windows.recent_from, "recent_to": today - datetime.timedelta(days=1),
            "recent_days": windows.recent_days}
    found = {}
    for grouping_set, pupil_id, location_id, period_id, recent, baseline, squares, recent_force in school_counts(
            school, windows, today):
        if grouping_set == _BY_PUPIL:
            if pupil_id in archived:
                continue  # a pupil who has left: nothing to act on
            key, kind = (AlertKind.PUPIL_RISE, pupil_id, None, None), AlertKind.PUPIL_RISE
            if recent_force >= FORCE_THRESHOLD:
                found[(AlertKind.REPEATED_FORCE, pupil_id, None, None)] = {**base, "recent_count": recent_force}
        elif grouping_set == _BY_LOCATION:
            key, kind = (AlertKind.PLACE_HOTSPOT, None, location_id, None), AlertKind.PLACE_HOTSPOT
        elif grouping_set == _BY_PERIOD and period_id is not None:  # outside any period: no hotspot to name
            key, kind = (AlertKind.PERIOD_HOTSPOT, None, None, period_id), AlertKind.PERIOD_HOTSPOT
        else:
            continue
        flagged, p, phi = is_rise(kind, recent, windows.recent_days, baseline, windows.baseline_days, squares)
        if flagged:
            found[key] = {**base, "recent_count": recent, "baseline_from": windows.baseline_from,
                          "baseline_count": baseline, "baseline_days": windows.baseline_days, "p_value": p,
                          "dispersion": phi}
    return found


FIGURES = ["recent_from", "recent_to", "recent_count", "recent_days", "baseline_from", "baseline_count",
           "baseline_days", "p_value", "dispersion"]


@transaction.atomic
def compute_school_alerts(*, school: School, today: datetime.date) -> dict[str, int]:
    """Bring one school's alerts up to date. Idempotent: a pattern already open is the same row
    with new figures; a pattern no longer found is closed; rerunning the same day changes nothing."""
    School.objects.select_for_update().filter(pk=school.pk).first()  # one run per school at a time
    found = find_patterns(school, today)
    open_alerts = {(a.kind, a.pupil_id, a.location_id, a.period_id): a
                   for a in PatternAlert.objects.filter(school=school, cleared_on__isnull=True)}
    new, updated, cleared = [], [], []
    for key, figures in found.items():
        alert = open_alerts.get(key)
        if alert is None:
            kind, pupil_id, location_id, period_id = key
            new.append(PatternAlert(school=school, kind=kind, pupil_id=pupil_id, location_id=location_id,
                                    period_id=period_id, first_seen_on=today, last_seen_on=today, **figures))
        else:
            for name, value in figures.items():
                setattr(alert, name, value)
            alert.last_seen_on = today
            updated.append(alert)
    for key, alert in open_alerts.items():
        if key not in found:
            alert.cleared_on = today
            cleared.append(alert)
    with history.action(action="dashboards.pattern_alerts.compute"):
        PatternAlert.objects.bulk_create(new)
        PatternAlert.objects.bulk_update(updated, [*FIGURES, "last_seen_on"])
        PatternAlert.objects.bulk_update(cleared, ["cleared_on"])
    return {"new": len(new), "updated": len(updated), "cleared": len(cleared)}


# --- Reading ----------------------------------------------------------------------------------

def alerts_for(staff, *, open_only: bool = True):
    """The school's alerts for a VIEW_SCHOOL_DASHBOARD holder (none for anyone else), each with
    `pupil_visible`: link to the pupil only if this person may see them."""
    if staff is None or staff.school is None or not staff.can(Ability.VIEW_SCHOOL_DASHBOARD):
        return PatternAlert.objects.none()
    qs = (PatternAlert.objects.filter(school=staff.school)
          .select_related("pupil", "location", "period")
          .annotate(pupil_visible=Exists(Pupil.objects.visible_to(staff).filter(pk=OuterRef("pupil_id")))))
    return qs.filter(cleared_on__isnull=True) if open_only else qs


KIND_ORDER = {AlertKind.REPEATED_FORCE: 0, AlertKind.PUPIL_RISE: 1, AlertKind.PLACE_HOTSPOT: 2,
              AlertKind.PERIOD_HOTSPOT: 3}


def current_alerts(staff) -> list[PatternAlert]:
    """Open alerts for the overview (one query): physical intervention first, then rises, then
    hotspots; within a kind the newest first."""
    alerts = list(alerts_for(staff))
    return sorted(alerts, key=lambda a: (KIND_ORDER[a.kind], -a.first_seen_on.toordinal(), -a.recent_count))


# --- Weekly digest ----------------------------------------------------------------------------

DIGEST_SUBJECT = "Pattern alerts this week"


@transaction.atomic
def send_weekly_digest(*, school: School, today: datetime.date) -> bool:
    """Tell the school's SENCos (in-app and by email) what the pattern alerts show this week.
    Names no pupil: email leaves the system, so it gives counts and a link to the alerts page.
    Once a week per school (the AlertDigest row is claimed first); nothing is sent when no alert
    is open. Returns whether a digest went out."""
    from django.urls import reverse

    from sendsupport.notifications import notify, staff_with_ability

    from .models import AlertDigest

    monday = today - datetime.timedelta(days=today.weekday())
    if AlertDigest.objects.filter(school=school, week_of=monday).exists():
        return False
    open_alerts = list(PatternAlert.objects.filter(school=school, cleared_on__isnull=True)
                       .values_list("kind", "first_seen_on"))
    if not open_alerts:
        return False
    week_ago = today - datetime.timedelta(days=7)
    new = sum(1 for _, first in open_alerts if first > week_ago)
    lines = [f"{len(open_alerts)} pattern alert{'s' if len(open_alerts) != 1 else ''} open at {school.name}"
             f" ({new} new since last week):"]
    for kind in sorted(KIND_ORDER, key=KIND_ORDER.get):
        n = sum(1 for k, _ in open_alerts if k == kind)
        if n:
            lines.append(f"- {AlertKind(kind).label}: {n}")
    lines.append("Open the alerts page for the pupils, places and times, and the figures behind each alert.")
    with history.action(action="dashboards.pattern_alerts.digest"):
        _, created = AlertDigest.objects.get_or_create(
            school=school, week_of=monday, defaults={"open_alerts": len(open_alerts), "new_alerts": new})
        if not created:  # another run got there first
            return False
        notify(users=staff_with_ability(school, Ability.RECEIVE_SEN_ALERTS), school=school,
               subject=DIGEST_SUBJECT, body="\n".join(lines), url=reverse("dashboards:alerts"))
    return True
