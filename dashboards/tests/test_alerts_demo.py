"""The demo's pattern alerts: computed from the seeded incidents, and the same on a second run."""

import pytest

from accounts.models import School, Term
from conftest import seed_demo_on_one_day
from dashboards.alerts import compute_school_alerts
from dashboards.models import AlertKind, PatternAlert
from sendsupport import demo
from sendsupport.demo import DEMO_URNS


@pytest.fixture
def seeders(monkeypatch):
    """Run dashboards.demo last (the lead adds it to SEEDERS; until then, here)."""
    if "dashboards.demo" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "dashboards.demo"])


def test_demo_has_pattern_alerts_and_reruns_change_nothing(db, seeders):
    today = seed_demo_on_one_day(pupils=120, schools=2)
    alerts = list(PatternAlert.objects.all())
    assert all(a.cleared_on is None and a.first_seen_on == today for a in alerts)
    # Both schools (Riverside too) show a pupil held three times in the last four school weeks, if
    # the demo's term is on (seeded incidents stop at the last term entered).
    schools = list(School.objects.filter(urn__in=DEMO_URNS).order_by("urn"))
    assert [s.name for s in schools] == ["Oakfield Primary School", "Riverside Academy"]
    if Term.objects.filter(school=schools[0], starts_on__lte=today, ends_on__gte=today).exists():
        for school in schools:
            assert PatternAlert.objects.filter(school=school, kind=AlertKind.REPEATED_FORCE).exists(), school
    for school in schools:
        mine = sum(1 for a in alerts if a.school_id == school.pk)
        assert compute_school_alerts(school=school, today=today) == {
            "new": 0, "updated": mine, "cleared": 0}
    assert PatternAlert.objects.count() == len(alerts)
