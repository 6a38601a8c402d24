"""The interventions home page and the school's catalogue: SENCo and senior leaders manage it;
TAs and teachers see their own groups and programmes; office staff and the DSL have no access."""

from decimal import Decimal

import pytest

from interventions.models import Intervention

from .test_placements import login, make_group, make_intervention

HOME_STATUS = {"ta": 200, "teacher": 200, "senco": 200, "dsl": 403, "senior": 200, "admin": 403,
               "other_school_senco": 200}
MANAGE_STATUS = {"ta": 403, "teacher": 403, "senco": 200, "dsl": 403, "senior": 403, "admin": 403,
                 "other_school_senco": 200}


@pytest.mark.parametrize("role", list(HOME_STATUS))
def test_home_by_role(client, world, role):
    make_group(world, name="Morning ELSA")
    login(client, world, role)
    response = client.get("/interventions/")
    assert response.status_code == HOME_STATUS[role]
    if role in ("senco", "senior"):  # the senior leader reads everything but doesn't keep the catalogue
        assert (b"/interventions/catalogue/" in response.content) == (role == "senco")
        assert b"/interventions/provision-map/" in response.content
        assert b"/interventions/programmes/" in response.content and b"/interventions/groups/" in response.content
    if role == "ta":
        assert b"Morning ELSA" in response.content and b"/interventions/catalogue/" not in response.content
    if role in ("teacher", "other_school_senco"):
        assert b"Morning ELSA" not in response.content


def test_home_links_impact_only_when_that_page_exists(client, world):
    from django.urls import NoReverseMatch, reverse

    login(client, world, "senco")
    response = client.get("/interventions/")
    try:
        reverse("interventions:impact")
    except NoReverseMatch:
        assert response.context["impact_url"] is None
    else:
        assert response.context["impact_url"].encode() in response.content


@pytest.mark.parametrize("role", list(MANAGE_STATUS))
def test_catalogue_pages_by_role(client, world, role):
    ours = make_intervention(world.school)
    login(client, world, role)
    assert client.get("/interventions/catalogue/").status_code == MANAGE_STATUS[role]
    assert client.get("/interventions/catalogue/new/").status_code == MANAGE_STATUS[role]
    edit = client.get(f"/interventions/catalogue/{ours.pk}/edit/").status_code
    assert edit == (404 if role == "other_school_senco" else MANAGE_STATUS[role])


def test_catalogue_lists_only_this_schools_interventions(client, world):
    make_intervention(world.school, name="Lego therapy")
    make_intervention(world.other_school, name="Riverside reading")
    login(client, world, "senco")
    response = client.get("/interventions/catalogue/")
    assert [i.name for i in response.context["interventions"]] == ["Lego therapy"]


def catalogue_post(**kw):
    data = {"name": "Precision teaching", "area_of_need": "cl", "description": "Daily fluency practice",
            "usual_weeks": "10", "sessions_per_week": "5", "minutes_per_session": "10", "max_group_size": "1",
            "measure": "Words read correctly a minute", "measure_min": "0", "measure_max": "200",
            "higher_is_better": "on", "cost_per_session": "", "cost_per_hour": "18.50", "is_active": "on"}
    data.update(kw)
    return data


def test_senco_adds_and_edits_a_catalogue_entry(client, world):
    login(client, world, "senco")
    response = client.post("/interventions/catalogue/new/", catalogue_post())
    assert response.status_code == 302
    item = Intervention.objects.get(school=world.school)
    assert item.cost_per_hour == Decimal("18.50") and item.session_cost(10) == Decimal("3.08")
    event = Intervention.pgh_event_model.objects.get(pgh_obj_id=item.pk)
    assert event.pgh_context.metadata["action"] == "interventions.catalogue.create"
    response = client.post(f"/interventions/catalogue/{item.pk}/edit/", catalogue_post(max_group_size="2"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.max_group_size == 2


def test_catalogue_refuses_bad_input_next_to_fields_and_keeps_it(client, world):
    make_intervention(world.school, name="Precision teaching")
    login(client, world, "senco")
    response = client.post("/interventions/catalogue/new/", catalogue_post(
        measure_min="50", measure_max="10", max_group_size="0", description="Typed description"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "already has “Precision teaching”" in errors["name"][0]
    assert "must be above the lowest" in errors["measure_max"][0]
    assert "max_group_size" in errors
    assert b"Typed description" in response.content
    assert Intervention.objects.filter(school=world.school).count() == 1


def test_the_same_name_may_be_used_by_another_school(client, world):
    make_intervention(world.other_school, name="Precision teaching")
    login(client, world, "senco")
    assert client.post("/interventions/catalogue/new/", catalogue_post()).status_code == 302
