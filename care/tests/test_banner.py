"""The healthcare emergency on the medical-alert banner: enough to act on by itself (what to do and
who acts), and the "Healthcare plan" link only for people who may open the plan, worked out
without a query per pupil on list pages."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.middleware import staff_context_for

from care import services
from care.factories import HealthcarePlanFactory
from pupils.factories import CaseloadEntryFactory, PupilFactory
from pupils.models import Pupil

PLAN_LINK = 'href="/care/pupils/{}/plan/"'


def in_force(world, pupil, **kw):
    plan = HealthcarePlanFactory(pupil=pupil, created_by=world.people["senco"], **kw)
    return services.sign_off_plan(plan=plan, acting_user=world.people["senco"])


def test_banner_says_what_to_do_and_who_acts(world):
    in_force(world, world.pupil_in, emergency_summary="Severe asthma attack: 10 puffs of blue inhaler, call 999.",
             emergency_responsible="First aider on duty; office calls parents")
    world.pupil_in.refresh_from_db()
    assert world.pupil_in.healthcare_emergency == (
        "Severe asthma attack: 10 puffs of blue inhaler, call 999. Who acts: First aider on duty; office calls parents")


def test_break_glass_shows_the_emergency_but_no_link_that_would_404(client, world):
    in_force(world, world.pupil_in)
    client.force_login(world.people["other_ta"])  # gives medicines, but Amelia isn't on her caseload
    html = client.post(f"/pupils/{world.pupil_in.pk}/step-in/", {"reason": "Covering lunch duty"}).content.decode()
    assert "In an emergency:</strong> Severe asthma attack: 10 puffs of blue inhaler, call 999. Who acts: " in html
    assert PLAN_LINK.format(world.pupil_in.pk) not in html
    assert client.get(f"/care/pupils/{world.pupil_in.pk}/plan/").status_code == 404  # why the link must go


@pytest.mark.parametrize("who,pupil,link", [
    ("ta", "pupil_in", True),  # on her caseload
    ("teacher", "pupil_class", True),  # through the class group
    ("senco", "pupil_out", True),
    ("senior", "pupil_out", True),
    ("admin", "pupil_out", True),
    ("dsl", "pupil_in", False),  # no medication ability
])
def test_link_only_for_those_who_may_read_the_plan(client, world, who, pupil, link):
    pupil = getattr(world, pupil)
    in_force(world, pupil)
    client.force_login(world.people[who])
    # A reason is asked of those outside the caseload or without SEN detail (the office): given here.
    html = client.post(f"/pupils/{pupil.pk}/step-in/", {"reason": "Covering lunch duty"}).content.decode()
    assert "Who acts:" in html
    assert (PLAN_LINK.format(pupil.pk) in html) == link
    if link:
        assert client.get(f"/care/pupils/{pupil.pk}/plan/").status_code == 200


def _render_list(request, pupils):
    """The banner included once per pupil, as a list page would."""
    return Template('{% for pupil in pupils %}{% include "pupils/_alerts.html" %}{% endfor %}').render(
        Context({"pupils": pupils, "request": request}))


@pytest.mark.parametrize("who,queries", [("ta", 1), ("teacher", 1), ("senco", 0)])
def test_banner_links_on_a_list_cost_at_most_one_query_whatever_the_number_of_pupils(
        world, who, queries, django_assert_num_queries):
    pupils = [world.pupil_in, world.pupil_class, world.pupil_out]
    for i in range(5):
        pupil = PupilFactory(school=world.school, legal_first_name=f"Extra{i}")
        CaseloadEntryFactory(school=world.school, user=world.people["ta"], pupil=pupil)
        pupils.append(pupil)
    for pupil in pupils:
        in_force(world, pupil)
    pupils = list(Pupil.objects.filter(pk__in=[p.pk for p in pupils]))
    request = RequestFactory().get("/")
    request.user = world.people[who]
    request.staff = staff_context_for(request.user)
    with django_assert_num_queries(queries):  # the caseload, once
        html = _render_list(request, pupils)
    assert html.count("Who acts:") == 8
    expected = {"ta": 6, "teacher": 1, "senco": 8}[who]  # her caseload / his class / everyone
    assert html.count('/plan/">Healthcare plan') == expected


def test_form_refuses_a_summary_too_long_for_the_banner(client, world):
    client.force_login(world.people["senco"])
    response = client.post(f"/care/pupils/{world.pupil_in.pk}/plan/edit/", {
        "condition": "Epilepsy", "emergency_signs": "Seizure over 5 minutes", "emergency_action": "Midazolam, 999",
        "emergency_responsible": "Trained staff on duty " * 5, "emergency_summary": "Seizure: midazolam " * 12,
        "review_on": "2027-09-01"})
    assert response.status_code == 400
    assert "must fit in 300 characters together" in response.content.decode()
