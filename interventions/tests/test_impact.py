"""The impact dashboard: per intervention and per pupil, sessions planned to date vs delivered,
attendance, entry->exit change, cost (with each pupil's share) and outcome; placements overdue for
review; groups with missed sessions. SENCo and senior leaders only; flat query count."""

import datetime
from decimal import Decimal

import pytest

from interventions import services_sessions
from interventions.models import Session
from interventions.tests.test_sessions import make_group, make_intervention, place, ta_pupil, today
from plans.models import Rating
from sendsupport.models import AccessLog

D = datetime.timedelta


def record(world, group, back, marks, *, status="delivered", minutes=None, reason=""):
    """marks: {placement: "present" | "absent"}."""
    services_sessions.record_session(
        group=group, date=today() - D(days=back), status=status, minutes=minutes, cancel_reason=reason,
        placements=list(marks), acting_user=world.people["senco"],
        attendance=[{"placement_id": p.pk, "status": s, "absence_reason": "Sick" if s == "absent" else ""}
                    for p, s in marks.items()] if status == "delivered" else [])


@pytest.fixture
def term(world):
    elsa = make_group(world, name="ELSA Tuesday")  # £24 an hour; every day from 14 days ago
    p1 = place(world, elsa, world.pupil_in, entry_score=Decimal("10"), entry_date=elsa.start_date,
               exit_score=Decimal("14"), exit_date=today(), target_progress=Rating.SECURE, reviewed_on=today(),
               review_decision="continue", review_score=4, reviewed_by=world.people["senco"])
    p2 = place(world, elsa, world.pupil_out, review_due=today() - D(days=1))  # overdue for review
    record(world, elsa, 2, {p1: "present", p2: "absent"}, minutes=45)  # £18: £9 each, the absent pupil too
    record(world, elsa, 1, {}, status="cancelled", reason="Assembly")
    lego_kit = make_intervention(world, name="Lego therapy", cost_per_session=Decimal("30.00"), cost_per_hour=None)
    lego = make_group(world, lego_kit, name="Lego club", start=today() - D(days=3))
    trio = [place(world, lego, p) for p in (world.pupil_class, ta_pupil(world, "Ruby", "Patel"),
                                            ta_pupil(world, "Leo", "Shah"))]
    record(world, lego, 3, {trio[0]: "present", trio[1]: "present", trio[2]: "present"})
    record(world, lego, 2, {trio[0]: "present", trio[1]: "present", trio[2]: "absent"})
    # day 1 of Lego club was never recorded: a missed session
    return elsa, lego, p1, p2, trio


def test_dashboard_figures(client, world, term):
    elsa, lego, p1, p2, trio = term
    client.force_login(world.people["senco"])
    response = client.get("/interventions/impact/")
    assert response.status_code == 200
    ctx = response.context
    rows = {r["intervention"].name: r for r in ctx["interventions"]}
    e, l = rows["ELSA"], rows["Lego therapy"]
    # ELSA: every day from 14 days ago to today = 15 planned; 1 delivered, 1 cancelled, 12 past days missing.
    assert (e["planned"], e["delivered"], e["cancelled"], e["missed"]) == (15, 1, 1, 12)
    assert (e["rate"], e["cost"], e["mean_change"], e["mean_score"]) == (50, Decimal("18.00"), Decimal("4.0"), 4.0)
    assert e["decisions"] == [("Continue", 1)]
    assert (l["planned"], l["delivered"], l["cancelled"], l["missed"], l["rate"], l["cost"]) == (
        4, 2, 0, 1, 83, Decimal("60.00"))
    assert ctx["total_cost"] == Decimal("78.00")
    by_pupil = {p.pk: p for p in ctx["placements"]}
    assert (by_pupil[p1.pk].cost, by_pupil[p1.pk].rate, by_pupil[p1.pk].change) == (Decimal("9.00"), 100, Decimal("4"))
    assert (by_pupil[p2.pk].cost, by_pupil[p2.pk].rate) == (Decimal("9.00"), 0)
    # Lego: £30 a session shared by three each time (the absent pupil's place was kept).
    assert [by_pupil[p.pk].cost for p in trio] == [Decimal("20.00")] * 3
    assert sum(p.cost for p in ctx["placements"]) == ctx["total_cost"]  # the shares add up
    assert [by_pupil[p.pk].rate for p in trio] == [100, 100, 50]
    assert by_pupil[p1.pk].planned == 15 and by_pupil[trio[0].pk].planned == 4
    assert [p.pk for p in ctx["overdue"]] == [p2.pk]
    assert {g.name: len(g.missed) for g in ctx["missed_groups"]} == {"ELSA Tuesday": 12, "Lego club": 1}
    html = response.content.decode()
    assert "How costs are counted" in html and "£78.00" in html and "Isla Morgan" in html
    assert AccessLog.objects.filter(action="interventions.impact.view").exists()


def test_hourly_cost_uses_the_group_minutes_when_the_session_has_none(world, term):
    elsa = term[0]
    assert Session.objects.get(group=elsa, status="delivered").minutes == 45
    from interventions.selectors_sessions import session_cost_expr
    s = Session.objects.filter(group=elsa, status="delivered").annotate(c=session_cost_expr()).get()
    assert s.c == elsa.intervention.session_cost(45) == Decimal("18.00")


@pytest.mark.parametrize("who, status", [
    ("senco", 200), ("senior", 200), ("ta", 403), ("teacher", 403), ("dsl", 403), ("admin", 403),
    ("other_ta", 403), ("other_school_senco", 200),
])
def test_permissions(client, world, term, who, status):
    client.force_login(world.people[who])
    response = client.get("/interventions/impact/")
    assert response.status_code == status
    if who == "other_school_senco":  # their own school's (empty) dashboard: nothing of ours
        html = response.content.decode()
        assert "ELSA" not in html and "Amelia" not in html and response.context["total_cost"] == 0


def test_query_count_is_flat(client, world, term, django_assert_num_queries):
    client.force_login(world.people["senco"])
    client.get("/interventions/impact/")
    with django_assert_num_queries(10):  # 7 per request (session, user, membership, pghistory context, saving the session) + 3
        assert client.get("/interventions/impact/").status_code == 200
    # More interventions, groups, pupils and sessions: the same number of queries.
    for i in range(3):
        kit = make_intervention(world, name=f"Kit {i}", cost_per_session=Decimal("5"))
        group = make_group(world, kit, name=f"Extra {i}")
        ps = [place(world, group, ta_pupil(world, f"X{i}{j}", "Extra")) for j in range(3)]
        for back in range(1, 4):
            record(world, group, back, {p: "present" for p in ps})
    with django_assert_num_queries(10):
        assert "Extra 2" in client.get("/interventions/impact/").content.decode()
