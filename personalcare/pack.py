"""The personal care section of a pupil's evidence pack (the EHCP annual-review pack).

A summary only, with no intimate detail: the pack goes to parents, the local authority and the
review meeting, while the records themselves are read only by named staff, the SENCo and the DSL.
So the section says that a plan was in force, its review date, whether consent is recorded, how
independence has progressed (on the product's one progress scale), how many times care was logged
in the period and, where the plan needed a second adult, in how many of those one was present. It
never shows what care was given, what was noticed, notes, staff names or safeguarding concerns.

Two queries whatever the history: the plan versions in force during the period, and one
aggregate over the period's logs."""

import datetime

from django.db.models import Count, Q

from plans.models import Rating, VersionStatus

from .models import CareLog, CarePlan

TEMPLATE = "personalcare/pack/section.html"


def pack_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    versions = list(
        CarePlan.objects.filter(pupil=pupil, in_force_from__date__lte=end)
        .exclude(status=VersionStatus.DRAFT)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__date__gte=start))
        .order_by("in_force_from", "pk"))
    totals = CareLog.objects.filter(pupil=pupil, occurred_at__date__range=(start, end)).aggregate(
        logged=Count("pk"),
        needing=Count("pk", filter=Q(second_adult_required=True)),
        with_second=Count("pk", filter=Q(second_adult_required=True, second_adult__isnull=False)))
    if not versions and not totals["logged"]:
        return None
    latest = versions[-1] if versions else None
    ratings = [v.independence_progress for v in versions if v.independence_progress is not None]
    return TEMPLATE, {
        "pupil": pupil,
        "period_start": start,
        "period_end": end,
        "plan": latest and {
            "in_force_at_end": latest.status == VersionStatus.IN_FORCE or latest.superseded_at.date() > end,
            "in_force_from": versions[0].in_force_from,
            "versions": len(versions),
            "review_date": latest.review_date,
            "second_adult_required": latest.second_adult_required,
            "consent_on": latest.consent_given_on,
        },
        "independence_from": Rating(ratings[0]).label if len(ratings) > 1 and ratings[0] != ratings[-1] else "",
        "independence": Rating(ratings[-1]).label if ratings else "",
        "logged": totals["logged"],
        "needing_second": totals["needing"],
        "with_second": totals["with_second"],
    }
