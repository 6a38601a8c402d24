"""Reads for progress evidence: an outcome's page and a pupil's progress across every outcome.

Each function runs a fixed number of queries whatever the amount of evidence. The timeline follows
the outcome's `lineage`, so evidence recorded against earlier versions of the plan stays on it."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import AreaOfNeed, Outcome, Plan, ProgressEvidence, Rating, VersionStatus

# An outcome with no evidence for this long is flagged on the progress page (half a term).
STALE_AFTER = timedelta(weeks=6)


def get_outcome(pupil, outcome_id, *, in_force: bool = False) -> Outcome:
    """An outcome on one of this pupil's plans (any version, or only the version in force), or 404."""
    filters = {"plan__status": VersionStatus.IN_FORCE} if in_force else {}
    return get_object_or_404(Outcome.objects.select_related("plan"), pk=outcome_id, plan__pupil=pupil, **filters)


def latest_evidence(outcome: Outcome) -> ProgressEvidence | None:
    """The current rating of an outcome is its latest evidence by the date it was seen."""
    return (ProgressEvidence.objects.filter(outcome_lineage=outcome.lineage, pupil_id=outcome.plan.pupil_id)
            .select_related("recorded_by").first())


def timeline(pupil, outcome: Outcome) -> list[ProgressEvidence]:
    """Every entry of evidence for this outcome across all versions of the plan, newest first
    (two queries: the entries with who recorded them and their target, then their files)."""
    return list(
        ProgressEvidence.objects.filter(outcome_lineage=outcome.lineage, pupil=pupil)
        .select_related("recorded_by", "target", "outcome__plan")
        .prefetch_related("files")
    )


@dataclass
class TargetProgress:
    target: object
    latest: ProgressEvidence | None


def outcome_page(pupil, outcome: Outcome) -> dict:
    entries = timeline(pupil, outcome)
    targets = list(outcome.targets.all())
    # A target keeps its lineage across versions, like its outcome: match on that, not on the row.
    latest_by_target = {}
    for e in entries:
        if e.target is not None:
            latest_by_target.setdefault(e.target.lineage, e)
    in_force_outcome = None
    if not outcome.plan.is_in_force:
        in_force_outcome = (Outcome.objects.filter(lineage=outcome.lineage, plan__pupil=pupil,
                                                   plan__status=VersionStatus.IN_FORCE)
                            .select_related("plan").first())
    return {
        "outcome": outcome,
        "plan": outcome.plan,
        "timeline": entries,
        "current": entries[0] if entries else None,
        "targets": [TargetProgress(t, latest_by_target.get(t.lineage)) for t in targets],
        "in_force_outcome": in_force_outcome,
    }


@dataclass
class AreaGroup:
    area: str
    label: str
    outcomes: list = field(default_factory=list)


def plan_in_force(pupil) -> Plan | None:
    return Plan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first()


def outcomes_with_progress(plan: Plan):
    """The plan's outcomes, each annotated with its current rating, the date of its latest evidence
    and how many entries it has (across every version of the plan): one query."""
    evidence = ProgressEvidence.objects.filter(outcome_lineage=OuterRef("lineage"), pupil_id=plan.pupil_id)
    latest = evidence.order_by("-observed_on", "-recorded_at")
    count = evidence.order_by().values("outcome_lineage").annotate(n=Count("pk")).values("n")
    return (
        plan.outcomes.all()
        .annotate(
            current_rating=Subquery(latest.values("rating")[:1], output_field=IntegerField()),
            latest_on=Subquery(latest.values("observed_on")[:1]),
            evidence_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        )
    )


def decorate(outcome: Outcome, today: date) -> Outcome:
    """Labels the templates need, from the annotations (no queries)."""
    rating = outcome.current_rating
    outcome.current_label = Rating(rating).label if rating is not None else None
    outcome.is_stale = outcome.latest_on is None or today - outcome.latest_on > STALE_AFTER
    return outcome


def progress_page(pupil) -> dict:
    """The plan in force's outcomes grouped by area of need (two queries: the plan, its outcomes)."""
    plan = plan_in_force(pupil)
    if plan is None:
        return {"plan": None, "groups": [], "summary": [], "total": 0, "stale_count": 0}
    today = timezone.localdate()
    area_order = {value: i for i, value in enumerate(AreaOfNeed.values)}  # the order the Code of Practice lists them
    outcomes = sorted((decorate(o, today) for o in outcomes_with_progress(plan)),
                      key=lambda o: (area_order.get(o.area_of_need, 99), o.order, o.pk))
    groups = [AreaGroup(area=key, label=rows[0].get_area_of_need_display(), outcomes=rows)
              for key, rows in ((k, list(g)) for k, g in groupby(outcomes, key=lambda o: o.area_of_need))]
    summary = []
    for value, label in Rating.choices:
        n = sum(1 for o in outcomes if o.current_rating == value)
        if n:
            summary.append((label, n))
    unrated = sum(1 for o in outcomes if o.current_rating is None)
    if unrated:
        summary.append(("No evidence yet", unrated))
    return {"plan": plan, "groups": groups, "summary": summary, "total": len(outcomes),
            "stale_count": sum(1 for o in outcomes if o.is_stale)}
