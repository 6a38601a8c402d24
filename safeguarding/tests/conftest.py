"""Helpers for safeguarding tests: concerns made through the service a person would use."""

import datetime

import pytest
from django.utils import timezone

from accounts.factories import MembershipFactory, UserFactory
from accounts.middleware import staff_context_for
from conftest import enrol_totp
from safeguarding import services

NON_TEAM_ROLES = ["ta", "teacher", "senco", "senior", "admin"]


def staff_of(user, school=None):
    return staff_context_for(user, school.pk if school else None)


def raise_one(world, *, by="ta", pupil=None, facts="Bruise on the left arm, about 3cm, purple.", incident=None,
              when=None, **extra):
    staff = staff_of(world.people[by])
    return services.raise_concern(
        staff=staff, pupil=pupil or world.pupil_out, occurred_at=when or timezone.now() - datetime.timedelta(hours=1),
        place=extra.pop("place", "Playground"), facts=facts, incident=incident, **extra)


def form_data(pupil, **overrides):
    data = {
        "pupil": pupil.pk,
        "occurred_at": (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Playground, by the climbing frame",
        "facts": "Isla had a bruise on her left arm, about 3cm across, purple.",
        "child_words": "Dad grabbed me.",
        "opinion": "She seemed frightened.",
        "immediate_action": "Told the DSL in person.",
        "body_regions": ["left_arm"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_dsl(world):
    """The safeguarding lead of the other school."""
    user = UserFactory(full_name="Riverside Dsl", email="dsl@riverside.example")
    MembershipFactory(school=world.other_school, user=user, roles=["dsl"])
    enrol_totp(user)
    return user


@pytest.fixture
def deputy_dsl(world):
    user = UserFactory(full_name="Deputy Dsl", email="deputy.dsl@oakfield.example")
    MembershipFactory(school=world.school, user=user, roles=["dsl", "teacher"])
    enrol_totp(user)
    return user
