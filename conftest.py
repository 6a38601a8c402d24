"""Shared personas: one school with a person in each role, a second school, and pupils in and
out of a teaching assistant's caseload. Data is built through factories and services."""

import os
import time
import zlib
from types import SimpleNamespace

import factory.random
import pytest

from accounts.factories import MembershipFactory, SchoolFactory, UserFactory
from pupils.factories import CaseloadEntryFactory, ClassGroupFactory, ContactFactory, PupilFactory

ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin"]
MFA_ROLES = {"senco", "dsl", "senior", "admin"}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user, secret=TOTP_SECRET):
    """Give a person an authenticator, as they would by scanning the QR code."""
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, secret)


def totp_code(secret=TOTP_SECRET):
    """The authenticator's current code. The app accepts only the current 30-second window (no
    tolerance), so a code read in a window's last seconds could expire before the request checks it:
    wait for the next window instead."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 2:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


class _SpannedMidnight(Exception):
    pass


def seed_demo_on_one_day(*args, **options):
    """``manage.py seed_demo`` (output discarded) as one day's demo; returns that day. Each seeder
    reads "today" for itself, so a seed that spans midnight (a minute or more under load) would date
    some apps' records from one day and some from the next: it is rolled back and seeded again on
    the new day, which it cannot span."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    for _attempt in range(2):
        day = timezone.localdate()
        try:
            with transaction.atomic():
                call_command("seed_demo", *args, stdout=open(os.devnull, "w"), **options)
                if timezone.localdate() != day:
                    raise _SpannedMidnight
        except _SpannedMidnight:
            continue
        return day
    raise AssertionError("the demo was seeded across midnight twice")


@pytest.fixture(autouse=True)
def _repeatable_test_data(request):
    """Each test draws the same invented names, dates and phone numbers on every run, in any order
    and on any xdist worker: a random collision (a parent called "Jones-Evans" once looked like a leak
    of the pupil Noah Evans) fails every time or never, not one CI run in a hundred. TEST_DATA_SEED=n
    draws another set, to look for such collisions on purpose."""
    extra = os.environ.get("TEST_DATA_SEED", "")
    factory.random.reseed_random(zlib.crc32(f"{request.node.nodeid}{extra}".encode()))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in Redis: each test starts with none (only this worker's keys)."""
    yield
    from django.conf import settings
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def world(db):
    school = SchoolFactory(name="Oakfield Primary")
    other_school = SchoolFactory(name="Riverside Academy")
    people = {}
    for role in ROLES:
        user = UserFactory(full_name=f"{role.title()} Person", email=f"{role}@oakfield.example")
        MembershipFactory(school=school, user=user, roles=[role])
        if role in MFA_ROLES:
            enrol_totp(user)
        people[role] = user
    people["other_ta"] = UserFactory(full_name="Other Ta", email="other_ta@oakfield.example")
    MembershipFactory(school=school, user=people["other_ta"], roles=["ta"])
    people["other_school_senco"] = UserFactory(full_name="Riverside Senco", email="senco@riverside.example")
    MembershipFactory(school=other_school, user=people["other_school_senco"], roles=["senco"])
    enrol_totp(people["other_school_senco"])

    class_in = ClassGroupFactory(school=school, name="4A")
    class_out = ClassGroupFactory(school=school, name="4B")
    pupil_in = PupilFactory(school=school, class_group=class_out, legal_first_name="Amelia",
                            legal_last_name="Hughes", medical_alerts="Epilepsy: see healthcare plan",
                            allergies="Peanuts")
    pupil_class = PupilFactory(school=school, class_group=class_in, legal_first_name="Oliver",
                               legal_last_name="Khan")
    pupil_out = PupilFactory(school=school, class_group=class_out, legal_first_name="Isla",
                             legal_last_name="Morgan")
    pupil_other_school = PupilFactory(school=other_school, legal_first_name="Noah", legal_last_name="Evans")
    ContactFactory(pupil=pupil_in)
    CaseloadEntryFactory(school=school, user=people["ta"], pupil=pupil_in)
    CaseloadEntryFactory(school=school, user=people["teacher"], pupil=None, class_group=class_in)
    return SimpleNamespace(
        school=school, other_school=other_school, people=people, class_in=class_in, class_out=class_out,
        pupil_in=pupil_in, pupil_class=pupil_class, pupil_out=pupil_out, pupil_other_school=pupil_other_school,
    )
