"""Who reads intimate care records: staff named on the plan in force, the SENCo and the DSL team.
Everyone else (senior leaders, teachers and TAs not named, office staff, another school) gets a 404
on every page and sees nothing in panels, lists or the pupil's history; every read is logged."""

import pytest
from django.urls import reverse

from personalcare.models import CareLog
from sendsupport.models import AccessLog

from .conftest import log_care

PAGES = ["list", "pupil", "log", "log_detail", "plan_detail", "plan_edit"]


def urls(world, log):
    return {
        "list": reverse("personalcare:list"),
        "pupil": reverse("personalcare:pupil", args=[world.pupil_in.pk]),
        "log": reverse("personalcare:log", args=[world.pupil_in.pk]),
        "log_detail": reverse("personalcare:log_detail", args=[log.pk]),
        "plan_detail": reverse("personalcare:plan_detail", args=[world.plan.pk]),
        "plan_edit": reverse("personalcare:plan_edit", args=[world.plan.pk]),
    }


@pytest.mark.parametrize("who, expected", [
    # list, pupil page, quick log, a log, the plan, editing the plan
    ("ta", [200, 200, 200, 200, 200, 403]),  # named: reads and logs, doesn't write the plan
    ("teacher", [200, 200, 200, 200, 200, 403]),  # named too
    ("other_ta", [200, 404, 404, 404, 404, 404]),  # named only on Isla's plan: Amelia's doesn't exist for them
    ("senco", [200, 200, 403, 200, 200, 302]),  # reads all, writes plans; logs only if named
    ("dsl", [200, 200, 403, 200, 200, 403]),  # reads all, no writing
    ("senior", [404, 404, 404, 404, 404, 404]),
    ("admin", [404, 404, 404, 404, 404, 404]),
    ("other_school_senco", [200, 404, 404, 404, 404, 404]),  # their own school's list (empty), nothing here
])
def test_each_role_reads_only_what_it_may(client, care, who, expected):
    log = log_care(care)
    client.force_login(care.people[who])
    got = [client.get(url).status_code for url in urls(care, log).values()]
    assert dict(zip(PAGES, got)) == dict(zip(PAGES, expected))


@pytest.mark.parametrize("who, status", [("other_ta", 404), ("senior", 404), ("admin", 404), ("dsl", 403),
                                         ("senco", 403), ("other_school_senco", 404)])
def test_only_named_staff_log_care(client, care, who, status):
    client.force_login(care.people[who])
    response = client.post(reverse("personalcare:log", args=[care.pupil_in.pk]), {
        "care_given": ["pad_change"], "occurred_at": "2026-01-05T10:30", "observations": ["none"]})
    assert response.status_code == status
    assert not CareLog.objects.exists()


@pytest.mark.parametrize("who", ["ta", "teacher", "senco", "dsl", "senior", "admin", "other_ta"])
def test_pupil_page_panel_only_for_those_allowed(client, care, who):
    client.force_login(care.people[who])
    if who in ("other_ta", "teacher"):  # they see Amelia's page only with her on their caseload
        from pupils.factories import CaseloadEntryFactory
        CaseloadEntryFactory(school=care.school, user=care.people[who], pupil=care.pupil_in)
    page = client.get(care.pupil_in.get_absolute_url())
    assert page.status_code == 200
    shows = "personalcare-panel-h" in page.content.decode()
    assert shows == (who in {"ta", "teacher", "senco", "dsl"})


def test_named_ta_sees_log_button_on_pupil_panel_and_home(client, care):
    client.force_login(care.people["ta"])
    page = client.get(care.pupil_in.get_absolute_url()).content.decode()
    assert reverse("personalcare:log", args=[care.pupil_in.pk]) in page
    home = client.get("/").content.decode()
    assert "care-today-heading" in home
    assert care.pupil_in.display_name in home and care.pupil_out.display_name in home


@pytest.mark.parametrize("who", ["senior", "admin", "dsl"])
def test_home_shows_no_care_panel_to_people_not_named(client, care, who):
    client.force_login(care.people[who])
    home = client.get("/").content.decode()
    assert "care-today-heading" not in home and "care-reviews-heading" not in home


def test_list_shows_named_staff_only_their_pupils(client, care):
    client.force_login(care.people["other_ta"])
    body = client.get(reverse("personalcare:list")).content.decode()
    assert care.pupil_out.display_name in body
    assert care.pupil_in.display_name not in body


def test_named_on_a_draft_only_reads_nothing(client, care):
    """Only the plan in force names staff: a draft naming someone gives them nothing yet."""
    from personalcare.factories import CarePlanFactory
    from personalcare.models import CarePlanStaff

    draft = CarePlanFactory(pupil=care.pupil_class, created_by=care.people["senco"])
    CarePlanStaff.objects.create(plan=draft, user=care.people["other_ta"])
    client.force_login(care.people["other_ta"])
    assert client.get(reverse("personalcare:pupil", args=[care.pupil_class.pk])).status_code == 404
    assert client.get(reverse("personalcare:plan_detail", args=[draft.pk])).status_code == 404


def test_removed_from_the_plan_means_no_more_access(client, care):
    from personalcare import services

    from .conftest import staff_of

    senco = staff_of(care.people["senco"], care.school)
    draft = services.amend_plan(staff=senco, plan=care.plan)
    draft.named_staff.remove(care.people["teacher"])
    draft.consent_given_by, draft.consent_given_on = "Mother", care.plan.consent_given_on
    draft.save()
    client.force_login(care.people["teacher"])
    assert client.get(reverse("personalcare:pupil", args=[care.pupil_in.pk])).status_code == 200
    services.sign_off_plan(staff=senco, plan=draft)
    assert client.get(reverse("personalcare:pupil", args=[care.pupil_in.pk])).status_code == 404
    assert client.get(reverse("personalcare:plan_detail", args=[care.plan.pk])).status_code == 404


def test_every_read_is_logged(client, care):
    log = log_care(care)
    client.force_login(care.people["ta"])
    for name, url in urls(care, log).items():
        if name != "plan_edit":
            before = AccessLog.objects.count()
            client.get(url)
            row = AccessLog.objects.latest("at")
            assert AccessLog.objects.count() == before + 1
            assert row.path == url and row.action.startswith("personalcare.")
            assert row.pupil_id is None  # not on the pupil's "who viewed" page (read by senior leaders)


def test_pupil_history_never_shows_care_records_to_senior_leaders(client, care):
    log_care(care, observations=["soreness"], observation_notes="Red patch on left thigh")
    client.force_login(care.people["senior"])
    body = client.get(reverse("pupils:history", args=[care.pupil_in.pk])).content.decode()
    assert "Red patch" not in body and "care plan" not in body.lower() and "Care log" not in body
    body = client.get(reverse("pupils:viewers", args=[care.pupil_in.pk])).content.decode()
    assert "personalcare" not in body and "personal care" not in body.lower()


@pytest.mark.parametrize("extra", [0, 6])
def test_list_query_count_is_flat(client, care, extra, django_assert_num_queries):
    from personalcare.factories import in_force_plan
    from pupils.factories import PupilFactory

    for _ in range(extra):
        pupil = PupilFactory(school=care.school)
        in_force_plan(pupil=pupil, senco=care.people["senco"], named=[care.people["ta"]])
        log_care(care, pupil=pupil)
    client.force_login(care.people["senco"])
    # session, user, memberships (staff context), MFA check, the plans (each pupil's last log a
    # subquery), the access-log insert (history context sent with it), session save (3)
    with django_assert_num_queries(QUERIES_LIST):
        assert client.get(reverse("personalcare:list")).status_code == 200


QUERIES_LIST = 9


@pytest.mark.parametrize("who, shown", [("ta", True), ("senco", True), ("dsl", True), ("senior", False),
                                        ("other_ta", False)])
def test_panels_cost_one_query_each(rf, care, who, shown, django_assert_num_queries):
    from personalcare.panels import care_due_panel, pupil_panel, reviews_due_panel

    from .conftest import staff_of

    for _ in range(4):
        log_care(care)
    request = rf.get("/")
    request.user, request.staff = care.people[who], staff_of(care.people[who], care.school)
    with django_assert_num_queries(1):  # the plan in force, whether it names the person, the last log
        assert (pupil_panel(request, pupil=care.pupil_in) is not None) == shown
    with django_assert_num_queries(1):  # plans naming the person, each with today's last log
        care_due_panel(request)
    with django_assert_num_queries(1 if who == "senco" else 0):  # plans in force due for review
        reviews_due_panel(request)


def test_dsl_list_leaves_out_the_senco_drafts(client, care):
    from personalcare.factories import CarePlanFactory

    CarePlanFactory(pupil=care.pupil_class, created_by=care.people["senco"])
    client.force_login(care.people["dsl"])
    assert care.pupil_class.display_name not in client.get(reverse("personalcare:list")).content.decode()
    client.force_login(care.people["senco"])
    assert care.pupil_class.display_name in client.get(reverse("personalcare:list")).content.decode()


@pytest.mark.parametrize("who, sees", [("ta", True), ("dsl", True), ("teacher", False), ("senco", False)])
def test_concern_marker_only_for_dsl_and_the_person_who_raised_it(client, care, who, sees):
    log = log_care(care, observations=["marks"], observation_notes="Bruise", raise_concern=True)  # by the TA
    client.force_login(care.people[who])
    pupil_page = client.get(reverse("personalcare:pupil", args=[care.pupil_in.pk])).content.decode()
    log_page = client.get(reverse("personalcare:log_detail", args=[log.pk])).content.decode()
    assert ("Safeguarding concern raised" in pupil_page) is sees
    assert ("A safeguarding concern was raised" in log_page) is sees
    assert "Bruise" in log_page  # the care record itself is theirs to read


def test_dsl_cannot_open_the_senco_drafts(client, care):
    from personalcare import services

    from .conftest import staff_of

    draft = services.amend_plan(staff=staff_of(care.people["senco"], care.school), plan=care.plan)
    client.force_login(care.people["dsl"])
    assert client.get(reverse("personalcare:plan_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("personalcare:plan_detail", args=[care.plan.pk])).status_code == 200
    assert draft.get_absolute_url() not in client.get(
        reverse("personalcare:pupil", args=[care.pupil_in.pk])).content.decode()
    client.force_login(care.people["senco"])
    assert client.get(reverse("personalcare:plan_detail", args=[draft.pk])).status_code == 200


def test_opening_a_draft_to_edit_is_logged(client, care):
    from personalcare.factories import CarePlanFactory

    draft = CarePlanFactory(pupil=care.pupil_class, created_by=care.people["senco"])
    client.force_login(care.people["senco"])
    url = reverse("personalcare:plan_edit", args=[draft.pk])
    assert client.get(url).status_code == 200
    row = AccessLog.objects.get(path=url)
    assert (row.action, row.user, row.pupil_id) == ("personalcare.plan.edit", care.people["senco"], None)
