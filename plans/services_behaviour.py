"""Writes for positive-handling plans: the plan, its risk assessment rows and its trained staff
are one record, saved together or not at all. Behaviour support plans have no child rows and use
plans.services.save_draft; sign-off and amendment are plans.services.put_in_force and amend."""

from django.db import transaction
from sendsupport import history

from .models import PositiveHandlingPlan
from .services import require_current, require_draft


@transaction.atomic
def save_handling_plan(*, form, risks_formset, acting_user, action: str) -> PositiveHandlingPlan:
    """Create or update a draft positive-handling plan from a validated form (plan fields and
    trained staff) and risk formset. Refuses (ValidationError) if the version was signed off since
    the form was opened; then nothing is saved."""
    plan = form.instance
    if plan.pk:
        # Lock the row: a sign-off racing this save waits, then finds the plan changed or refuses.
        require_draft(PositiveHandlingPlan.objects.select_for_update().get(pk=plan.pk))
    else:
        require_current(plan.pupil)
        plan.created_by = acting_user
    with history.action(user=acting_user.pk, action=action):
        plan.full_clean()
        plan = form.save()  # with the trained staff (the through table has no other columns)
        risks_formset.instance = plan
        risks_formset.save()  # new, changed and removed rows
    return plan
