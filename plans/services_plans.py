"""Writes for the parts of an EHCP or SEN support plan draft: an outcome with its targets, and a
provision item with the outcomes it serves. Each saves whole or not at all, only on a draft.

(Kept beside plans/services.py, whose versioning they rely on, until they are moved in there.)"""

from django.db import transaction
from sendsupport import history

from .models import Outcome, Plan, Provision, ProvisionOutcome
from .services import require_draft


def _locked_draft(plan: Plan) -> Plan:
    """The plan row, locked so a sign-off can't happen halfway through this change."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    require_draft(locked)
    return locked


@transaction.atomic
def save_outcome(*, plan: Plan, form, targets_formset, acting_user) -> Outcome:
    """Create or update an outcome and its SMART targets (added, changed, removed) together."""
    plan = _locked_draft(plan)
    action = "outcome.update" if form.instance.pk else "outcome.create"
    with history.action(user=acting_user.pk, action=action):
        outcome = form.save(commit=False)
        outcome.plan = plan
        outcome.full_clean()
        outcome.save()
        for form_ in targets_formset.deleted_forms:
            if form_.instance.pk:
                form_.instance.delete()  # only in a draft, and never one with evidence (the form checks)
        kept = [f for f in targets_formset.forms
                if f not in targets_formset.deleted_forms and (f.instance.pk or f.has_changed())]
        for index, form_ in enumerate(kept):
            target = form_.save(commit=False)
            target.outcome, target.order = outcome, index
            target.full_clean()
            target.save()
    return outcome


@transaction.atomic
def save_provision(*, plan: Plan, form, acting_user) -> Provision:
    """Create or update a provision item (section F) and the outcomes of this plan it serves."""
    plan = _locked_draft(plan)
    action = "provision.update" if form.instance.pk else "provision.create"
    chosen = list(form.cleaned_data["outcomes"])
    if any(o.plan_id != plan.pk for o in chosen):
        raise ValueError("Provision can only serve outcomes of its own plan.")
    with history.action(user=acting_user.pk, action=action):
        item = form.save(commit=False)
        item.plan = plan
        item.full_clean()
        item.save()
        links = ProvisionOutcome.objects.filter(provision=item)
        links.exclude(outcome__in=chosen).delete()
        have = set(links.values_list("outcome_id", flat=True))
        ProvisionOutcome.objects.bulk_create(
            [ProvisionOutcome(provision=item, outcome=o) for o in chosen if o.pk not in have])
    return item
