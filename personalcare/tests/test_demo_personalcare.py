"""The demo's personal care: plans for pupils with complex needs (hoist, second adult) and Reception
toileting, a term of logs, one observation of concern per school raised as a safeguarding concern,
and one second adult not named on the plan per school, with the reason, that the SENCo is told of."""

import pytest
from django.core.management import call_command

from accounts.models import Membership
from conftest import enrol_totp
from personalcare.models import CareLog, CarePlan
from plans.models import VersionStatus
from safeguarding.models import Concern
from sendsupport import demo
from sendsupport.models import Notification


@pytest.fixture
def seeders(monkeypatch):
    """Run personalcare.demo last (the lead adds it to SEEDERS; until then, here)."""
    if "personalcare.demo" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "personalcare.demo"])


def test_demo_has_care_plans_a_term_of_logs_one_concern_and_one_unnamed_second_adult(client, db, seeders):
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

    # One second adult not named on the plan per school, with the reason; the SENCo is told and
    # reads the reason on the log.
    unnamed = list(logs.exclude(second_adult_reason="").select_related("plan", "second_adult", "given_by"))
    assert sorted(log.school_id for log in unnamed) == sorted(schools)
    for log in unnamed:
        named = set(log.plan.named_staff.values_list("pk", flat=True))
        assert log.given_by_id in named and log.second_adult_id not in named
        assert log.plan.is_in_force and log.plan.second_adult_required  # both schools have a hoist plan
        assert "was off sick" in log.second_adult_reason and log.second_adult.full_name in log.second_adult_reason
        notes = list(Notification.objects.filter(school=log.school_id,
                                                 subject="Personal care: second adult not named on the plan"))
        assert notes and all(n.url == log.get_absolute_url() and log.second_adult.full_name in n.body for n in notes)
        told = {m.user for m in Membership.objects.filter(school=log.school_id, user__in=[n.user for n in notes])
                if "senco" in m.roles}
        assert len(told) == len(notes)  # the SENCo (and any deputy), no one else
        senco = notes[0].user
        enrol_totp(senco)
        client.force_login(senco)
        page = client.get(log.get_absolute_url()).content.decode()
        assert "Not named on the plan" in page and log.second_adult_reason.replace("'", "&#x27;") in page
