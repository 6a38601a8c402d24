import datetime
import uuid

from django.utils import timezone

from accounts.access import StaffContext
from accounts.factories import LocationFactory, PeriodFactory
from accounts.models import Membership


def places(world):
    """A school's own places and a day structure covering the whole day, so a period is derived."""
    hall = LocationFactory(school=world.school, name="Hall")
    playground = LocationFactory(school=world.school, name="Playground")
    morning = PeriodFactory(school=world.school, name="Morning", starts_at=datetime.time(0, 0),
                            ends_at=datetime.time(12, 0))
    afternoon = PeriodFactory(school=world.school, name="Afternoon", starts_at=datetime.time(12, 0),
                              ends_at=datetime.time(23, 59))
    return {"hall": hall, "playground": playground, "morning": morning, "afternoon": afternoon}


def local_input(when: datetime.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def quick_log_data(pupil, where, **overrides):
    data = {
        "pupil": pupil.pk,
        "occurred_at": local_input(timezone.now() - datetime.timedelta(minutes=10)),
        "location": where.pk,
        "antecedent_picks": ["Asked to start a task"],
        "behaviour_picks": ["Shouting or swearing", "Leaving the room"],
        "consequence_picks": ["Given time and space"],
        "intensity": 3,
        "duration_minutes": 5,
        "outcome_picks": ["Returned to learning"],
        "draft_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def full_report_data(pupil, where, **overrides):
    data = quick_log_data(pupil, where, full_report="1", **{
        "pupils-TOTAL_FORMS": 0, "pupils-INITIAL_FORMS": 0,
        "injuries-TOTAL_FORMS": 0, "injuries-INITIAL_FORMS": 0,
    })
    data.update(overrides)
    return data


def staff_of(world, role):
    """The staff context a request of `world.people[role]` would have."""
    user = world.people[role]
    membership = Membership.objects.get(user=user, school=world.school)
    return StaffContext(user=user, school=world.school, membership=membership, roles=frozenset(membership.roles))
