"""Groups and placements: the SENCo starts a group and adds pupils with a SMART target and the
outcome or provision item it serves; entry/exit scores, the end review and ending a placement;
TAs read only the groups they run and the pupils on their caseload. Every refusal is tested.

The builders at the top are shared by the other interventions test modules of this part."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.middleware import staff_context_for
from interventions import services_placements as services
from interventions.models import Attendance, Group, Intervention, Placement, Session
from interventions.panels_placements import interventions_panel
from plans import services as plan_services
from plans.models import Outcome, Plan, Provision
from sendsupport.models import AccessLog

def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()

DAY = datetime.timedelta(days=1)
ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin", "other_school_senco"]


# --- builders -------------------------------------------------------------------------------------

def make_intervention(school, **kw) -> Intervention:
    values = dict(name="ELSA", area_of_need="semh", usual_weeks=6, sessions_per_week=1, minutes_per_session=30,
                  max_group_size=3, measure="Boxall Profile", measure_min=Decimal("0"), measure_max=Decimal("100"),
                  cost_per_session=Decimal("30.00"))
    values.update(kw)
    return Intervention.objects.create(school=school, **values)


def make_group(world, *, school=None, staff=("ta",), intervention=None, days=(0, 1, 2, 3, 4), **kw) -> Group:
    school = school or world.school
    creator = world.people["senco"] if school == world.school else world.people["other_school_senco"]
    intervention = intervention or make_intervention(school, name=kw.pop("intervention_name", "ELSA"))
    values = dict(name=f"{intervention.name} group", starts_at=datetime.time(9, 15), minutes_per_session=30,
                  start_date=today() - 21 * DAY, planned_end_date=today() + 21 * DAY)
    values.update(kw)
    group = Group.objects.create(school=school, intervention=intervention, days=list(days), created_by=creator,
                                 **values)
    group.staff.set([world.people[s] for s in staff])
    return group


def place(world, group, pupil, **kw) -> Placement:
    creator = world.people["senco"] if group.school_id == world.school.pk else world.people["other_school_senco"]
    values = dict(smart_target="Will name three feelings by half term", start_date=group.start_date,
                  end_date=group.planned_end_date)
    values.update(kw)
    return services.add_placement(group=group, pupil=pupil, acting_user=creator, **values)


def in_force_plan(world, pupil) -> Plan:
    senco = world.people["senco"] if pupil.school_id == world.school.pk else world.people["other_school_senco"]
    plan = Plan.objects.create(pupil=pupil, kind="ehcp", created_by=senco, date_issued=datetime.date(2026, 9, 1))
    outcome = Outcome.objects.create(plan=plan, area_of_need="semh", text=f"{pupil.legal_first_name} will manage "
                                                                          "feelings in class")
    provision = Provision.objects.create(plan=plan, description="ELSA weekly", delivered_by="ELSA TA",
                                         frequency="weekly")
    return plan_services.put_in_force(plan=plan, acting_user=senco)


def deliver(world, group, date, *, present=(), absent=(), minutes=None):
    session = Session.objects.create(group=group, date=date, recorded_by=world.people["ta"], minutes=minutes)
    for p in present:
        Attendance.objects.create(session=session, placement=p, status="present")
    for p in absent:
        Attendance.objects.create(session=session, placement=p, status="absent", absence_reason="ill")
    return session


def login(client, world, role):
    client.force_login(world.people[role])


# --- groups ---------------------------------------------------------------------------------------

def test_senco_starts_a_group_with_staff_days_and_dates(client, world):
    intervention = make_intervention(world.school)
    login(client, world, "senco")
    response = client.post("/interventions/groups/new/", {
        "intervention": intervention.pk, "name": "ELSA Tuesday", "staff": [world.people["ta"].pk],
        "days": ["1", "3"], "starts_at": "10:30", "minutes_per_session": "", "start_date": today().isoformat(),
        "planned_end_date": (today() + 42 * DAY).isoformat()})
    group = Group.objects.get(name="ELSA Tuesday")
    assert response.status_code == 302 and response["Location"] == f"/interventions/groups/{group.pk}/"
    assert group.days == [1, 3] and group.minutes_per_session == 30 and group.created_by == world.people["senco"]
    assert list(group.staff.all()) == [world.people["ta"]]
    event = Group.pgh_event_model.objects.get(pgh_obj_id=group.pk)
    assert event.pgh_context.metadata["action"] == "interventions.group.create"


def test_group_form_refuses_bad_input_next_to_fields_and_keeps_it(client, world):
    intervention = make_intervention(world.school)
    login(client, world, "senco")
    response = client.post("/interventions/groups/new/", {
        "intervention": intervention.pk, "name": "Typed name", "staff": [world.people["other_school_senco"].pk],
        "days": [], "starts_at": "10:30", "minutes_per_session": "20", "start_date": today().isoformat(),
        "planned_end_date": (today() - DAY).isoformat()})
    assert response.status_code == 400
    form = response.context["form"]
    assert "Choose at least one day." in form.errors["days"]
    assert "staff" in form.errors  # another school's person is not a choice
    assert "can't be before the start" in form.errors["planned_end_date"][0]
    assert b'value="Typed name"' in response.content
    assert not Group.objects.exists()


@pytest.mark.parametrize("role,status", [("ta", 200), ("teacher", 404), ("senco", 200), ("dsl", 403),
                                         ("senior", 200), ("admin", 403), ("other_school_senco", 404),
                                         ("other_ta", 404)])
def test_group_page_by_role(client, world, role, status):
    group = make_group(world)
    place(world, group, world.pupil_in)
    login(client, world, role)
    assert client.get(f"/interventions/groups/{group.pk}/").status_code == status


@pytest.mark.parametrize("role,status", [("ta", 403), ("teacher", 403), ("senco", 200), ("dsl", 403),
                                         ("senior", 403), ("admin", 403), ("other_school_senco", 404)])
def test_group_edit_and_create_by_role(client, world, role, status):
    group = make_group(world)
    login(client, world, role)
    assert client.get(f"/interventions/groups/{group.pk}/edit/").status_code == status
    create = client.get("/interventions/groups/new/").status_code
    assert create == (200 if status in (200, 404) else 403)


def test_groups_list_shows_a_ta_only_their_groups(client, world):
    mine = make_group(world, name="Mine")
    theirs = make_group(world, staff=("other_ta",), intervention=make_intervention(world.school, name="Lego"),
                        name="Theirs")
    make_group(world, school=world.other_school, staff=(), name="Riverside group")
    login(client, world, "ta")
    response = client.get("/interventions/groups/")
    assert [g.pk for g in response.context["groups"]] == [mine.pk]
    assert b"Theirs" not in response.content
    for role in ("senco", "senior"):
        login(client, world, role)
        names = {g.name for g in client.get("/interventions/groups/").context["groups"]}
        assert names == {"Mine", "Theirs"}


def test_group_page_names_every_pupil_but_shows_targets_only_of_the_tas_caseload(client, world):
    """The TA runs the group: Isla (nobody's caseload) is on its register, so they see her name and
    class, her dates on it and her attendance; not her target, nor a link to her placement (a 404)."""
    group = make_group(world)
    amelia = place(world, group, world.pupil_in, smart_target="Amelia will name three feelings")
    isla = place(world, group, world.pupil_out, smart_target="Isla will ask for a break")
    login(client, world, "ta")
    response = client.get(f"/interventions/groups/{group.pk}/")
    html = response.content.decode()
    assert [(p.pupil, p.known) for p in response.context["placements"]] == [
        (world.pupil_in, True), (world.pupil_out, False)]
    assert '<span class="fw-semibold">Isla Morgan</span> <span class="small text-body-secondary">4B</span>' in html
    assert "Amelia will name three feelings" in html and f'href="/interventions/placements/{amelia.pk}/"' in html
    assert "Isla will ask for a break" not in html and f"/interventions/placements/{isla.pk}/" not in html
    assert "Not on your caseload" in html and "more pupil" not in html
    assert client.get(f"/interventions/placements/{isla.pk}/").status_code == 404
    login(client, world, "senco")
    response = client.get(f"/interventions/groups/{group.pk}/")
    assert {p.pupil for p in response.context["placements"]} == {world.pupil_in, world.pupil_out}
    assert "Isla will ask for a break" in response.content.decode()


def test_group_page_query_count_is_flat(client, world, django_assert_num_queries):
    group = make_group(world, intervention=make_intervention(world.school, max_group_size=10))
    place(world, group, world.pupil_in)
    login(client, world, "senco")
    client.get(f"/interventions/groups/{group.pk}/")  # warm the session and caches
    with django_assert_num_queries(13) as small:
        client.get(f"/interventions/groups/{group.pk}/")
    from pupils.factories import PupilFactory
    for i in range(5):
        p = place(world, group, PupilFactory(school=world.school, legal_last_name=f"Extra{i}"))
        deliver(world, group, today() - (i + 1) * DAY, present=[p])
    with django_assert_num_queries(13):
        client.get(f"/interventions/groups/{group.pk}/")
    assert len(small) == 13


# --- adding pupils --------------------------------------------------------------------------------

def placement_post(world, **kw):
    data = {"pupil": world.pupil_in.pk, "smart_target": "Will name three feelings by half term",
            "outcome": "", "provision": "", "start_date": today().isoformat(),
            "end_date": (today() + 14 * DAY).isoformat(), "review_due": ""}
    data.update(kw)
    return data


def test_senco_adds_a_pupil_with_target_and_the_outcome_it_serves(client, world):
    group = make_group(world)
    plan = in_force_plan(world, world.pupil_in)
    outcome, provision = plan.outcomes.get(), plan.provision.get()
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/",
                           placement_post(world, outcome=outcome.pk, provision=provision.pk))
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.pupil, placement.outcome, placement.provision) == (world.pupil_in, outcome, provision)
    assert placement.review_due == today() + 14 * DAY  # defaults to the planned end
    page = client.get(f"/interventions/groups/{group.pk}/")
    assert b"Will name three feelings" in page.content


def test_outcome_of_another_pupils_plan_is_refused_next_to_the_field(client, world):
    group = make_group(world)
    other = in_force_plan(world, world.pupil_out)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(
        world, outcome=other.outcomes.get().pk, provision=other.provision.get().pk, smart_target="Typed target"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "another pupil's plan" in errors["outcome"][0] and "another pupil's plan" in errors["provision"][0]
    assert b"Typed target" in response.content
    assert not Placement.objects.exists()


def test_other_schools_pupil_and_outcome_are_not_choices(client, world):
    group = make_group(world)
    plan = in_force_plan(world, world.pupil_other_school)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(
        world, pupil=world.pupil_other_school.pk, outcome=plan.outcomes.get().pk))
    assert response.status_code == 400
    assert {"pupil", "outcome"} <= set(response.context["form"].errors)


def test_dates_outside_the_group_are_refused(client, world):
    group = make_group(world)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(
        world, start_date=(group.start_date - DAY).isoformat(), end_date=(group.planned_end_date + DAY).isoformat()))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "The group starts on" in errors["start_date"][0] and "The group ends on" in errors["end_date"][0]


def test_a_full_group_refuses_another_pupil_with_a_clear_message(client, world):
    group = make_group(world, intervention=make_intervention(world.school, max_group_size=1))
    place(world, group, world.pupil_out)
    login(client, world, "senco")
    page = client.get(f"/interventions/groups/{group.pk}/")
    assert page.context["form"] is None and b"The group is full" in page.content
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(world))
    assert response.status_code == 400
    assert "The group is full: ELSA takes at most 1 pupil." in response.context["form"].errors["pupil"][0]
    assert Placement.objects.count() == 1


def test_a_pupil_is_placed_once_per_group(client, world):
    group = make_group(world)
    place(world, group, world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(world))
    assert response.status_code == 400
    assert "already on this group" in response.context["form"].errors["pupil"][0]


@pytest.mark.parametrize("role", ["ta", "teacher", "senior", "dsl", "admin"])
def test_only_managers_add_pupils(client, world, role):
    group = make_group(world)
    login(client, world, role)
    assert client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(world)).status_code == 403


def test_other_school_senco_cant_add_to_our_group(client, world):
    group = make_group(world)
    login(client, world, "other_school_senco")
    assert client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(world)).status_code == 404


# --- the placement page ---------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [("ta", 200), ("teacher", 404), ("senco", 200), ("dsl", 403),
                                         ("senior", 200), ("admin", 403), ("other_school_senco", 404),
                                         ("other_ta", 404)])
def test_placement_page_by_role(client, world, role, status):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, role)
    assert client.get(f"/interventions/placements/{placement.pk}/").status_code == status


def test_placement_of_a_pupil_off_the_caseload_is_404_even_on_the_tas_group(client, world):
    placement = place(world, make_group(world), world.pupil_out)
    login(client, world, "ta")
    assert client.get(f"/interventions/placements/{placement.pk}/").status_code == 404


def test_senior_leader_reads_a_placement_without_the_forms(client, world):
    placement = place(world, make_group(world), world.pupil_out)
    login(client, world, "senior")
    response = client.get(f"/interventions/placements/{placement.pk}/")
    assert response.status_code == 200
    assert (response.context["scores_form"], response.context["review_form"], response.context["end_form"]) == (
        None, None, None)


def test_teacher_reads_a_placement_of_a_pupil_in_their_class(client, world):
    placement = place(world, make_group(world), world.pupil_class)
    login(client, world, "teacher")
    response = client.get(f"/interventions/placements/{placement.pk}/")
    assert response.status_code == 200
    assert response.context["scores_form"] is None and response.context["review_form"] is None


def test_placement_page_shows_target_counts_and_is_logged(client, world, django_assert_num_queries):
    group = make_group(world)
    placement = place(world, group, world.pupil_in)
    other = place(world, group, world.pupil_out)
    deliver(world, group, today() - 3 * DAY, present=[placement, other])
    deliver(world, group, today() - 2 * DAY, absent=[placement], present=[other])
    Session.objects.create(group=group, date=today() - DAY, status="cancelled", cancel_reason="trip",
                           recorded_by=world.people["ta"])
    login(client, world, "senco")
    client.get(f"/interventions/placements/{placement.pk}/")
    with django_assert_num_queries(9):
        response = client.get(f"/interventions/placements/{placement.pk}/")
    assert response.context["counts"] == {"on_register": 2, "attended": 1, "absent": 1}
    assert b"Attended 1 of 2 sessions delivered (1 absent)" in response.content
    assert AccessLog.objects.filter(action="interventions.placement.view", pupil=world.pupil_in).count() == 2


# --- scores, review, ending -----------------------------------------------------------------------

def scores(**kw):
    data = {"entry_score": "", "entry_date": "", "exit_score": "", "exit_date": "", "target_progress": ""}
    data.update(kw)
    return data


def test_ta_running_the_group_records_entry_and_exit_scores(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "ta")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/", scores(
        entry_score="40", entry_date=(today() - 20 * DAY).isoformat(), exit_score="55.5",
        exit_date=today().isoformat(), target_progress="3"))
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.change == Decimal("15.5") and placement.target_progress == 3
    event = Placement.pgh_event_model.objects.filter(pgh_obj_id=placement.pk).latest("pgh_id")
    assert event.pgh_context.metadata["action"] == "interventions.placement.scores"


def test_exit_before_entry_is_refused_next_to_the_field(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/", scores(
        entry_score="40", entry_date=today().isoformat(), exit_score="50", exit_date=(today() - 5 * DAY).isoformat()))
    assert response.status_code == 400
    assert "The exit can't be before the entry" in response.context["scores_form"].errors["exit_date"][0]
    assert b'value="50"' in response.content  # typed values kept


def test_exit_score_without_an_entry_score_is_refused(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/",
                           scores(exit_score="50", exit_date=today().isoformat()))
    assert response.status_code == 400
    assert "Record the entry score first" in response.context["scores_form"].errors["exit_score"][0]
    placement.refresh_from_db()
    assert placement.exit_score is None


def test_scores_outside_the_measure_are_refused(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/", scores(
        entry_score="-1", entry_date=today().isoformat(), exit_score="101", exit_date=today().isoformat()))
    assert response.status_code == 400
    errors = response.context["scores_form"].errors
    assert "The lowest score on this measure is 0" in errors["entry_score"][0]
    assert "The highest score on this measure is 100" in errors["exit_score"][0]


def test_the_service_refuses_an_exit_without_entry_whoever_calls(world):
    from django.core.exceptions import ValidationError

    placement = place(world, make_group(world), world.pupil_in)
    with pytest.raises(ValidationError) as exc:
        services.record_scores(placement=placement, entry_score=None, entry_date=None, exit_score=Decimal("3"),
                               exit_date=today(), target_progress=None, acting_user=world.people["senco"])
    assert "exit_score" in exc.value.message_dict


@pytest.mark.parametrize("role,status", [("other_ta", 404), ("teacher", 404), ("dsl", 403), ("admin", 403)])
def test_scores_refused_to_people_who_dont_run_the_group(client, world, role, status):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, role)
    response = client.post(f"/interventions/placements/{placement.pk}/scores/",
                           scores(entry_score="40", entry_date=today().isoformat()))
    assert response.status_code == status


def test_ta_not_running_the_group_may_read_but_not_score(client, world):
    placement = place(world, make_group(world, staff=("other_ta",)), world.pupil_in)
    login(client, world, "ta")
    assert client.get(f"/interventions/placements/{placement.pk}/").context["scores_form"] is None
    response = client.post(f"/interventions/placements/{placement.pk}/scores/",
                           scores(entry_score="40", entry_date=today().isoformat()))
    assert response.status_code == 403


def test_senco_reviews_and_ends_a_placement(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/placements/{placement.pk}/review/", {
        "reviewed_on": today().isoformat(), "review_decision": "change", "review_score": "3",
        "review_notes": "Move to a smaller group", "end_placement": "on"})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.review_decision, placement.review_score, placement.reviewed_by, placement.ended_on) == (
        "change", 3, world.people["senco"], today())
    again = client.post(f"/interventions/placements/{placement.pk}/end/", {"ended_on": today().isoformat()})
    assert again.status_code == 400  # already ended: the end form isn't offered and the service refuses


def test_review_refuses_missing_decision_and_keeps_notes(client, world):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, "senco")
    response = client.post(f"/interventions/placements/{placement.pk}/review/", {
        "reviewed_on": (today() + DAY).isoformat(), "review_score": "9", "review_notes": "Typed notes"})
    assert response.status_code == 400
    errors = response.context["review_form"].errors
    assert errors["review_decision"] == ["Choose continue, change or stop."]
    assert "future" in errors["reviewed_on"][0] and "review_score" in errors
    assert b"Typed notes" in response.content


def test_ending_a_placement_frees_a_place(client, world):
    group = make_group(world, intervention=make_intervention(world.school, max_group_size=1))
    placement = place(world, group, world.pupil_out)
    login(client, world, "senco")
    early = client.post(f"/interventions/placements/{placement.pk}/end/",
                        {"ended_on": (placement.start_date - DAY).isoformat()})
    assert early.status_code == 400 and "started on" in early.context["end_form"].errors["ended_on"][0]
    assert client.post(f"/interventions/placements/{placement.pk}/end/",
                       {"ended_on": today().isoformat()}).status_code == 302
    assert client.post(f"/interventions/groups/{group.pk}/pupils/add/", placement_post(world)).status_code == 302


@pytest.mark.parametrize("role", ["ta", "teacher", "senior", "dsl", "admin"])
def test_only_managers_review_or_end(client, world, role):
    placement = place(world, make_group(world), world.pupil_in)
    login(client, world, role)
    assert client.post(f"/interventions/placements/{placement.pk}/review/", {}).status_code == 403
    assert client.post(f"/interventions/placements/{placement.pk}/end/", {}).status_code == 403


# --- the pupil page panel -------------------------------------------------------------------------

class _Request:
    def __init__(self, user, school):
        self.user = user
        self.staff = staff_context_for(user, school)


def test_pupil_panel_lists_current_interventions_in_two_queries(world, django_assert_num_queries):
    placement = place(world, make_group(world), world.pupil_in)
    request = _Request(world.people["ta"], world.school)
    with django_assert_num_queries(2):
        panel = interventions_panel(request, pupil=world.pupil_in)
    assert panel.context["placements"] == [placement]
    assert interventions_panel(_Request(world.people["dsl"], world.school), pupil=world.pupil_in) is None
    assert interventions_panel(_Request(world.people["admin"], world.school), pupil=world.pupil_in) is None


def test_pupil_page_shows_the_panel_once_registered(client, world):
    from interventions.panels_placements import register
    from sendsupport import panels

    place(world, make_group(world), world.pupil_in)
    before = list(panels._registries.get("pupil", []))
    register()
    register()  # idempotent: ready() may run it once, tests again
    try:
        login(client, world, "ta")
        response = client.get(f"/pupils/{world.pupil_in.pk}/")
        assert response.status_code == 200
        assert b"Interventions and therapy" in response.content and b"Will name three feelings" in response.content
    finally:
        panels._registries["pupil"] = before
