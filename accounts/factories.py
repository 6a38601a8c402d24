"""Factories for tests and demo data (UK-realistic, never real people)."""

import datetime
import re

import factory
from factory.django import DjangoModelFactory

from .models import Location, Membership, Period, School, Term, TrainingRecord, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (demo and tests only; demo refuses non-local hosts)


# The names the tests' world gives its labelled pupils (conftest.py): tests assert a page doesn't show
# them, so invented parents, staff and other pupils never carry them, not even double-barrelled.
LABELLED_PUPIL_NAMES = frozenset({"Amelia", "Hughes", "Oliver", "Khan", "Isla", "Morgan", "Noah", "Evans"})


class InventedName(factory.Faker):
    """An en_GB Faker name that shares no word with a labelled pupil's name."""

    def __init__(self, provider, **kwargs):
        super().__init__(provider, locale="en_GB", **kwargs)

    def evaluate(self, instance, step, extra):
        while True:
            name = super().evaluate(instance, step, dict(extra))  # evaluate() pops the locale from extra
            if not LABELLED_PUPIL_NAMES & set(re.findall(r"[A-Za-z]+", name)):
                return name


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Oakfield Primary {n}")
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    local_authority = "Leeds"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    full_name = InventedName("name")
    email = factory.Sequence(lambda n: f"staff{n}@school.example")
    password = factory.django.Password(DEMO_PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: ["ta"])
    job_title = "Teaching assistant"


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    name = "Autumn 2026"
    starts_on = datetime.date(2026, 9, 2)
    ends_on = datetime.date(2026, 12, 18)


class PeriodFactory(DjangoModelFactory):
    class Meta:
        model = Period
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Lesson {n}")
    starts_at = datetime.time(9, 0)
    ends_at = datetime.time(10, 0)


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class TrainingRecordFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRecord
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    course = "team_teach"
    completed_on = datetime.date(2026, 1, 10)
    expires_on = datetime.date(2027, 1, 10)
