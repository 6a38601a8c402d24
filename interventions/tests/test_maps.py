"""Provision maps: who gets what, for how long, at what cost, per pupil and for the school; costs
follow the rule in selectors_placements; both pages keep a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest

from interventions.models import TherapyProgramme
from pupils.factories import PupilFactory
from sendsupport.models import AccessLog

from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, open_page, page, viewport,
)
from tests.browser.conftest import login as browser_login

from .test_placements import DAY, today, deliver, login, make_group, make_intervention, place

SCHOOL_MAP = {"ta": 403, "teacher": 403, "senco": 200, "dsl": 403, "senior": 200, "admin": 403,
              "other_school_senco": 200}


@pytest.mark.parametrize("role", list(SCHOOL_MAP))
def test_school_map_by_role(client, world, role):
    place(world, make_group(world), world.pupil_in)
    login(client, world, role)
    response = client.get("/interventions/provision-map/?intervention=all")
    assert response.status_code == SCHOOL_MAP[role]
    if role == "other_school_senco":
        assert response.context["rows"] == [] and response.context["interventions"] == []
        assert b"Amelia" not in response.content
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
    monday = today() - datetime.timedelta(days=today().weekday()) - 14 * DAY
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
        deliver(world, group, today() - (i + 1) * DAY, present=[p])
    return group


def test_school_map_query_count_is_flat(client, world, django_assert_num_queries):
    _fill(world, 2)
    login(client, world, "senco")
    client.get("/interventions/provision-map/")
    with django_assert_num_queries(9):
        small = client.get("/interventions/provision-map/?intervention=all")
    _fill(world, 12, start=100)
    _fill(world, 8, start=200)
    with django_assert_num_queries(9):
        large = client.get("/interventions/provision-map/?intervention=all")
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
        deliver(world, g, today() - DAY, present=[p])
        TherapyProgramme.objects.create(school=world.school, pupil=world.pupil_in, therapist="J Smith",
                                        service="salt", set_on=today() - 30 * DAY, targets="t", activities="a",
                                        frequency="weekly", review_on=today() + 30 * DAY,
                                        created_by=world.people["senco"])
    with django_assert_num_queries(11):
        response = client.get(f"/interventions/pupils/{world.pupil_in.pk}/provision/")
    assert len(response.context["rows"]) == 5 and len(response.context["programmes"]) == 4


def test_ended_placements_are_shown_on_request(client, world):
    from interventions import services_placements as services

    p = place(world, make_group(world), world.pupil_in)
    services.end_placement(placement=p, ended_on=today(), acting_user=world.people["senco"])
    login(client, world, "senco")
    assert client.get("/interventions/provision-map/?intervention=all").context["rows"] == []
    assert len(client.get("/interventions/provision-map/?ended=1&intervention=all").context["rows"]) == 1


def test_school_map_is_grouped_by_intervention(client, world, django_assert_num_queries, monkeypatch):
    """A large map opens on one summary line per intervention; an intervention's pupils are a click
    away (`?intervention=<pk>`), with the same costs as on the full list. A small map lists them all."""
    from interventions import selectors_placements

    _fill(world, 3, start=0)
    _fill(world, 2, start=100)
    login(client, world, "senco")
    monkeypatch.setattr(selectors_placements, "MAP_ALL_ROWS_UP_TO", 5)
    assert len(client.get("/interventions/provision-map/").context["rows"]) == 5
    monkeypatch.setattr(selectors_placements, "MAP_ALL_ROWS_UP_TO", 4)
    with django_assert_num_queries(9):
        response = client.get("/interventions/provision-map/")
    summaries = response.context["interventions"]
    assert [(s["intervention"].name, s["placements"], s["pupils"], s["groups"]) for s in summaries] == [
        ("Int 0", 3, 3, 1), ("Int 100", 2, 2, 1)]
    # Large: no full table, a short line per placement under its intervention's summary.
    assert response.context["rows"] == [] and response.context["compact"]
    assert b"provision-map-compact" in response.content
    assert b"<table class=\"table table-sm align-middle provision-map\"" not in response.content
    assert response.content.count(b"/provision/\">") >= 5 and b"Pupil0" in response.content
    assert b"?intervention=%d" % summaries[0]["intervention"].pk in response.content
    everything = client.get("/interventions/provision-map/?intervention=all").context
    one = client.get(f"/interventions/provision-map/?intervention={summaries[1]['intervention'].pk}")
    assert [r["pupil"].legal_last_name for r in one.context["rows"]] == ["Pupil100", "Pupil101"]
    assert b"Pupil100" in one.content and b"Pupil0 " not in one.content and not one.context["compact"]
    for s in summaries:
        rows = [r for r in everything["rows"] if r["intervention"] == s["intervention"]]
        assert s["totals"]["delivered_cost"] == sum(r["delivered_cost"] for r in rows)
        assert s["totals"]["planned_cost"] == sum(r["planned_cost"] for r in rows)
    assert sum(s["totals"]["delivered_cost"] for s in summaries) == everything["totals"]["delivered_cost"]
    assert client.get("/interventions/provision-map/?intervention=999999").status_code == 404
    assert client.get("/interventions/provision-map/?intervention=x").status_code == 404


def test_planned_session_count_matches_planned_dates():
    """The arithmetic count of a group's weekdays between two dates equals Group.planned_dates()."""
    from interventions.models import Group
    from interventions.selectors_placements import _weekdays_between

    start = datetime.date(2026, 9, 3)
    for days in ([0], [1, 3], [0, 1, 2, 3, 4], [4, 2], []):
        for length in (0, 1, 5, 6, 7, 8, 13, 30, 200):
            group = Group(days=days, start_date=start, planned_end_date=start + datetime.timedelta(days=length))
            dates = group.planned_dates()
            for lo, hi in ((0, length), (2, length - 3), (5, 5), (9, 1)):
                a, b = start + datetime.timedelta(days=lo), start + datetime.timedelta(days=hi)
                expected = sum(1 for d in dates if a <= d <= b)
                assert _weekdays_between(frozenset(days), max(a, start), min(b, group.last_day)) == expected


@pytest.mark.browser
@pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated")
@pytest.mark.parametrize("viewport", ["laptop"], indirect=True)
def test_large_school_map_in_a_browser(page, live_server, browser_world, open_page, monkeypatch):
    """A map above MAP_ALL_ROWS_UP_TO opens on the summary by intervention with a short line per
    placement; an intervention's full table is one click away. Checked with axe, photographed at
    1366px and 390px into /tmp/shots/interventions/."""
    from pathlib import Path

    from interventions import selectors_placements
    from tests.browser.axe import check_a11y

    shots = Path("/tmp/shots/interventions")
    shots.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(selectors_placements, "MAP_ALL_ROWS_UP_TO", 4)
    _fill(browser_world, 4, start=0)
    _fill(browser_world, 3, start=100)
    assert browser_login(page, live_server, browser_world.people["senco"]) is True
    page.goto(f"{live_server.url}/interventions/provision-map/")
    summary = page.get_by_role("table", name="Provision by intervention, with costs")
    expect(summary.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".provision-map-compact li")).to_have_count(7)
    check_a11y(page, "large school provision map")
    page.screenshot(path=str(shots / "school-provision-map-large--1366px.png"), full_page=True)
    with page.expect_navigation():
        summary.get_by_role("link", name="Int 100").click()
    expect(page.get_by_role("table", name="Who gets Int 100, with costs").locator("tbody tr")).to_have_count(3)
    check_a11y(page, "school provision map, one intervention")
    page.screenshot(path=str(shots / "school-provision-map-one--1366px.png"), full_page=True)
    phone = open_page("phone")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/interventions/provision-map/")
    check_a11y(phone, "large school provision map on a phone")
    phone.screenshot(path=str(shots / "school-provision-map-large--390px.png"), full_page=True)
