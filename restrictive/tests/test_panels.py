"""The panels this app adds (the incident page, the home page, the pupil page) and the detail page:
what each shows to whom, in a fixed number of queries whatever the data size."""

import datetime

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from accounts.factories import TermFactory, TrainingRecordFactory
from accounts.middleware import staff_context_for
from incidents.models import InvolvedPupil
from restrictive import services
from restrictive.models import Debrief, ParentReport, Review
from restrictive.panels import home_panel, incident_panel, pupil_panel
from sendsupport import panels

from .helpers import earlier_today, force_incident, make_record


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


def _request(user):
    request = RequestFactory().get("/")
    request.user, request.staff = user, staff_context_for(user)
    return request


def _render(panel):
    return render_to_string(panel.template, {"ctx": panel.context})


def test_panels_are_registered_for_their_pages():
    assert incident_panel in panels._registries["incident"]
    assert home_panel in panels._registries["home"]
    assert pupil_panel in panels._registries["pupil"]


def test_an_incident_with_force_and_no_record_shows_the_button(world):
    incident = force_incident(world, occurred_at=earlier_today(200))
    html = _render(incident_panel(_request(world.people["ta"]), incident=incident))
    assert "Record the restrictive intervention (due today)" in html
    assert f"/incidents/{incident.pk}/restrictive/new/" in html
    assert "Record not written yet: " in html and "since the incident" in html


def test_the_incident_page_shows_the_panel(client, world):
    incident = force_incident(world)
    client.force_login(world.people["ta"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Record the restrictive intervention (due today)" in page


def test_an_incident_without_force_shows_nothing(world):
    incident = force_incident(world)
    incident.physical_intervention = False
    assert incident_panel(_request(world.people["ta"]), incident=incident) is None


def test_the_incident_panel_lists_records_with_their_open_duty_timers(world):
    incident = force_incident(world)
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out)
    ri = make_record(world, incident=incident)
    make_record(world, incident=incident, pupil=world.pupil_out, author=world.people["senco"],
                staff=[world.people["senco"]])
    html = _render(incident_panel(_request(world.people["ta"]), incident=incident))
    assert "Record the restrictive intervention (due today)" not in html
    assert ri.get_absolute_url() in html and "Parents not told yet: " in html and "Review not signed off yet" in html
    assert "a record about another pupil involved" in html and "Isla Morgan" not in html  # not on the TA's caseload
    assert "Record another restrictive intervention" in html


def test_the_incident_panel_runs_one_query(world, django_assert_num_queries):
    incident = force_incident(world)
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out)
    request = _request(world.people["ta"])
    for n in (1, 4):
        for _ in range(n):
            ri = make_record(world, incident=incident)
            ParentReport.objects.create(intervention=ri, told_at=timezone.now(), how="phone",
                                        told_by=world.people["ta"], author=world.people["ta"])
        # the records with their duty columns, pupils and whether this person may open each
        with django_assert_num_queries(1):
            html = _render(incident_panel(request, incident=incident))
        assert html.count("Review not signed off yet") == {1: 1, 4: 5}[n]


def test_the_home_panel_shows_open_duties_to_reviewers_only(world):
    unrecorded = force_incident(world, pupil=world.pupil_class)
    open_ri = make_record(world)
    done = make_record(world)
    ParentReport.objects.create(intervention=done, told_at=timezone.now(), how="phone", told_by=world.people["ta"],
                                author=world.people["ta"])
    Review.objects.create(intervention=done, comments="Fine", author=world.people["senco"])
    for persona in ("ta", "teacher", "dsl", "admin", "other_ta"):
        assert home_panel(_request(world.people[persona])) is None
    assert home_panel(_request(world.people["other_school_senco"])).context["duties"].records == []
    html = _render(home_panel(_request(world.people["senior"])))
    assert f"/incidents/{unrecorded.pk}/restrictive/new/" in html and "Record not written yet" in html
    assert open_ri.get_absolute_url() in html and done.get_absolute_url() not in html
    assert "Parents not told yet: " in html


def test_the_home_panel_runs_two_queries(world, django_assert_num_queries):
    request = _request(world.people["senco"])
    for n in (1, 5):
        for _ in range(n):
            force_incident(world)
            make_record(world)
        # incidents with force and no record (with pupils); records with open duties (with pupils)
        with django_assert_num_queries(2):
            html = _render(home_panel(request))
        assert html.count("Parents not told yet") == {1: 1, 5: 6}[n]


def test_the_pupil_panel_counts_this_terms_interventions_for_incident_readers(world, django_assert_num_queries):
    TermFactory(school=world.school, name="This term", starts_on=today() - datetime.timedelta(days=30),
                ends_on=today() + datetime.timedelta(days=30))
    last_term = timezone.localtime() - datetime.timedelta(days=40)
    make_record(world, incident=force_incident(world, occurred_at=last_term), started_at=last_term)
    for _ in range(2):
        make_record(world)
    assert pupil_panel(_request(world.people["admin"]), pupil=world.pupil_in) is None  # office staff
    request = _request(world.people["ta"])
    with django_assert_num_queries(2):  # the term, the count with the latest
        html = _render(pupil_panel(request, pupil=world.pupil_in))
    assert "<span class=\"fw-semibold\">2</span> this term" in html


def test_the_detail_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    ta, senco = world.people["ta"], world.people["senco"]
    TrainingRecordFactory(school=world.school, user=ta, course="team_teach", completed_on=today(),
                          expires_on=today() + datetime.timedelta(days=300))
    client.force_login(ta)
    incident = force_incident(world)
    for n in (1, 3):
        ri = make_record(world, incident=incident, staff=[ta, senco, world.people["teacher"]][:n],
                         injuries=[{"person": "pupil", "body_regions": ["chest"], "description": f"Mark {i}"}
                                   for i in range(n)])
        for i in range(n):
            services.add_debrief(acting_user=ta, intervention=ri, debrief=Debrief(
                with_whom="staff", held_at=timezone.now(), led_by=senco, notes=f"Debrief {i}"))
            ParentReport.objects.create(intervention=ri, told_at=timezone.now(), how="phone", told_by=ta, author=ta)
        # session, user, membership, incident, record with pupil/author/place/plan, staff, witnesses,
        # injuries, debriefs, parent reports, review, access log, session save (savepoint, update, release)
        with django_assert_num_queries(15):
            page = client.get(ri.get_absolute_url()).content.decode()
        assert page.count("Debrief ") >= n and page.count("Marked on the body map: Chest.") == n
