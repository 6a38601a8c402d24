"""Access to plans: the pupil must be visible to the person (else 404), then the ability decides
(else 403). Objects are always looked up through the pupil, so another pupil's plan is a 404."""

from django.shortcuts import get_object_or_404

from accounts.access import Ability
from pupils.selectors import get_pupil_for


def pupil_for_plans(request, pupil_id, *, ability: Ability = Ability.READ_PLANS):
    pupil = get_pupil_for(request.staff, pupil_id)
    request.staff.require(ability)
    return pupil


def plan_object(model, pupil, pk, **filters):
    """A plan-related row of this pupil (``model`` has a ``pupil`` field), or 404."""
    return get_object_or_404(model, pk=pk, pupil=pupil, **filters)
