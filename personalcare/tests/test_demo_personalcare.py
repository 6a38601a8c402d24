"""The demo's personal care: plans for pupils with complex needs (hoist, second adult) and Reception
toileting, a term of logs, and one observation of concern per school raised as a safeguarding concern."""

import pytest
from django.core.management import call_command

from personalcare.models import CareLog, CarePlan
from plans.models import VersionStatus
from safeguarding.models import Concern
from sendsupport import demo


@pytest.fixture
def seeders(monkeypatch):
    """Run personalcare.demo last (the lead adds it to SEEDERS; until then, here)."""
    if "personalcare.demo" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "personalcare.demo"])


def test_demo_has_care_plans_a_term_of_logs_and_one_concern(db, seeders):
    call_command("seed_demo", stdout=open("/dev/null", "w"), pupils=120, schools=2)
    plans = list(CarePlan.objects.filter(status=VersionStatus.IN_FORCE).prefetch_related("named_staff"))
    assert len(plans) >= 2
    assert any(p.second_adult_required for p in plans) and any(p.pupil.year_group == 0 for p in plans)
    assert all(p.named_staff.count() >= 2 and p.consent_given_on for p in plans)
    assert CarePlan.objects.filter(status=VersionStatus.SUPERSEDED).exists()  # one amended at half-term
    assert "ta@" in " ".join(u.email for p in plans for u in p.named_staff.all())  # the plain-login TA is named
    logs = CareLog.objects.all()
    assert logs.count() > 100
    # Every log of a plan needing two adults has the second adult, someone other than the giver.
    assert not logs.filter(second_adult_required=True, second_adult__isnull=True).exists()
    # One observation of concern per school, raised as a concern in the same step.
    schools = {p.pupil.school_id for p in plans}
    assert len(schools) == 2  # the secondary school's plans are for pupils with complex needs
    concerned = list(logs.filter(concern__isnull=False))
    assert sorted(log.school_id for log in concerned) == sorted(schools)
    assert all(log.observations == ["marks"] for log in concerned)
    assert Concern.objects.filter(pk__in=[log.concern_id for log in concerned]).count() == 2
    assert logs.exclude(observations=["none"]).count() > 1 and logs.filter(low_supplies=True).exists()
