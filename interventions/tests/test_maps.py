"""Provision maps: who gets what, for how long, at what cost, per pupil and for the school; costs
follow the rule in selectors_placements; both pages keep a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest

from interventions.models import TherapyProgramme
from pupils.factories import PupilFactory
from sendsupport.models import AccessLog

from .test_placements import DAY, TODAY, deliver, login, make_group, make_intervention, place

SCHOOL_MAP = {"ta": 403, "teacher": 403, "senco": 200, "dsl": 403, "senior": 200, "admin": 403,
              "other_school_senco": 200}


@pytest.mark.parametrize("role", list(SCHOOL_MAP))
def test_school_map_by_role(client, world, role):
    place(world, make_group(world), world.pupil_in)
    login(client, world, role)
    response = client.get("/interventions/provision-map/")
    assert response.status_code == SCHOOL_MAP[role]
    if role == "other_school_senco":
        assert response.context["rows"] == [] and b"Amelia" not in response.content
    if role == "senco":
        assert b"Amelia Hughes" in response.content


@pytest.mark.parametrize("role,pupil,status", [
    ("ta", "pupil_in", 200), ("ta", "pupil_out", 404), ("teacher", "pupil_class", 200), ("teacher", "pupil_in", 404),
    ("senco", "pupil_out", 200), ("senior", "pupil_in", 200), ("dsl", "pupil_in", 403), ("admin", "pupil_in", 403),
    ("other_school_senco", "pupil_in", 404), ("other_ta", "pupil_in", 404)])
def test_pupil_map_by_role(client, world, role, pupil, status):
    group = make_group(world)
    for p in (world.pupil_in, world.pupil_out, world.pupil_class):
        place(world, group, p)
    login(client, world, role)
    response = client.get(f"/interventions/pupils/{getattr(world, pupil).pk}/provision/")
    assert response.status_code == status
    if status == 200:
        assert [r["pupil"] for r in response.context["rows"]] == [getattr(world, pupil)]
        assert AccessLog.objects.filter(action="interventions.provision_map.pupil").exists()


def test_costs_planned_and_delivered(client, world):
    """£30 a session shared by the pupils on the group: two on the group now, three on the register
    of one delivered session, two on another; one session cancelled (no cost)."""
    # Monday-only group of 4 weeks from a Monday, so the planned dates are known exactly.
    monday = TODAY - datetime.timedelta(days=TODAY.weekday()) - 14 * DAY
    group = make_group(world, days=(0,), start_date=monday, planned_end_date=monday + 27 * DAY)
    a = place(world, group, world.pupil_in)
    b = place(world, group, world.pupil_out)
    c = place(world, group, world.pupil_class)
    deliver(world, group, monday, present=[a, b], absent=[c])
    deliver(world, group, monday + 7 * DAY, present=[a], absent=[b])
    from interventions.models import Session
    Session.objects.create(group=group, date=monday + 14 * DAY, status="cancelled", cancel_reason="trip",
                           recorded_by=world.people["ta"])
    from interventions import services_placements as services
    services.end_placement(placement=c, ended_on=monday + 7 * DAY, acting_user=world.people["senco"])
    login(client, world, "senco")
    response = client.get(f"/interventions/pupils/{world.pupil_in.pk}/provision/")
    row = response.context["rows"][0]
    assert row["planned_sessions"] == 4 and row["planned_to_date"] == 3  # Mondays: -14, -7, 0 days to date, +7
    assert row["planned_cost"] == Decimal("60.00")  # 4 x £30 / 2 pupils on the group now
    assert row["planned_cost_to_date"] == Decimal("45.00")
    assert row["delivered_cost"] == Decimal("25.00")  # £30/3 + £30/2
    assert (row["sessions_attended"], row["sessions_delivered"]) == (2, 2)
    assert row["minutes_per_week"] == 30 and row["weeks"] == 4
    assert b"divided by the pupils on the group that day" in response.content


def _fill(world, n, start=0):
    group = make_group(world, intervention=make_intervention(world.school, name=f"Int {start}", max_group_size=30),
                       staff=("ta", "other_ta"))
    for i in range(n):
        p = place(world, group, PupilFactory(school=world.school, legal_last_name=f"Pupil{start + i}"))
        deliver(world, group, TODAY - (i + 1) * DAY, present=[p])
    return group


def test_school_map_query_count_is_flat(client, world, django_assert_num_queries):
    _fill(world, 2)
    login(client, world, "senco")
    client.get("/interventions/provision-map/")
    with django_assert_num_queries(9):
        small = client.get("/interventions/provision-map/")
    _fill(world, 12, start=100)
    _fill(world, 8, start=200)
    with django_assert_num_queries(9):
        large = client.get("/interventions/provision-map/")
    assert (len(small.context["rows"]), len(large.context["rows"])) == (2, 22)
    assert AccessLog.objects.filter(action="interventions.provision_map.school").count() == 3


def test_pupil_map_query_count_is_flat(client, world, django_assert_num_queries):
    group = make_group(world)
    place(world, group, world.pupil_in)
    login(client, world, "senco")
    client.get(f"/interventions/pupils/{world.pupil_in.pk}/provision/")
    with django_assert_num_queries(11):
        client.get(f"/interventions/pupils/{world.pupil_in.pk}/provision/")
    for i in range(4):
        g = make_group(world, intervention=make_intervention(world.school, name=f"More {i}"), name=f"More {i}")
        p = place(world, g, world.pupil_in)
        deliver(world, g, TODAY - DAY, present=[p])
        TherapyProgramme.objects.create(school=world.school, pupil=world.pupil_in, therapist="J Smith",
                                        service="salt", set_on=TODAY - 30 * DAY, targets="t", activities="a",
                                        frequency="weekly", review_on=TODAY + 30 * DAY,
                                        created_by=world.people["senco"])
    with django_assert_num_queries(11):
        response = client.get(f"/interventions/pupils/{world.pupil_in.pk}/provision/")
    assert len(response.context["rows"]) == 5 and len(response.context["programmes"]) == 4


def test_ended_placements_are_shown_on_request(client, world):
    from interventions import services_placements as services

    p = place(world, make_group(world), world.pupil_in)
    services.end_placement(placement=p, ended_on=TODAY, acting_user=world.people["senco"])
    login(client, world, "senco")
    assert client.get("/interventions/provision-map/").context["rows"] == []
    assert len(client.get("/interventions/provision-map/?ended=1").context["rows"]) == 1
