"""Reads for the EHCP / SEN support plan pages: each page's queries in a fixed number, whatever the
number of outcomes, targets, provision items or versions."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import (
    AnnualReview, AreaOfNeed, BehaviourSupportPlan, Outcome, Plan, PositiveHandlingPlan, Provision,
    ProvisionOutcome, VersionStatus,
)

REVIEW_WARNING = timedelta(weeks=8)
STATUS_ORDER = {VersionStatus.IN_FORCE: 0, VersionStatus.DRAFT: 1, VersionStatus.SUPERSEDED: 2}


def review_flag(due: date | None, today: date | None = None) -> str:
    """"overdue", "today", "soon" (within 8 weeks) or "" for a review date."""
    if due is None:
        return ""
    today = today or timezone.localdate()
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due - today <= REVIEW_WARNING:
        return "soon"
    return ""


AREA_ORDER = {code: i for i, code in enumerate(AreaOfNeed.values)}  # the Code of Practice's order


def outcome_sort_key(outcome):
    """Outcomes are numbered in this order everywhere: by area of need, then as entered."""
    return (AREA_ORDER.get(outcome.area_of_need, 99), outcome.order, outcome.pk)


def _sorted_versions(plans):
    return sorted(plans, key=lambda p: (STATUS_ORDER[p.status], -(p.superseded_at or p.created_at).timestamp(),
                                        -p.version))


def pupil_plans_page(pupil) -> dict:
    """The pupil's plans page: every version of every plan (in force, drafts, superseded), the
    behaviour and handling plans in force, and recent reviews.
    Queries: plans (1), behaviour support plan (1), positive-handling plan (1), reviews (1)."""
    versions = _sorted_versions(Plan.objects.filter(pupil=pupil).select_related("signed_off_by", "created_by"))
    in_force = next((p for p in versions if p.is_in_force), None)
    drafts = [p for p in versions if p.is_draft]
    draft_kinds = {p.kind for p in drafts}
    in_force_lineages = {in_force.lineage} if in_force else set()
    return {
        "in_force": in_force,
        "review_flag": review_flag(in_force.next_review_due) if in_force else "",
        "drafts": drafts,
        "versions": versions,
        # What an editor may start: a kind with no draft yet; the kind in force is amended instead.
        "can_start": [(k, label) for k, label in Plan.Kind.choices
                      if k not in draft_kinds and not (in_force and in_force.kind == k)],
        "amendable": in_force if in_force and not any(d.lineage in in_force_lineages for d in drafts) else None,
        "bsp": BehaviourSupportPlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first(),
        "php": PositiveHandlingPlan.objects.filter(pupil=pupil, status=VersionStatus.IN_FORCE).first(),
        "reviews": list(AnnualReview.objects.filter(pupil=pupil).order_by("-meeting_date", "-id")[:5]),
    }


@dataclass
class OutcomeRow:
    number: int
    outcome: Outcome
    targets: list
    provision: list = field(default_factory=list)  # ProvisionRow items serving this outcome


@dataclass
class ProvisionRow:
    number: int
    item: Provision
    serves: list = field(default_factory=list)  # OutcomeRow items it serves


@dataclass
class AreaGroup:
    code: str
    label: str
    outcomes: list


def plan_detail_page(pupil, plan_id) -> dict:
    """One plan version, whole: outcomes grouped by area of need with their targets, the provision
    with the outcomes each item serves and, for each outcome, the provision serving it (the golden
    thread); and the other versions of the same plan.
    Queries: plan (1), versions of its lineage (1), outcomes (1), targets (1), provision (1),
    provision-outcome links (1)."""
    plan = get_object_or_404(
        Plan.objects.select_related("signed_off_by", "created_by").prefetch_related("outcomes__targets"),
        pk=plan_id, pupil=pupil,
    )
    lineage = _sorted_versions(Plan.objects.filter(pupil=pupil, lineage=plan.lineage))
    outcomes = list(plan.outcomes.all())  # ordered by area, order, id (the model's ordering)
    outcomes.sort(key=outcome_sort_key)
    rows = {o.pk: OutcomeRow(number=i, outcome=o, targets=list(o.targets.all()))
            for i, o in enumerate(outcomes, start=1)}
    provision = [ProvisionRow(number=i, item=p) for i, p in enumerate(Provision.objects.filter(plan=plan), start=1)]
    by_pk = {r.item.pk: r for r in provision}
    for provision_id, outcome_id in (ProvisionOutcome.objects.filter(provision__plan=plan)
                                     .order_by("provision_id", "outcome_id").values_list("provision_id", "outcome_id")):
        p_row, o_row = by_pk.get(provision_id), rows.get(outcome_id)
        if p_row and o_row:
            p_row.serves.append(o_row)
            o_row.provision.append(p_row)
    for p_row in provision:
        p_row.serves.sort(key=lambda r: r.number)
    groups = []
    for row in rows.values():
        if not groups or groups[-1].code != row.outcome.area_of_need:
            groups.append(AreaGroup(row.outcome.area_of_need, row.outcome.get_area_of_need_display(), []))
        groups[-1].outcomes.append(row)
    in_force = next((p for p in lineage if p.is_in_force), None)
    draft = next((p for p in lineage if p.is_draft), None)
    return {
        "plan": plan,
        "areas": groups,
        "outcome_count": len(rows),
        "provision": provision,
        "outcomes_without_provision": [r for r in rows.values() if not r.provision],
        "lineage": lineage,
        "lineage_in_force": in_force,
        "lineage_draft": draft,
        "review_flag": review_flag(plan.next_review_due) if plan.is_in_force else "",
    }


def panel_plans(pupil) -> list[Plan]:
    """For the pupil page's panel: the plan in force and any drafts (one query)."""
    return list(Plan.objects.filter(pupil=pupil).exclude(status=VersionStatus.SUPERSEDED)
                .order_by("status", "-version"))
