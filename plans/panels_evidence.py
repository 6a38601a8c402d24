"""A panel for the pupil's page: the plan in force's outcomes with their current rating, so a TA
reaches "Add evidence" in two taps from the pupil. Register with
``panels.register("pupil", progress_panel)``."""

from django.utils import timezone

from accounts.access import Ability
from sendsupport.panels import Panel

from .selectors_evidence import decorate, outcomes_with_progress, plan_in_force


def progress_panel(request, pupil=None, **kwargs):
    """Two queries (the plan in force, its outcomes annotated with progress); None for people who
    don't read plans or pupils with no plan in force."""
    staff = request.staff
    if pupil is None or not staff.can(Ability.READ_PLANS):
        return None
    plan = plan_in_force(pupil)
    if plan is None:
        return None
    today = timezone.localdate()
    outcomes = [decorate(o, today) for o in outcomes_with_progress(plan)]
    return Panel(template="plans/evidence/_progress_panel.html", order=30, context={
        "pupil": pupil, "plan": plan, "outcomes": outcomes,
        "can_add": staff.can(Ability.ADD_EVIDENCE) and not pupil.is_archived,
    })
