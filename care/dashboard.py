"""Medication exceptions for the school dashboard (``dashboards`` calls this; it knows no care models).

``medication_exceptions(school=, pupils=, start=, end=)``: refused and missed doses in the period,
medicines low in stock and batches expiring within 30 days, for the pupils the caller passes (a
Pupil queryset already scoped by the caller). Two queries whatever the data size."""

import datetime

from django.utils import timezone

from .models import Administration, Outcome
from .selectors import stock_warnings


def medication_exceptions(*, school, pupils, start: datetime.date, end: datetime.date) -> dict:
    doses = list(Administration.objects.filter(
        school=school, pupil__in=pupils, outcome__in=[Outcome.REFUSED, Outcome.MISSED],
        at__date__range=(start, end)).select_related("pupil", "medicine").order_by("-at", "-id"))
    warnings = stock_warnings(school=school, pupils=pupils, today=timezone.localdate())
    rows = [{"pupil_id": a.pupil_id, "pupil_name": a.pupil.display_name, "medicine": str(a.medicine),
             "what": a.get_outcome_display(), "when": a.at} for a in doses]
    rows += [{"pupil_id": w["pupil"].pk, "pupil_name": w["pupil"].display_name, "medicine": str(w["medicine"]),
              "what": "Low stock: " + w["what"] if w["kind"] == "low_stock" else "Expiry: " + w["what"],
              "when": w["when"]} for w in warnings]
    return {
        "refused": sum(1 for a in doses if a.outcome == Outcome.REFUSED),
        "missed": sum(1 for a in doses if a.outcome == Outcome.MISSED),
        "low_stock": sum(1 for w in warnings if w["kind"] == "low_stock"),
        "expiring": sum(1 for w in warnings if w["kind"] == "expiring"),
        "rows": rows,
    }
