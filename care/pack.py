"""The medication section of a pupil's evidence pack (registered as "medication", order 60).

``pack_section(pupil, start, end)`` returns ``(template, context)`` or ``None`` when the pupil had no
healthcare plan or medicine in the period. Three queries whatever the history: healthcare plan
versions in force during the period, medicines in use during it, and dose counts per medicine and
outcome in the period (aggregated in SQL). It says what was given, refused and missed and how often
as-needed medicines were used, never the dose-by-dose detail or anything intimate, and names no
other pupil."""

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from .models import Administration, HealthcarePlan, Medicine, Outcome

TEMPLATE = "care/pack/section.html"


def pack_section(pupil, start: datetime.date, end: datetime.date):
    period_end = timezone.make_aware(datetime.datetime.combine(end, datetime.time.max))
    period_start = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    plans = list(HealthcarePlan.objects.filter(pupil=pupil, in_force_from__lte=period_end)
                 .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=period_start))
                 .exclude(status="draft").order_by("in_force_from"))
    medicines = list(Medicine.objects.filter(pupil=pupil, created_at__lte=period_end)
                     .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gte=start)).order_by("name", "id"))
    counts = defaultdict(lambda: defaultdict(int))
    for medicine_id, outcome, n in (Administration.objects.filter(pupil=pupil, at__range=(period_start, period_end))
                                    .values_list("medicine_id", "outcome").annotate(n=Count("id")).order_by()):
        counts[medicine_id][outcome] = n
    if not plans and not medicines:
        return None
    rows = []
    for m in medicines:
        c = counts[m.pk]
        rows.append({
            "name": f"{m.name} {m.strength}", "dose": m.dose_label, "route": m.get_route_display(),
            "when": (f"as needed: {m.prn_reason}" if m.as_needed
                     else ", ".join(t.strftime("%H:%M") for t in m.scheduled_times)),
            "as_needed": m.as_needed, "controlled": m.is_controlled, "stopped_on": m.stopped_on,
            "given": c[Outcome.GIVEN], "refused": c[Outcome.REFUSED], "not_given": c[Outcome.NOT_GIVEN],
            "missed": c[Outcome.MISSED], "at_home": c[Outcome.AT_HOME],
        })
    prn = [r for r in rows if r["as_needed"]]
    return TEMPLATE, {
        "pupil": pupil, "period_start": start, "period_end": end, "plans": plans, "medicines": rows,
        "prn": prn,
        "totals": {k: sum(r[k] for r in rows) for k in ("given", "refused", "not_given", "missed")},
    }
