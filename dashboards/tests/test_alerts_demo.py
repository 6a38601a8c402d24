"""The demo's pattern alerts: computed from the seeded incidents, and the same on a second run."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboards.alerts import compute_school_alerts
from dashboards.models import PatternAlert
from sendsupport import demo


@pytest.fixture
def seeders(monkeypatch):
    """Run dashboards.demo last (the lead adds it to SEEDERS; until then, here)."""
    if "dashboards.demo" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "dashboards.demo"])


def test_demo_has_pattern_alerts_and_reruns_change_nothing(db, seeders):
    call_command("seed_demo", stdout=open("/dev/null", "w"), pupils=120, schools=1)
    alerts = list(PatternAlert.objects.all())
    assert alerts  # pupils who often need physical intervention, rises the data happens to show
    assert all(a.cleared_on is None and a.first_seen_on == timezone.localdate() for a in alerts)
    school = alerts[0].school
    assert compute_school_alerts(school=school, today=timezone.localdate()) == {
        "new": 0, "updated": len(alerts), "cleared": 0}
    assert PatternAlert.objects.count() == len(alerts)
