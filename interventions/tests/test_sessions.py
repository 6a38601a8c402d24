"""Sessions in seconds: "my sessions today", recording a whole group in one step (attendance,
absence reasons, ratings, regulation, cancellation), the refusals, the evidence it adds to a linked
outcome, the session history and the home panel; permissions for every role; query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import staff_context_for
from interventions import services_sessions
from interventions.models import Attendance, Group, Intervention, Placement, Session
from interventions.panels_sessions import sessions_today_panel
from plans.models import ProgressEvidence, Rating
from plans.tests.test_evidence import in_force_plan, outcome_of
from pupils.factories import CaseloadEntryFactory, PupilFactory
from sendsupport.models import AccessLog

ALL_DAYS = [0, 1, 2, 3, 4, 5, 6]  # tests run on any day of the week


def today():
    return timezone.localdate()


def make_intervention(world, school=None, **kw):
    defaults = dict(name="ELSA", area_of_need="semh", minutes_per_session=30, cost_per_hour=Decimal("24.00"),
                    rates_sessions=True, records_regulation=False, measure="SDQ")
    defaults.update(kw)
    return Intervention.objects.create(school=school or world.school, **defaults)


def make_group(world, intervention=None, *, staff=("ta",), days=ALL_DAYS, name="ELSA Tuesday", start=None,
               end=None, school=None, **kw):
    school = school or world.school
    if intervention is None:
        intervention = (Intervention.objects.filter(school=school, name="ELSA").first()
                        or make_intervention(world, school=school))
    group = Group.objects.create(
        school=school, intervention=intervention, name=name, days=days, starts_at=datetime.time(10, 15),
        minutes_per_session=30, start_date=start or today() - datetime.timedelta(days=14),
        planned_end_date=end or today() + datetime.timedelta(days=30), created_by=world.people["senco"], **kw)
    group.staff.set([world.people[s] for s in staff])
    return group


def place(world, group, pupil, outcome=None, **kw):
    defaults = dict(smart_target="Will name three feelings and a strategy for each", start_date=group.start_date,
                    end_date=group.planned_end_date, review_due=group.planned_end_date,
                    created_by=world.people["senco"])
    defaults.update(kw)
    return Placement.objects.create(group=group, pupil=pupil, outcome=outcome, **defaults)


def ta_pupil(world, first="Ruby", last="Patel"):
    pupil = PupilFactory(school=world.school, class_group=world.class_out, legal_first_name=first,
                         legal_last_name=last)
    CaseloadEntryFactory(school=world.school, user=world.people["ta"], pupil=pupil)
    return pupil


@pytest.fixture
def elsa(world):
    """The TA's ELSA group with two pupils on their caseload; the first serves an EHCP outcome."""
    outcome = outcome_of(in_force_plan(world))
    group = make_group(world)
    p1 = place(world, group, world.pupil_in, outcome=outcome)
    p2 = place(world, group, ta_pupil(world))
    return group, p1, p2, outcome


def url(group, day=None):
    if day is None:
        return f"/interventions/groups/{group.pk}/sessions/"
    return f"/interventions/groups/{group.pk}/sessions/{day.isoformat()}/"


def post_data(rows, **session):
    """rows: list of dicts with placement and the per-pupil fields."""
    data = {"status": "delivered", "minutes": "30", "cancel_reason": "", "note": "Feelings thermometer",
            "form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    data.update({k: str(v) for k, v in session.items()})
    for i, row in enumerate(rows):
        row = {"status": "present", "absence_reason": "", **row}
        for key, value in row.items():
            data[f"form-{i}-{key}"] = str(value.pk if key == "placement" else value)
    return data


# --- recording in one step -----------------------------------------------------------------------

def test_ta_records_whole_group_in_one_step(client, world, elsa):
    group, p1, p2, outcome = elsa
    group.intervention.records_regulation = True
    group.intervention.save()
    client.force_login(world.people["ta"])
    form = client.get(url(group, today()))
    assert form.status_code == 200
    assert "Amelia" in form.content.decode() and "Ruby" in form.content.decode()
    assert form.context["form"]["minutes"].value() == 30  # the group's minutes by default

    response = client.post(url(group, today()), post_data([
        {"placement": p1, "rating": Rating.DEVELOPING, "regulation": "more"},
        {"placement": p2, "status": "absent", "absence_reason": "Off sick"},
    ], minutes=25, note="Feelings thermometer"))
    assert response.status_code == 302 and response.url == "/interventions/today/"
    session = Session.objects.get(group=group, date=today())
    assert (session.status, session.minutes, session.note, session.recorded_by) == (
        "delivered", 25, "Feelings thermometer", world.people["ta"])
    marks = {a.placement_id: a for a in session.attendance.all()}
    assert (marks[p1.pk].status, marks[p1.pk].rating, marks[p1.pk].regulation) == ("present", Rating.DEVELOPING, "more")
    assert (marks[p2.pk].status, marks[p2.pk].absence_reason, marks[p2.pk].rating) == ("absent", "Off sick", None)

    # The rating is progress evidence on the linked outcome, and shows on its timeline.
    evidence = ProgressEvidence.objects.get(outcome_lineage=outcome.lineage)
    assert (evidence.rating, evidence.observed_on, evidence.note, evidence.recorded_by) == (
        Rating.DEVELOPING, today(), "ELSA session: Feelings thermometer", world.people["ta"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/")
    assert page.status_code == 200 and "ELSA session: Feelings thermometer" in page.content.decode()


def test_regulation_and_rating_only_where_the_intervention_uses_them(client, world):
    circuits = make_intervention(world, name="Sensory circuits", rates_sessions=False, records_regulation=True)
    group = make_group(world, circuits, name="Morning circuits")
    p = place(world, group, world.pupil_in)
    client.force_login(world.people["ta"])
    page = client.get(url(group, today())).content.decode()
    assert "Regulation afterwards" in page and "Session target" not in page
    response = client.post(url(group, today()), post_data([{"placement": p, "regulation": "less",
                                                             "rating": Rating.SECURE}]))
    assert response.status_code == 302
    a = Attendance.objects.get(placement=p)
    assert (a.regulation, a.rating) == ("less", None)  # no rating field on this intervention
    assert not ProgressEvidence.objects.exists()


def test_past_planned_date_can_be_recorded_and_returns_to_history(client, world, elsa):
    group, p1, p2, _ = elsa
    day = today() - datetime.timedelta(days=3)
    client.force_login(world.people["ta"])
    response = client.post(url(group, day), post_data([{"placement": p1}, {"placement": p2}]))
    assert response.status_code == 302 and response.url == url(group)
    assert not ProgressEvidence.objects.exists()  # present without a rating: no evidence
    assert Session.objects.get(group=group).date == day


def test_absent_without_a_reason_is_explained_next_to_the_field_and_nothing_saved(client, world, elsa):
    group, p1, p2, _ = elsa
    client.force_login(world.people["ta"])
    response = client.post(url(group, today()), post_data([
        {"placement": p1, "rating": Rating.SECURE}, {"placement": p2, "status": "absent"},
    ], note="Kept this note", minutes=20))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give a reason for the absence." in html
    assert 'id="id_form-1-absence_reason-errors"' in html and 'aria-invalid="true"' in html
    assert "Kept this note" in html and 'value="20"' in html  # everything typed is kept
    assert re.search(r'name="form-0-rating" value="3"[^>]*checked', html)  # the rating chosen is kept
    assert re.search(r'name="form-1-status" value="absent"[^>]*checked', html)
    assert not Session.objects.exists() and not Attendance.objects.exists() and not ProgressEvidence.objects.exists()


def test_absent_pupil_cannot_be_rated(client, world, elsa):
    group, p1, p2, _ = elsa
    client.force_login(world.people["ta"])
    response = client.post(url(group, today()), post_data([
        {"placement": p1}, {"placement": p2, "status": "absent", "absence_reason": "Sick", "rating": Rating.SECURE},
    ]))
    assert response.status_code == 400
    assert "An absent pupil&#x27;s session can&#x27;t be rated." in response.content.decode()
    assert not Session.objects.exists()


def test_minutes_out_of_range_and_missing_status_are_explained(client, world, elsa):
    group, p1, p2, _ = elsa
    client.force_login(world.people["ta"])
    data = post_data([{"placement": p1}, {"placement": p2}], minutes=500)
    del data["form-1-status"]
    response = client.post(url(group, today()), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter between 1 and 240 minutes." in html and "Choose present or absent." in html
    assert not Session.objects.exists()


def test_cancelled_session_with_a_reason(client, world, elsa):
    group, p1, p2, _ = elsa
    client.force_login(world.people["ta"])
    missing = client.post(url(group, today()), post_data([{"placement": p1}, {"placement": p2}],
                                                         status="cancelled", minutes=""))
    assert missing.status_code == 400 and "Say why the session was cancelled." in missing.content.decode()
    assert not Session.objects.exists()
    # Pupils' rows are ignored when cancelled, even half-filled ones.
    response = client.post(url(group, today()), post_data(
        [{"placement": p1, "status": ""}, {"placement": p2, "status": "absent"}],
        status="cancelled", cancel_reason="Staff absence", minutes=""))
    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.status, session.cancel_reason, session.minutes) == ("cancelled", "Staff absence", None)
    assert not session.attendance.exists() and not ProgressEvidence.objects.exists()


# --- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case, message", [
    ("future", "is in the future"),
    ("before_start", "is outside ELSA Tuesday"),
    ("after_end", "is outside ELSA Tuesday"),
    ("not_a_group_day", "doesn&#x27;t meet on a"),
])
def test_dates_that_are_not_planned_sessions_are_refused(client, world, case, message):
    days = [today().weekday()] if case == "not_a_group_day" else ALL_DAYS
    end = today() - datetime.timedelta(days=10) if case == "after_end" else today() + datetime.timedelta(days=30)
    group = make_group(world, days=days, start=today() - datetime.timedelta(days=30), end=end)
    p = place(world, group, world.pupil_in)
    day = {"future": today() + datetime.timedelta(days=7),
           "before_start": group.start_date - datetime.timedelta(days=7),
           "after_end": today() - datetime.timedelta(days=3),
           "not_a_group_day": today() - datetime.timedelta(days=1)}[case]
    client.force_login(world.people["ta"])
    for response in (client.get(url(group, day)), client.post(url(group, day), post_data([{"placement": p}]))):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Session.objects.exists()


def test_a_nonsense_date_is_404(client, world, elsa):
    client.force_login(world.people["ta"])
    assert client.get(f"/interventions/groups/{elsa[0].pk}/sessions/2026-02-31/").status_code == 404


def test_placement_of_another_group_is_refused_with_a_message(client, world, elsa):
    group, p1, p2, _ = elsa
    other = make_group(world, name="Lego club", staff=("ta",))
    stranger = place(world, other, world.pupil_in)
    client.force_login(world.people["ta"])
    response = client.post(url(group, today()), post_data([{"placement": p1}, {"placement": stranger}]))
    assert response.status_code == 400
    assert "isn&#x27;t on this group on this date" in response.content.decode()
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_service_refuses_a_pupil_not_on_the_placement(world, elsa):
    group, p1, p2, _ = elsa
    other = make_group(world, name="Lego club")
    stranger = place(world, other, world.pupil_out)
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError, match="isn't on this group"):
        services_sessions.record_session(
            group=group, date=today(), status="delivered", minutes=30, placements=[p1, p2],
            attendance=[{"placement_id": p1.pk, "status": "present"}, {"placement_id": stranger.pk, "status": "present"}],
            acting_user=world.people["ta"])
    with pytest.raises(ValidationError, match="is in the future"):
        services_sessions.record_session(group=group, date=today() + datetime.timedelta(days=1), status="delivered",
                                         placements=[p1], attendance=[], acting_user=world.people["ta"])
    assert not Session.objects.exists()


def test_ended_placement_is_not_on_the_form(client, world, elsa):
    group, p1, p2, _ = elsa
    p2.ended_on = today() - datetime.timedelta(days=1)
    p2.save()
    client.force_login(world.people["ta"])
    assert "Ruby" not in client.get(url(group, today())).content.decode()
    assert "Ruby" in client.get(url(group, today() - datetime.timedelta(days=2))).content.decode()
    response = client.post(url(group, today()), post_data([{"placement": p1}, {"placement": p2}]))
    assert response.status_code == 400 and not Session.objects.exists()


def test_recorded_session_is_shown_read_only_and_not_recorded_twice(client, world, elsa):
    group, p1, p2, _ = elsa
    client.force_login(world.people["ta"])
    client.post(url(group, today()), post_data([{"placement": p1}, {"placement": p2}]))
    page = client.get(url(group, today()))
    html = page.content.decode()
    assert page.status_code == 200 and "Recorded by Ta Person" in html and "can't be changed" in html
    again = client.post(url(group, today()), post_data([{"placement": p1, "status": "absent",
                                                         "absence_reason": "x"}, {"placement": p2}]))
    assert again.status_code == 302
    assert Session.objects.count() == 1 and Attendance.objects.filter(status="absent").count() == 0


# --- permissions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, today_status, record_status, history_status", [
    ("ta", 200, 200, 200),
    ("other_ta", 200, 404, 404),  # another TA's group doesn't exist for them
    ("teacher", 200, 404, 404),
    ("senco", 200, 200, 200),
    ("senior", 403, 403, 200),  # reads every group (history), records none: not their job
    ("dsl", 403, 403, 403),
    ("admin", 403, 403, 403),
    ("other_school_senco", 200, 404, 404),
])
def test_permissions_per_role(client, world, elsa, who, today_status, record_status, history_status):
    group, p1, p2, _ = elsa
    client.force_login(world.people[who])
    assert client.get("/interventions/today/").status_code == today_status
    assert client.get(url(group, today())).status_code == record_status
    assert client.post(url(group, today()), post_data([{"placement": p1}, {"placement": p2}])).status_code in (
        {302} if record_status == 200 else {record_status})
    assert client.get(url(group)).status_code == history_status
    assert Session.objects.count() == (1 if record_status == 200 else 0)


def test_teacher_who_runs_a_group_records_it(client, world):
    group = make_group(world, staff=("teacher",), name="Lego club")
    p = place(world, group, world.pupil_class)
    client.force_login(world.people["teacher"])
    assert "Lego club" in client.get("/interventions/today/").content.decode()
    assert client.post(url(group, today()), post_data([{"placement": p}])).status_code == 302


def test_ta_sees_only_their_groups_today_and_only_visible_pupils(client, world, elsa):
    group, p1, p2, _ = elsa
    place(world, group, world.pupil_out)  # on the group, not on the TA's caseload
    make_group(world, staff=("other_ta",), name="Other TA's group")
    make_group(world, staff=("ta",), name="Not today", days=[(today().weekday() + 1) % 7])
    make_group(world, staff=("ta",), name="Ended group", ended_on=today() - datetime.timedelta(days=1))
    other_school_group = make_group(world, school=world.other_school, name="Riverside group",
                                    staff=("other_school_senco",))
    client.force_login(world.people["ta"])
    html = client.get("/interventions/today/").content.decode()
    assert "ELSA Tuesday" in html and "Amelia" in html and "Ruby" in html
    for absent in ("Isla", "Other TA", "Not today", "Ended group", "Riverside group"):
        assert absent not in html
    assert client.get(url(other_school_group, today())).status_code == 404
    assert "Isla" not in client.get(url(group, today())).content.decode()


def test_record_pages_are_logged(client, world, elsa):
    group = elsa[0]
    client.force_login(world.people["ta"])
    client.get(url(group, today()))
    client.get(url(group))
    assert set(AccessLog.objects.values_list("action", flat=True)) >= {
        "interventions.session.record_form", "interventions.session_history.view"}


# --- history --------------------------------------------------------------------------------------

def test_history_shows_planned_delivered_cancelled_and_missed(client, world, elsa):
    group, p1, p2, _ = elsa
    ta = world.people["ta"]
    d1, d2 = today() - datetime.timedelta(days=2), today() - datetime.timedelta(days=1)
    services_sessions.record_session(group=group, date=d1, status="delivered", minutes=30, placements=[p1, p2],
                                     attendance=[{"placement_id": p1.pk, "status": "present"},
                                                 {"placement_id": p2.pk, "status": "absent",
                                                  "absence_reason": "Trip"}], acting_user=ta)
    services_sessions.record_session(group=group, date=d2, status="cancelled", cancel_reason="Assembly",
                                     placements=[p1, p2], attendance=[], acting_user=ta)
    client.force_login(world.people["senco"])
    response = client.get(url(group))
    ctx = response.context
    assert ctx["planned"] == 15  # every day for 14 days back plus today
    assert ctx["counts"] == {"delivered": 1, "cancelled": 1, "missed": 12, "due": 1}
    rates = {p.pk: (p.present, p.recorded) for p in ctx["placements"]}
    assert rates == {p1.pk: (1, 1), p2.pk: (0, 1)}
    assert "Assembly" in response.content.decode()


# --- home panel -----------------------------------------------------------------------------------

def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.staff = staff_context_for(user)
    return request


def test_home_panel_lists_todays_sessions_for_session_recorders(world, elsa, django_assert_num_queries):
    request = _request(world.people["ta"])
    with django_assert_num_queries(2):
        panel = sessions_today_panel(request)
    assert [g.name for g in panel.context["groups"]] == ["ELSA Tuesday"]
    assert [p.pupil.legal_first_name for p in panel.context["groups"][0].today_placements] == ["Amelia", "Ruby"]
    for who in ("dsl", "admin"):
        assert sessions_today_panel(_request(world.people[who])) is None
    assert sessions_today_panel(_request(world.people["other_ta"])) is None  # nothing today: no panel


def test_home_panel_renders(world, elsa):
    from django.template.loader import render_to_string
    panel = sessions_today_panel(_request(world.people["ta"]))
    html = render_to_string(panel.template, {"ctx": panel.context})
    assert "My sessions today" in html and "Record" in html and "Amelia Hughes" in html


# --- query counts ---------------------------------------------------------------------------------

def _more_groups(world, n):
    for i in range(n):
        g = make_group(world, name=f"Group {i}")
        for j in range(3):
            place(world, g, ta_pupil(world, first=f"P{i}{j}", last="Extra"))


def test_today_page_query_count_is_flat(client, world, elsa, django_assert_num_queries):
    client.force_login(world.people["ta"])
    client.get("/interventions/today/")
    with django_assert_num_queries(8):
        assert client.get("/interventions/today/").status_code == 200
    _more_groups(world, 4)
    with django_assert_num_queries(8):
        assert "Group 3" in client.get("/interventions/today/").content.decode()


def test_record_form_query_count_is_flat(client, world, elsa, django_assert_num_queries):
    group = elsa[0]
    client.force_login(world.people["ta"])
    client.get(url(group, today()))
    with django_assert_num_queries(11):
        assert client.get(url(group, today())).status_code == 200
    for j in range(5):
        place(world, group, ta_pupil(world, first=f"Q{j}", last="More"))
    with django_assert_num_queries(11):
        assert "Q4" in client.get(url(group, today())).content.decode()


def test_history_query_count_is_flat(client, world, elsa, django_assert_num_queries):
    group, p1, p2, _ = elsa

    def record(back):
        services_sessions.record_session(
            group=group, date=today() - datetime.timedelta(days=back), status="delivered", minutes=30,
            placements=[p1, p2], attendance=[{"placement_id": p1.pk, "status": "present"},
                                             {"placement_id": p2.pk, "status": "present"}],
            acting_user=world.people["ta"])

    record(1)
    client.force_login(world.people["ta"])
    client.get(url(group))
    with django_assert_num_queries(12):  # 4 per request (session, user, membership, pghistory context) + 8
        assert client.get(url(group)).status_code == 200
    for back in range(2, 8):
        record(back)
    for j in range(4):
        place(world, group, ta_pupil(world, first=f"H{j}", last="More"))
    with django_assert_num_queries(12):
        assert "H3" in client.get(url(group)).content.decode()
