"""The demo seeder gives each school a handful of concerns with the team's entries and statuses."""

from django.core.management import call_command

from safeguarding.models import Concern, ConcernAction, Status
from sendsupport import demo
from sendsupport.models import Notification


def test_demo_concerns(db, monkeypatch):
    # The safeguarding demo's own concerns: later seeders (personal care) raise concerns of their own.
    seeders = list(demo.SEEDERS)
    monkeypatch.setattr(demo, "SEEDERS", seeders[:seeders.index("safeguarding.demo") + 1])
    call_command("seed_demo", pupils=40, schools=1, stdout=open("/dev/null", "w"))
    concerns = list(Concern.objects.all())
    assert len(concerns) >= 6
    assert {c.status for c in concerns} >= {Status.OPEN, Status.MONITORING, Status.REFERRED, Status.CLOSED}
    new = [c for c in concerns if c.last_action_at is None]
    assert len(new) == 1 and new[0].status == Status.OPEN and not new[0].actions.exists()
    for c in concerns:
        assert c.pupil.school_id == c.school_id and c.occurred_at < c.recorded_at
        actions = list(c.actions.all())
        assert all(a.at >= c.recorded_at for a in actions)
        if actions:
            assert c.last_action_at == max(a.at for a in actions)
    assert ConcernAction.objects.filter(kind="referral").exclude(reference="").exists()
    assert not Notification.objects.exists()  # the demo tells nobody
    from incidents.models import Incident

    if Incident.objects.filter(intensity__gte=4).exists():
        assert Concern.objects.filter(related_incident__isnull=False).exists()
