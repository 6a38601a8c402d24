"""The demo's contributions: the SENCo asked staff who work with pupils with an EHCP; most answered,
the demo TA has a request waiting on their home page; the DSL wrote one summary for packs."""

import pytest
from django.core.management import call_command

from accounts.models import Membership
from reviews.models_contributions import Contribution, SafeguardingSummary
from sendsupport import demo


@pytest.fixture
def seeders(monkeypatch):
    """Run reviews.demo_contributions last (the lead adds it to SEEDERS; until then, here)."""
    if "reviews.demo_contributions" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "reviews.demo_contributions"])


def test_demo_has_answered_drafted_and_waiting_contributions(client, db, seeders):
    call_command("seed_demo", pupils=40, schools=1, stdout=open("/dev/null", "w"))
    rows = list(Contribution.objects.select_related("pupil", "requested_by"))
    assert len(rows) >= 6 and all(r.pupil.sen_status == "E" for r in rows)
    assert all("senco" in r.requested_by.email for r in rows)
    submitted = [r for r in rows if r.submitted_at]
    assert len(submitted) >= 3 and all(r.progress and r.submitted_at > r.requested_at for r in submitted)
    assert all(not r.submitted_at for r in rows if r.has_draft)
    ta = Membership.objects.get(user__email__startswith="ta@", school=rows[0].school).user
    assert any(r.asked == ta and not r.submitted_at for r in rows)
    client.force_login(ta)
    assert "Contributions asked of you" in client.get("/").content.decode()
    [summary] = SafeguardingSummary.objects.all()
    assert "dsl" in summary.written_by.memberships.get(school=summary.school).roles
