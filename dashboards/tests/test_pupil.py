"""The per-pupil analytics page: figures against the hand-placed incidents, outcome progress over
time, who may open it (a TA for their caseload only), CSV exports, the pupil picker, and a flat
number of queries."""

import csv
import datetime
import io

import pytest

from incidents.factories import IncidentFactory
from plans.models import Outcome, Plan, ProgressEvidence, Rating, VersionStatus
from sendsupport.models import AccessLog

from .fixtures import RANGE, at, place_incidents


@pytest.fixture
def placed(world):
    return place_incidents(world)


def page(client, user, pupil, query=RANGE):
    client.force_login(user)
    response = client.get(f"/dashboards/pupils/{pupil.pk}/?{query}")
    assert response.status_code == 200
    return response


def rows(response, key):
    return response.context["tables"][key].rows


def test_the_figures_match_the_hand_count(client, world, placed):
    response = page(client, world.people["ta"], world.pupil_in)
    assert (response.context["total"], response.context["deescalated"], response.context["physical"]) == (5, 3, 1)
    assert rows(response, "abc") == [
        ["Asked to start a task", "Refusal", 3], ["Asked to start a task", "Shouting or swearing", 1],
        ["Peer conflict", "Hitting, kicking or biting", 1], ["Unstructured time", "Shouting or swearing", 1]]
    assert rows(response, "functions") == [
        ["Escape or avoidance", 3, "60%"], ["Attention", 1, "20%"], ["Not recorded", 1, "20%"]]
    assert response.context["tables"]["when"].columns == ["Day", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"]
    assert rows(response, "when") == [
        ["Mon", 2, 1, 0, 0, 0, 0], ["Tue", 0, 0, 0, 0, 1, 0], ["Wed", 0, 0, 0, 0, 0, 1], ["Thu", 0, 0, 0, 0, 0, 0],
        ["Fri", 0, 0, 0, 0, 0, 0]]
    assert rows(response, "over_time") == [["2 Nov 2026", 3, 3.0, 10.0, 1], ["9 Nov 2026", 2, 1.5, 5.0, 0]]
    assert rows(response, "strategies") == [
        ["Reassurance", 3, 2, "67%"], ["Offered choices", 2, 2, "100%"], ["Change of adult", 1, 0, "0%"]]
    html = response.content.decode()
    assert "counts as de-escalated" in html and "Isla" not in html and "Oliver" not in html
    assert AccessLog.objects.filter(action="dashboards.pupil.view", pupil=world.pupil_in).count() == 1


def test_outcome_progress_over_time(client, world, placed):
    senco = world.people["senco"]
    plan = Plan.objects.create(pupil=world.pupil_in, kind=Plan.Kind.EHCP, status=VersionStatus.IN_FORCE,
                               created_by=senco)
    outcome = Outcome.objects.create(plan=plan, area_of_need="semh", text="Manages change with a visual prompt")
    for day, rating in [(3, Rating.EMERGING), (10, Rating.DEVELOPING), (20, Rating.SECURE)]:  # the 20th is outside
        ProgressEvidence.objects.create(pupil=world.pupil_in, outcome_lineage=outcome.lineage, outcome=outcome,
                                        observed_on=datetime.date(2026, 11, day), note="Seen", rating=rating,
                                        recorded_by=senco)
    response = page(client, world.people["ta"], world.pupil_in)
    assert rows(response, "progress") == [[
        "Manages change with a visual prompt", "Social, emotional and mental health",
        "3 Nov: Emerging, 10 Nov: Developing", "Emerging", "Developing"]]
    # The school overview counts each outcome once, at its latest rating (Secure, on the 20th).
    client.force_login(senco)
    school = client.get(f"/dashboards/?{RANGE}").context["tables"]["outcome_progress"].rows
    assert school == [["Social, emotional and mental health", 1, "0% (0)", "0% (0)", "0% (0)", "100% (1)", "0% (0)",
                       "0% (0)", "100% (1)"]]


@pytest.mark.parametrize("who, pupil, status", [
    ("ta", "pupil_in", 200), ("ta", "pupil_out", 404), ("ta", "pupil_other_school", 404),
    ("other_ta", "pupil_in", 404), ("teacher", "pupil_class", 200), ("teacher", "pupil_in", 404),
    ("senco", "pupil_out", 200), ("senior", "pupil_out", 200), ("dsl", "pupil_out", 200),
    ("admin", "pupil_in", 403), ("other_school_senco", "pupil_in", 404),
])
def test_who_may_open_a_pupils_analytics_and_exports(client, world, placed, who, pupil, status):
    client.force_login(world.people[who])
    target = getattr(world, pupil)
    assert client.get(f"/dashboards/pupils/{target.pk}/?{RANGE}").status_code == status
    assert client.get(f"/dashboards/pupils/{target.pk}/export/abc.csv?{RANGE}").status_code == status


def test_a_tas_pupil_picker_lists_only_their_caseload(client, world, placed):
    response = page(client, world.people["ta"], world.pupil_in)
    choices = [p.pk for p in response.context["form"].fields["pupil"].queryset]
    assert choices == [world.pupil_in.pk]
    html = response.content.decode()
    assert f'<option value="{world.pupil_in.pk}" selected>' not in html  # the picker is not a filter here
    assert f'<option value="{world.pupil_in.pk}">Amelia Hughes</option>' in html
    assert f'value="{world.pupil_out.pk}"' not in html
    # Choosing a pupil outside the caseload by editing the URL is an error, not that pupil's figures.
    response = page(client, world.people["ta"], world.pupil_in, f"{RANGE}&pupil={world.pupil_out.pk}")
    assert "pupil" in response.context["form"].errors and response.context["total"] == 5


def test_only_the_dates_apply_to_one_pupil(client, world, placed):
    """Year, class, need and SEN status choose pupils: one pupil's page offers none of them, and a link
    that carries them (typed, or kept from the overview) changes no figure and is not described."""
    world.pupil_in.year_group = 1
    world.pupil_in.save()
    response = page(client, world.people["senco"], world.pupil_in,
                    f"{RANGE}&year=3&class_group={world.class_in.pk}&need=ASD&sen_status=E")
    assert set(response.context["form"].fields) == {"preset", "start", "end", "pupil"}
    assert not response.context["form"].errors
    assert response.context["total"] == 5 and rows(response, "over_time")[0][1] == 3
    assert response.context["filters"].describe() == "2 Nov 2026 to 15 Nov 2026"
    html = response.content.decode()
    assert not any(f'name="{name}"' in html for name in ("year", "class_group", "need", "sen_status"))
    assert "Year 3" not in html and "Autistic spectrum disorder" not in html
    assert ">Another pupil</label>" in html and ">Stay on this pupil</option>" in html and "All pupils" not in html
    # The same pupil picked again is not described either.
    response = page(client, world.people["senco"], world.pupil_in, f"{RANGE}&pupil={world.pupil_in.pk}")
    assert response.context["filters"].describe() == "2 Nov 2026 to 15 Nov 2026"


def test_the_picker_moves_to_another_pupil_keeping_the_range(client, world, placed):
    client.force_login(world.people["senco"])
    response = client.get(f"/dashboards/pupils/{world.pupil_in.pk}/?{RANGE}&pupil={world.pupil_out.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/dashboards/pupils/{world.pupil_out.pk}/?{RANGE}"


def test_a_table_exports_as_csv_and_is_logged(client, world, placed):
    client.force_login(world.people["ta"])
    response = client.get(f"/dashboards/pupils/{world.pupil_in.pk}/export/strategies.csv?{RANGE}")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Strategy", "Used", "De-escalated", "Share"], ["Reassurance", "3", "2", "67%"],
        ["Offered choices", "2", "2", "100%"], ["Change of adult", "1", "0", "0%"]]
    assert AccessLog.objects.filter(action="dashboards.pupil.export.strategies", pupil=world.pupil_in).exists()


# 7 for any signed-in page + the pupil, terms, ABC pairs, strategies, the grouped counts, progress
# evidence, the access log row, the pupil choices (one pupil's page has no class filter to fill).
PUPIL_QUERIES = 14


def test_the_page_takes_the_same_queries_at_two_data_sizes(client, world, placed, django_assert_num_queries):
    client.force_login(world.people["ta"])
    client.get(f"/dashboards/pupils/{world.pupil_in.pk}/?{RANGE}")
    with django_assert_num_queries(PUPIL_QUERIES):
        client.get(f"/dashboards/pupils/{world.pupil_in.pk}/?{RANGE}")
    for day in (4, 5, 6, 10, 12, 13):
        IncidentFactory(school=world.school, pupil=world.pupil_in, occurred_at=at(day, 11, 11),
                        location=placed["hall"], strategy_picks=["Movement break"], antecedent_picks=["Unknown"])
    with django_assert_num_queries(PUPIL_QUERIES):
        response = client.get(f"/dashboards/pupils/{world.pupil_in.pk}/?{RANGE}")
    assert response.context["total"] == 11


def test_the_pupil_page_panel_links_readers_of_incidents_to_the_analytics(rf, world):
    from django.template.loader import render_to_string

    from accounts.middleware import staff_context_for
    from dashboards.panels import pupil_analytics_panel

    request = rf.get("/")
    request.staff = staff_context_for(world.people["admin"], None)
    assert pupil_analytics_panel(request, world.pupil_in) is None  # office staff read no incidents
    request.staff = staff_context_for(world.people["ta"], None)
    panel = pupil_analytics_panel(request, world.pupil_in)
    html = render_to_string(panel.template, {"ctx": panel.context})
    assert f'href="/dashboards/pupils/{world.pupil_in.pk}/"' in html
