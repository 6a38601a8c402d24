"""The safeguarding team's pages run a fixed number of queries, whatever the number of concerns,
actions and incidents."""

import datetime

import pytest
from django.utils import timezone

from incidents.factories import IncidentFactory
from safeguarding import services
from safeguarding.models import ActionKind, Agency, Status

from .conftest import raise_one, staff_of

# Per request: session, user, memberships (staff context), and the session saved (savepoint, update,
# release): 6. Then the page's own: the list 1 (concerns with pupil, class and raiser) + the read
# logged (one statement, with the history context); the concern
# 2 (it, with pupil, class, raiser, decider and incident; its actions with authors) + the read
# logged (one statement, with the history context); the chronology 4 (pupil; concerns; actions;
# incidents) + the log.
LIST_QUERIES = 8
DETAIL_QUERIES = 9
CHRONOLOGY_QUERIES = 11


def add_data(world, n):
    """n concerns about Isla, each linked to a serious incident, with a few entries each."""
    dsl = staff_of(world.people["dsl"])
    concerns = []
    for i in range(n):
        incident = IncidentFactory(pupil=world.pupil_out, intensity=4, physical_intervention=bool(i % 2),
                                   created_by=world.people["ta"],
                                   occurred_at=timezone.now() - datetime.timedelta(days=i + 1))
        concern = raise_one(world, by="ta", incident=incident if i % 2 == 0 else None, when=incident.occurred_at)
        services.add_action(staff=dsl, concern=concern, kind=ActionKind.ACTION, text=f"Action {i}", owner="DSL")
        services.add_action(staff=dsl, concern=concern, kind=ActionKind.REFERRAL, text="Referral",
                            agency=Agency.EARLY_HELP, reference=f"EH-{i}")
        services.add_action(staff=dsl, concern=concern, kind=ActionKind.DECISION, text="Decided", reason="Why")
        services.set_status(staff=dsl, concern=concern, status=Status.MONITORING, reason="Watch")
        concerns.append(concern)
    return concerns


@pytest.fixture
def dsl_client(client, world):
    client.force_login(world.people["dsl"])
    client.get("/")  # the MFA-enrolled flag is now in the session, as for anyone after their first page
    return client


@pytest.mark.parametrize("n", [1, 12])
def test_the_list_page_queries_are_flat(dsl_client, world, django_assert_num_queries, n):
    add_data(world, n)
    with django_assert_num_queries(LIST_QUERIES):
        assert dsl_client.get("/safeguarding/concerns/?status=all").status_code == 200
    with django_assert_num_queries(LIST_QUERIES + 1):  # the pupil named above the list
        assert dsl_client.get(f"/safeguarding/concerns/?pupil={world.pupil_out.pk}").status_code == 200


@pytest.mark.parametrize("n", [1, 12])
def test_the_concern_page_queries_are_flat(dsl_client, world, django_assert_num_queries, n):
    concerns = add_data(world, n)
    incident = IncidentFactory(pupil=world.pupil_out, created_by=world.people["ta"])
    linked = raise_one(world, incident=incident)
    for concern in (concerns[-1], linked):
        with django_assert_num_queries(DETAIL_QUERIES):
            assert dsl_client.get(f"/safeguarding/concerns/{concern.pk}/").status_code == 200


@pytest.mark.parametrize("n", [1, 12])
def test_the_chronology_queries_are_flat(dsl_client, world, django_assert_num_queries, n):
    add_data(world, n)
    with django_assert_num_queries(CHRONOLOGY_QUERIES):
        assert dsl_client.get(f"/safeguarding/pupils/{world.pupil_out.pk}/chronology/").status_code == 200


@pytest.mark.parametrize("n", [0, 12])
def test_the_panels_add_one_query_each_for_the_team_and_none_for_others(client, world, django_assert_max_num_queries,
                                                                   n):
    from sendsupport import panels

    from safeguarding.panels import home_panel, pupil_panel

    add_data(world, n)

    class Req:
        pass

    for role, expected in (("dsl", 2), ("ta", 0), ("senco", 0)):
        request = Req()
        request.staff = staff_of(world.people[role])
        with django_assert_max_num_queries(expected):
            home_panel(request)
            pupil_panel(request, world.pupil_in)
    assert panels  # registered in apps.py
