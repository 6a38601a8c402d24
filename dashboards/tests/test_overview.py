"""The school overview: figures against twelve incidents placed by hand, filters, CSV exports,
who may see it (and the concerns count), and a flat number of queries."""

import csv
import io

import pytest

from accounts.factories import MembershipFactory, UserFactory
from conftest import enrol_totp
from incidents.factories import IncidentFactory
from pupils.factories import PupilFactory
from sendsupport.models import AccessLog

from .fixtures import RANGE, at, place_incidents


@pytest.fixture
def placed(world):
    return place_incidents(world)


def overview(client, user, query=RANGE):
    client.force_login(user)
    response = client.get(f"/dashboards/?{query}")
    assert response.status_code == 200
    return response


def rows(response, key):
    return response.context["tables"][key].rows


def test_the_figures_match_the_hand_count(client, world, placed):
    response = overview(client, world.people["senco"])
    totals = response.context["totals"]
    assert (totals["incidents"], totals["before"], totals["change"]) == (8, 4, "+100%")
    assert (totals["physical"], totals["physical_before"]) == (2, 1)
    # No term dates: every weekday is a school day, so the ten before 2 November (19-30 October) are compared.
    assert rows(response, "weekly") == [["2 Nov 2026", 4, 1, 3, 5], ["9 Nov 2026", 4, 1, 1, 5]]
    assert response.context["comparison"].describe().startswith(
        "Compared with the 10 school days before (19 Oct 2026 to 30 Oct 2026).")
    assert rows(response, "behaviours") == [
        ["Refusal", 4], ["Shouting or swearing", 2], ["Hitting, kicking or biting", 1], ["Leaving the room", 1],
        ["Throwing objects", 1]]
    assert rows(response, "antecedents") == [
        ["Asked to start a task", 4], ["Noise or crowding", 1], ["Peer conflict", 1], ["Told 'no' or to wait", 1],
        ["Unstructured time", 1]]
    assert response.context["tables"]["hotspots"].columns == ["Day", "Morning", "Afternoon", "Outside the school day"]
    assert rows(response, "hotspots") == [
        ["Mon", 4, 0, 0], ["Tue", 0, 1, 0], ["Wed", 0, 1, 0], ["Thu", 0, 1, 0], ["Fri", 0, 0, 1]]
    assert rows(response, "locations") == [["Hall", 5], ["Playground", 3]]
    assert rows(response, "rising") == [["Amelia Hughes", 5, 0, "none before"]]
    # The pupil's analytics open on the same dates.
    assert response.context["tables"]["rising"].urls == [f"/dashboards/pupils/{world.pupil_in.pk}/?{RANGE}"]
    assert rows(response, "physical") == [["Amelia Hughes", 1, 5], ["Isla Morgan", 1, 2]]
    html = response.content.decode()
    assert "Noah" not in html and "<svg" in html and "Incidents per week" in html
    assert AccessLog.objects.filter(action="dashboards.overview.view", user=world.people["senco"]).count() == 1


def test_the_week_starting_before_the_range_counts_only_days_in_it(client, world, placed):
    response = overview(client, world.people["senco"], "preset=custom&start=2026-11-03&end=2026-11-15")
    assert rows(response, "weekly")[0][:2] == ["2 Nov 2026", 1]  # Tuesday's only; Monday is the previous range


def test_filters_narrow_every_figure(client, world, placed):
    response = overview(client, world.people["senco"], f"{RANGE}&pupil={world.pupil_out.pk}")
    assert response.context["totals"]["incidents"] == 2 and response.context["totals"]["before"] == 3
    assert rows(response, "locations") == [["Hall", 2]]
    assert rows(response, "rising") == []
    response = overview(client, world.people["senco"], f"{RANGE}&class_group={world.class_in.pk}")
    assert response.context["totals"]["incidents"] == 1 and rows(response, "behaviours") == [["Throwing objects", 1]]
    world.pupil_out.year_group = 5
    world.pupil_out.save()
    response = overview(client, world.people["senco"], f"{RANGE}&year=5")
    assert response.context["totals"]["incidents"] == 2
    response = overview(client, world.people["senco"], f"{RANGE}&need=ASD")
    assert response.context["totals"]["incidents"] == 0 and rows(response, "weekly") == []
    response = overview(client, world.people["senco"], f"{RANGE}&sen_status=K")
    assert response.context["totals"]["incidents"] == 8


def test_bad_dates_are_explained_and_kept(client, world, placed):
    response = overview(client, world.people["senco"], "preset=custom&start=2026-11-15&end=2026-11-02")
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert 'value="2026-11-02"' in html and "is-invalid" in html
    assert response.context["filters"].preset == "this_term" or response.context["filters"].preset == "custom"


def test_a_pupil_of_another_school_cannot_be_chosen(client, world, placed):
    response = overview(client, world.people["senco"], f"{RANGE}&pupil={world.pupil_other_school.pk}")
    assert "pupil" in response.context["form"].errors
    assert response.context["totals"]["incidents"] == 8  # the filter is dropped, not widened to the other school


def test_each_table_exports_as_csv_with_the_same_filters_and_is_logged(client, world, placed):
    client.force_login(world.people["senco"])
    response = client.get(f"/dashboards/export/locations.csv?{RANGE}&pupil={world.pupil_in.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Place", "Incidents"], ["Hall", "3"], ["Playground", "2"]]
    physical = client.get(f"/dashboards/export/physical.csv?{RANGE}").content.decode()
    assert "Amelia Hughes,1,5" in physical and "Isla Morgan,1,2" in physical
    assert client.get(f"/dashboards/export/nothing.csv?{RANGE}").status_code == 404
    assert AccessLog.objects.filter(action="dashboards.overview.export.locations").count() == 1
    page = overview(client, world.people["senco"]).content.decode()
    assert f"/dashboards/export/weekly.csv?{RANGE.replace('&', '&amp;')}" in page


@pytest.mark.parametrize("who, status", [
    ("senco", 200), ("senior", 200), ("ta", 403), ("teacher", 403), ("dsl", 403), ("admin", 403), ("other_ta", 403),
])
def test_who_may_see_the_overview_and_its_exports(client, world, placed, who, status):
    client.force_login(world.people[who])
    assert client.get(f"/dashboards/?{RANGE}").status_code == status
    assert client.get(f"/dashboards/export/weekly.csv?{RANGE}").status_code == status


def test_another_schools_senco_sees_only_their_own_school(client, world, placed):
    response = overview(client, world.people["other_school_senco"])
    assert response.context["totals"]["incidents"] == 1  # their own pupil's incident only
    html = response.content.decode()
    assert "Amelia" not in html and "Isla" not in html


def _senco_who_is_also(world, roles):
    user = UserFactory(full_name="Dual Role", email=f"dual-{'-'.join(roles)}@oakfield.example")
    MembershipFactory(school=world.school, user=user, roles=roles)
    enrol_totp(user)
    return user


def test_open_concerns_are_counted_for_dsl_role_holders_only(client, world, placed):
    from safeguarding.tests.conftest import raise_one

    raise_one(world, pupil=world.pupil_in)
    for roles, shown in [(["senco"], False), (["senior"], False), (["senco", "dsl"], True),
                         (["senior", "dsl"], True)]:
        response = overview(client, _senco_who_is_also(world, roles))
        assert (response.context["open_concerns"] is not None) == shown
        assert ("open safeguarding concerns" in response.content.decode()) == shown
        if shown:
            assert response.context["open_concerns"] == 1


# 7 for any signed-in page (session, user, membership, history context, saving the session x3)
# + terms, incident and quick-pick counts (one statement), periods, places, pupil names, reviews (2), medication (2),
# outcome progress, interventions (2), the access log row, pattern alerts, the class and pupil choices.
OVERVIEW_QUERIES = 22


def test_the_overview_takes_the_same_queries_at_two_data_sizes(client, world, placed, django_assert_num_queries):
    client.force_login(world.people["senco"])
    client.get(f"/dashboards/?{RANGE}")
    with django_assert_num_queries(OVERVIEW_QUERIES):
        assert client.get(f"/dashboards/?{RANGE}").status_code == 200
    for i in range(6):
        pupil = PupilFactory(school=world.school, legal_first_name=f"Extra{i}")
        for day in (3, 4, 10):
            IncidentFactory(school=world.school, pupil=pupil, occurred_at=at(day, 11, 11), location=placed["hall"],
                            physical_intervention=bool(i % 2))
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(f"/dashboards/?{RANGE}")
    assert response.context["totals"]["incidents"] == 26
    with django_assert_num_queries(OVERVIEW_QUERIES + 1):  # a pupil filter: their ids, for the reviews list
        client.get(f"/dashboards/?{RANGE}&year=4")


def test_outcome_progress_is_the_share_of_outcomes_at_each_rating(client, world):
    """Seven outcomes of plans in force, hand-placed (and one of a draft plan, not counted)."""
    import datetime

    from plans.models import Outcome, Plan, ProgressEvidence, Rating, VersionStatus

    senco = world.people["senco"]

    def plan(pupil, status=VersionStatus.IN_FORCE):
        return Plan.objects.create(pupil=pupil, kind=Plan.Kind.EHCP, status=status, created_by=senco)

    def outcome(plan, area, *ratings):
        made = Outcome.objects.create(plan=plan, area_of_need=area, text=f"Outcome {Outcome.objects.count() + 1}")
        for day, rating in enumerate(ratings, start=1):  # the last one is the latest
            ProgressEvidence.objects.create(pupil=plan.pupil, outcome_lineage=made.lineage, outcome=made,
                                            observed_on=datetime.date(2026, 10, day), note="Seen", rating=rating,
                                            recorded_by=senco)

    amelia, isla = plan(world.pupil_in), plan(world.pupil_out)
    outcome(amelia, "semh", Rating.EMERGING, Rating.SECURE)  # secure now
    outcome(amelia, "semh", Rating.SECURE)
    outcome(amelia, "semh", Rating.EMERGING)
    outcome(amelia, "semh")  # no evidence yet
    outcome(amelia, "ci", Rating.ACHIEVED)
    outcome(isla, "semh", Rating.DEVELOPING)
    outcome(isla, "cl")
    outcome(plan(world.pupil_class, VersionStatus.DRAFT), "semh", Rating.ACHIEVED)  # a draft: not counted

    response = overview(client, senco)
    table = response.context["tables"]["outcome_progress"]
    assert table.columns == ["Area of need", "Outcomes", "Not yet started", "Emerging", "Developing", "Secure",
                             "Achieved", "No evidence yet", "Secure or achieved"]
    assert table.rows == [
        ["Communication and interaction", 1, "0% (0)", "0% (0)", "0% (0)", "0% (0)", "100% (1)", "0% (0)", "100% (1)"],
        ["Cognition and learning", 1, "0% (0)", "0% (0)", "0% (0)", "0% (0)", "0% (0)", "100% (1)", "0% (0)"],
        ["Social, emotional and mental health", 5, "0% (0)", "20% (1)", "20% (1)", "40% (2)", "0% (0)", "20% (1)",
         "40% (2)"]]
    areas, ratings, shares = response.context["outcome_grid"]
    assert ratings == table.columns[2:-1]
    assert shares == [[0, 0, 0, 0, 100, 0], [0, 0, 0, 0, 0, 100], [0, 20, 20, 40, 0, 20]]
    # Narrowed to one pupil: her outcomes only.
    narrowed = overview(client, senco, f"{RANGE}&pupil={world.pupil_out.pk}").context["tables"]["outcome_progress"]
    assert [row[:2] for row in narrowed.rows] == [["Cognition and learning", 1], ["Social, emotional and mental health", 1]]
    assert narrowed.rows[1][4] == "100% (1)"  # developing
