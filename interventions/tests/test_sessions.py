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


def test_ta_sees_only_their_groups_today_with_everyone_on_them(client, world, elsa):
    group, p1, p2, _ = elsa
    place(world, group, world.pupil_out)  # on the group, not on the TA's caseload: named all the same
    make_group(world, staff=("other_ta",), name="Other TA's group")
    make_group(world, staff=("ta",), name="Not today", days=[(today().weekday() + 1) % 7])
    make_group(world, staff=("ta",), name="Ended group", ended_on=today() - datetime.timedelta(days=1))
    other_school_group = make_group(world, school=world.other_school, name="Riverside group",
                                    staff=("other_school_senco",))
    client.force_login(world.people["ta"])
    html = client.get("/interventions/today/").content.decode()
    assert "ELSA Tuesday" in html and "Amelia" in html and "Ruby" in html and "Isla Morgan" in html
    for absent in ("Other TA", "Not today", "Ended group", "Riverside group"):
        assert absent not in html
    assert client.get(url(other_school_group, today())).status_code == 404
    assert "Isla Morgan" in client.get(url(group, today())).content.decode()


def test_record_pages_are_logged(client, world, elsa):
    group = elsa[0]
    client.force_login(world.people["ta"])
    client.get(url(group, today()))
    client.get(url(group))
    assert set(AccessLog.objects.values_list("action", flat=True)) >= {
        "interventions.session.record_form", "interventions.session_history.view"}


# --- the group's own staff keep its register, whoever's caseload its pupils are on --------------------

@pytest.fixture
def mixed(world):
    """The TA's ELSA group (rated sessions): Amelia (their caseload, serving an EHCP outcome) and
    Isla (nobody's caseload, in 4B, serving an outcome of her own plan)."""
    group = make_group(world)
    amelia = place(world, group, world.pupil_in, outcome=outcome_of(in_force_plan(world)),
                   smart_target="Amelia will name three feelings")
    isla_outcome = outcome_of(in_force_plan(world, pupil=world.pupil_out))
    isla = place(world, group, world.pupil_out, outcome=isla_outcome, smart_target="Isla will ask for a break")
    return group, amelia, isla


def test_ta_running_a_group_names_and_marks_every_pupil_on_it(client, world, mixed):
    group, amelia, isla = mixed
    client.force_login(world.people["ta"])
    form = client.get(url(group, today()))
    html = form.content.decode()
    assert form.status_code == 200
    assert re.search(r"<legend>Isla Morgan <span class=\"pupil-class\">4B</span></legend>", html)
    assert "Amelia will name three feelings" in html  # their own pupil's target
    assert "Isla will ask for a break" not in html and "Not on your caseload: mark attendance only" in html
    assert 'name="form-0-rating"' in html and 'name="form-1-rating"' not in html  # Isla isn't rated
    assert f"/pupils/{world.pupil_out.pk}/" not in html and f"/interventions/placements/{isla.pk}/" not in html

    response = client.post(url(group, today()), post_data([
        {"placement": amelia, "rating": Rating.SECURE},
        {"placement": isla, "status": "absent", "absence_reason": "At the dentist", "rating": Rating.SECURE},
    ], note="Feelings thermometer"))
    assert response.status_code == 302
    session = Session.objects.get(group=group)
    assert (session.note, session.recorded_by) == ("Feelings thermometer", world.people["ta"])
    marks = {a.placement_id: (a.status, a.absence_reason, a.rating) for a in session.attendance.all()}
    assert marks == {amelia.pk: ("present", "", Rating.SECURE), isla.pk: ("absent", "At the dentist", None)}
    # The rating became evidence on Amelia's outcome only; nothing was written to Isla's plan.
    assert [e.pupil_id for e in ProgressEvidence.objects.all()] == [world.pupil_in.pk]


def test_present_pupil_off_the_caseload_is_marked_not_rated(client, world, mixed):
    group, amelia, isla = mixed
    client.force_login(world.people["ta"])
    response = client.post(url(group, today()), post_data([
        {"placement": amelia}, {"placement": isla, "rating": Rating.ACHIEVED}]))
    assert response.status_code == 302
    assert Attendance.objects.get(placement=isla).rating is None  # no rating field for her: not taken
    assert not ProgressEvidence.objects.exists()


def test_service_refuses_a_rating_of_a_pupil_off_the_recorders_caseload(world, mixed):
    from django.core.exceptions import ValidationError
    group, amelia, isla = mixed
    rows = [{"placement_id": amelia.pk, "status": "present", "rating": Rating.SECURE},
            {"placement_id": isla.pk, "status": "present", "rating": Rating.SECURE}]
    with pytest.raises(ValidationError, match="Isla Morgan isn't on your caseload"):
        services_sessions.record_session(group=group, date=today(), status="delivered", minutes=30,
                                         placements=[amelia, isla], attendance=rows, acting_user=world.people["ta"])
    assert not Session.objects.exists() and not ProgressEvidence.objects.exists()
    # The SENCo sees every pupil of the school: both ratings are theirs to give.
    services_sessions.record_session(group=group, date=today(), status="delivered", minutes=30,
                                     placements=[amelia, isla], attendance=rows, acting_user=world.people["senco"])
    assert set(Attendance.objects.values_list("rating", flat=True)) == {Rating.SECURE}
    assert ProgressEvidence.objects.count() == 2


def _record(world, group, day, rows, by="senco"):
    return services_sessions.record_session(group=group, date=day, status="delivered", minutes=30,
                                            placements=[p for p, _ in rows], acting_user=world.people[by],
                                            attendance=[{"placement_id": p.pk, **row} for p, row in rows])


def test_recorded_session_shows_pupils_off_the_caseload_by_name_class_and_mark_only(client, world, mixed):
    group, amelia, isla = mixed
    group.intervention.records_regulation = True
    group.intervention.save()
    day = today() - datetime.timedelta(days=1)
    _record(world, group, day, [(amelia, {"status": "absent", "absence_reason": "Off sick"}),
                                (isla, {"status": "absent", "absence_reason": "At the dentist"})])
    _record(world, group, today(), [(amelia, {"status": "present", "rating": Rating.SECURE}),
                                    (isla, {"status": "present", "rating": Rating.EMERGING, "regulation": "less"})])
    client.force_login(world.people["ta"])
    html = client.get(url(group, day)).content.decode()
    assert "Isla Morgan</span> <span class=\"small text-body-secondary\">4B</span>:" in html
    assert "absent (Off sick)" in html  # Amelia: their caseload, every detail
    assert "dentist" not in html and "not on your caseload: attendance only" in html
    html = client.get(url(group, today())).content.decode()
    assert "session target secure" in html and "emerging" not in html and "less regulated" not in html
    assert "Isla will ask for a break" not in html and f"/pupils/{world.pupil_out.pk}/" not in html
    # The SENCo reads every detail.
    client.force_login(world.people["senco"])
    assert "absent (At the dentist)" in client.get(url(group, day)).content.decode()


def test_the_ta_reads_back_what_they_wrote_about_a_pupil_off_their_caseload(client, world, mixed):
    group, amelia, isla = mixed
    day = today() - datetime.timedelta(days=1)
    _record(world, group, day, [(amelia, {"status": "present"}),
                                (isla, {"status": "absent", "absence_reason": "At the dentist"})], by="ta")
    client.force_login(world.people["ta"])
    assert "Isla Morgan" in (html := client.get(url(group, day)).content.decode())
    assert "absent (At the dentist)" in html


def test_history_names_every_pupil_with_their_marks_and_nothing_else(client, world, mixed):
    group, amelia, isla = mixed
    day = today() - datetime.timedelta(days=1)
    _record(world, group, day, [(amelia, {"status": "present"}),
                                (isla, {"status": "absent", "absence_reason": "At the dentist"})])
    client.force_login(world.people["ta"])
    response = client.get(url(group))
    html = response.content.decode()
    assert [p.pupil for p in response.context["placements"]] == [world.pupil_in, world.pupil_out]
    assert "<th scope=\"col\">Isla Morgan</th>" in html and "Isla Morgan</span> <span class=\"small text-body-secondary\">4B</span>" in html
    assert {p.pupil_id: (p.present, p.recorded) for p in response.context["placements"]} == {
        world.pupil_in.pk: (1, 1), world.pupil_out.pk: (0, 1)}
    row = next(r for r in response.context["rows"] if r.date == day)
    assert [m.status for m in row.marks] == ["present", "absent"]
    assert "dentist" not in html and "Isla will ask for a break" not in html
    assert f"/interventions/placements/{isla.pk}/" not in html and f"/pupils/{world.pupil_out.pk}/" not in html


def test_a_pupil_who_left_the_school_off_the_caseload_is_counted_not_named(client, world, mixed):
    from pupils.services import archive_pupil
    group, amelia, isla = mixed
    day = today() - datetime.timedelta(days=1)
    _record(world, group, day, [(amelia, {"status": "present"}), (isla, {"status": "present"})])
    archive_pupil(pupil=world.pupil_out, acting_user=world.people["senco"])
    client.force_login(world.people["ta"])
    for page in (url(group, day), url(group), f"/interventions/groups/{group.pk}/"):
        html = client.get(page).content.decode()
        assert "Isla" not in html and "1 more pupil who has left the school, not on your caseload" in html, page
    form = client.get(url(group, today()))
    assert "Isla" not in form.content.decode() and [p.pk for p in form.context["formset"].placements] == [amelia.pk]


@pytest.mark.parametrize("who", ["other_ta", "teacher"])
def test_staff_not_named_on_the_group_see_nothing_of_it(client, world, mixed, who):
    group, amelia, isla = mixed
    _record(world, group, today() - datetime.timedelta(days=1), [(amelia, {"status": "present"}),
                                                                 (isla, {"status": "present"})])
    client.force_login(world.people[who])
    for page in (url(group), url(group, today()), url(group, today() - datetime.timedelta(days=1)),
                 f"/interventions/groups/{group.pk}/"):
        response = client.get(page)
        assert response.status_code == 404 and b"Isla" not in response.content, page
    assert b"Isla" not in client.get("/interventions/today/").content


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
    for j in range(3):  # on the group, on nobody's caseload: named too, at no extra query
        place(world, group, PupilFactory(school=world.school, legal_first_name=f"N{j}", legal_last_name="Named"))
    with django_assert_num_queries(11):
        html = client.get(url(group, today())).content.decode()
    assert "Q4" in html and "N2 Named" in html


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
    for j in range(2):  # on nobody's caseload: a column each, at no extra query
        place(world, group, PupilFactory(school=world.school, legal_first_name=f"N{j}", legal_last_name="Named"))
    with django_assert_num_queries(12):
        html = client.get(url(group)).content.decode()
    assert "H3" in html and "N1 Named" in html


def test_recorded_session_query_count_is_flat(client, world, elsa, django_assert_num_queries):
    group, p1, p2, _ = elsa

    def record(back, placements):
        day = today() - datetime.timedelta(days=back)
        services_sessions.record_session(
            group=group, date=day, status="delivered", minutes=30, placements=placements,
            attendance=[{"placement_id": p.pk, "status": "absent", "absence_reason": "Trip"} for p in placements],
            acting_user=world.people["senco"])
        return url(group, day)

    small = record(1, [p1, p2])
    client.force_login(world.people["ta"])
    client.get(small)
    # session, user, membership, pghistory context; the group, the session, its marks (with who is on
    # the TA's caseload, in the same query); the session's save (savepoint, update, release)
    with django_assert_num_queries(10) as counted:
        assert client.get(small).status_code == 200
    more = [place(world, group, ta_pupil(world, first=f"R{j}", last="More")) for j in range(3)]
    more += [place(world, group, PupilFactory(school=world.school, legal_first_name=f"N{j}", legal_last_name="Named"))
             for j in range(3)]
    large = record(2, [p1, p2, *more])
    with django_assert_num_queries(len(counted)):
        html = client.get(large).content.decode()
    assert "R2 More" in html and "N2 Named" in html and html.count("absent (Trip)") == 5
