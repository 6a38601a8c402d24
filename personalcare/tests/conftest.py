"""A personal care plan for Amelia (pupil_in) naming the TA, and ways to log care as a person would."""

import datetime

import pytest
from django.utils import timezone

from accounts.access import StaffContext
from accounts.models import Membership
from personalcare import services
from personalcare.factories import in_force_plan


def staff_of(user, school):
    membership = Membership.objects.get(user=user, school=school)
    return StaffContext(user=user, school=school, membership=membership, roles=frozenset(membership.roles))


@pytest.fixture
def care(world):
    """Amelia's plan names the TA and the teacher; Isla's (pupil_out) names only the other TA and
    needs a second adult."""
    p = world.people
    amelia = in_force_plan(pupil=world.pupil_in, senco=p["senco"], named=[p["ta"], p["teacher"]])
    isla = in_force_plan(pupil=world.pupil_out, senco=p["senco"], named=[p["other_ta"], p["ta"]],
                         second_adult_required=True, second_adult_notes="Hoisting: always two.")
    world.plan, world.plan_isla = amelia, isla
    return world


def log_care(world, *, who="ta", pupil=None, minutes_ago=30, **kwargs):
    user = world.people[who]
    fields = {"care_given": ["pad_change"]} | kwargs
    return services.record_care(staff=staff_of(user, world.school), pupil=pupil or world.pupil_in,
                                occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **fields)
