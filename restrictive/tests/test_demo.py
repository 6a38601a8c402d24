"""The demo's restrictive-intervention records: made for the incidents seeded with force, in varied
states (some duties open, some done late), valid against the models' own rules."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident
from restrictive import demo as restrictive_demo
from restrictive import selectors
from restrictive.models import InterventionStaff, ParentReport, RestrictiveIntervention, Review
from sendsupport import demo


@pytest.fixture
def seeders(monkeypatch):
    """incidents.demo then restrictive.demo after plans.demo (the lead adds them to SEEDERS)."""
    seeders = [s for s in demo.SEEDERS if s not in ("incidents.demo", "restrictive.demo")]
    at = seeders.index("plans.demo") + 1
    seeders[at:at] = ["incidents.demo", "restrictive.demo"]
    monkeypatch.setattr(demo, "SEEDERS", seeders)


def test_demo_records_follow_the_incidents_with_force(db, seeders):
    call_command("seed_demo", "--pupils", "60", "--schools", "1", stdout=open("/dev/null", "w"))
    force = Incident.objects.filter(physical_intervention=True)
    records = list(RestrictiveIntervention.objects.select_related("pupil", "incident"))
    assert force.exists() and records
    assert {r.incident_id for r in records} <= set(force.values_list("pk", flat=True))
    assert len(records) >= force.count() - 1  # the latest may be left to write up
    now = timezone.now()
    for r in records:
        r.full_clean()
        assert r.pupil_id == r.incident.pupil_id and r.started_at == r.incident.occurred_at
        assert r.started_at < r.ended_at < r.written_at <= now
    assert InterventionStaff.objects.count() >= len(records)
    assert Review.objects.exists() and ParentReport.objects.exists()
    school = records[0].school
    open_now = selectors.open_duties(school)
    assert open_now.records or open_now.unrecorded  # something for the SENCo's timers
    for report in ParentReport.objects.all():
        report.full_clean()
        assert report.when_done is None or report.when_done <= now


def test_no_incidents_with_force_means_no_records(world):
    ctx = demo.DemoContext(seed=1)
    ctx.schools = [world.school]
    ctx.staff = {world.school: {"senco": [world.people["senco"]]}}
    restrictive_demo.seed(ctx)
    assert RestrictiveIntervention.objects.count() == 0
