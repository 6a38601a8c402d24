"""The restrictive-interventions section of the evidence pack on its own: the period's records about
the pupil (Europe/London dates), staff training that day, injuries, debriefs, parents told and
sign-off; other pupils never named; a fixed number of queries; rendered by WeasyPrint."""

import datetime
import zoneinfo

import pytest
from django.template.loader import render_to_string

from accounts.access import StaffContext
from accounts.factories import TrainingRecordFactory
from accounts.models import Membership
from incidents.models import InvolvedPupil
from restrictive import services
from restrictive.models import Debrief, ParentReport, Review
from restrictive.pack import restrictive_section
from sendsupport.sections import pack_sections

from .helpers import force_incident, make_record

D = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.timezone.utc
PERIOD = (D(2026, 10, 5), D(2026, 11, 1))


def at(day, hh, mm=0):
    return datetime.datetime.combine(day, datetime.time(hh, mm), LONDON)


def senco(world):
    user = world.people["senco"]
    m = Membership.objects.get(user=user, school=world.school)
    return StaffContext(user=user, school=world.school, membership=m, roles=frozenset(m.roles))


def record(world, when, *, pupil=None, incident_pupil=None, **fields):
    """A record about ``pupil`` (Amelia) on an incident about ``incident_pupil`` (her own by default)."""
    pupil = pupil or world.pupil_in
    incident = force_incident(world, pupil=incident_pupil or pupil, occurred_at=when)
    if incident.pupil_id != pupil.pk:
        InvolvedPupil.objects.create(incident=incident, pupil=pupil)
    return make_record(world, incident, pupil=pupil, started_at=when, **fields)


@pytest.fixture
def records(world):
    ta, other_ta = world.people["ta"], world.people["other_ta"]
    TrainingRecordFactory(school=world.school, user=ta, course="team_teach", completed_on=D(2026, 1, 10),
                          expires_on=D(2027, 1, 10))
    # 1. Amelia's own incident; Oliver involved and named by staff; both hurt.
    lunch = force_incident(world, occurred_at=at(D(2026, 10, 6), 12, 15))
    InvolvedPupil.objects.create(incident=lunch, pupil=world.pupil_class, part="Hit by Amelia")
    first = make_record(
        world, lunch, started_at=at(D(2026, 10, 6), 12, 15), staff=[ta], technique="Single elbow, standing",
        degree_of_force="Light hold", reason="Amelia was hitting Oliver Khan repeatedly",
        injuries=[{"person": "pupil", "body_regions": ["left_arm"], "description": "Red mark where Oliver grabbed her",
                   "first_aid": "Cold compress"},
                  {"person": "other_pupil", "body_regions": ["face"], "description": "Oliver's scratched cheek"}])
    services.add_debrief(acting_user=ta, intervention=first, debrief=Debrief(
        with_whom="pupil", held_at=at(D(2026, 10, 6), 15, 0), led_by=ta, notes="Talked it through"))
    services.report_to_parents(acting_user=ta, intervention=first, report=ParentReport(
        told_at=at(D(2026, 10, 6), 16, 0), how="phone", told_by=ta, told_whom="Mum"))
    services.sign_off(staff=senco(world), intervention=first,
                      review=Review(comments="Proportionate", plan_updated=True))
    # 2. Isla's incident, Amelia involved: a record about Amelia; Isla named in the text.
    second = record(world, at(D(2026, 10, 20), 10, 0), incident_pupil=world.pupil_out, staff=[other_ta],
                    kind="seclusion", technique="Quiet room, door held", reason="Isla Morgan was being hurt")
    # Not Amelia's record, and records outside the period: never in her section.
    isla_incident = second.incident
    make_record(world, isla_incident, pupil=world.pupil_out, started_at=at(D(2026, 10, 20), 10, 0), staff=[ta])
    record(world, datetime.datetime(2026, 10, 4, 22, 30, tzinfo=UTC))  # 23:30 BST on 4 October
    record(world, datetime.datetime(2026, 11, 2, 0, 10, tzinfo=UTC))  # 00:10 GMT on 2 November
    return world


def test_registered_as_the_restrictive_section():
    section = {s.key: s for s in pack_sections()}["restrictive"]
    assert (section.title, section.order, section.build) == ("Restrictive interventions", 40, restrictive_section)


def test_the_periods_records_with_training_injuries_debriefs_parents_and_sign_off(records, django_assert_num_queries):
    # records with place, incident's pupil and duty columns (1), staff (1), injuries (1), debriefs (1),
    # sign-offs (1), the incidents' other pupils (1), the school's other pupils' names (1)
    with django_assert_num_queries(7):
        template, ctx = restrictive_section(records.pupil_in, *PERIOD)
    assert template == "restrictive/pack/section.html"
    first, second = ctx["records"]
    assert (first["started"], first["minutes"], first["kind"]) == (at(D(2026, 10, 6), 12, 15), 6, "Restraint (holding)")
    assert first["staff"] == [{"name": "Ta Person", "training": "TEAM-TEACH, current", "untrained": False}]
    assert first["injuries"] == [
        {"who": "The pupil", "where": "Left arm", "description": "Red mark where another pupil grabbed her",
         "first_aid": "Cold compress"},
        {"who": "Another pupil", "where": "Face", "description": "Another pupil's scratched cheek", "first_aid": ""}]
    assert first["reason"] == "Amelia was hitting another pupil repeatedly"
    assert [d.held_at for d in first["debrief_pupil"]] == [at(D(2026, 10, 6), 15, 0)] and first["debrief_staff"] == []
    assert first["parents"].done and first["parents"].text == "Parents told 6 Oct at 16:00"
    assert first["review"].done and first["signed_off_by"] == "Senco Person" and first["plan_updated"]

    assert second["kind"].startswith("Seclusion") and second["reason"] == "Another pupil was being hurt"
    assert second["staff"] == [{"name": "Other Ta", "training": "no training on record", "untrained": True}]
    assert not second["parents"].done and not second["review"].done and second["injuries"] == []
    assert ctx["totals"] == {"records": 2, "minutes": 12, "hurt": 1, "parents_told": 1, "signed_off": 1,
                             "untrained": 1}


def test_the_section_names_no_other_pupil(records):
    template, ctx = restrictive_section(records.pupil_in, *PERIOD)
    html = render_to_string(template, ctx)
    for name in ("Oliver", "Khan", "Isla", "Morgan"):
        assert name not in html
    assert "Another pupil: Another pupil&#x27;s scratched cheek (Face)" in html
    assert "Amelia Hughes" in html and "<script" not in html
    assert "Not signed off" in html and "no training on record" in html


def test_a_pupil_named_by_first_name_but_not_involved_is_not_named(records):
    from pupils.factories import PupilFactory

    PupilFactory(school=records.school, legal_first_name="Freya", legal_last_name="Lewis")
    record(records, at(D(2026, 10, 21), 9, 0), staff=[records.people["ta"]], technique="Guided by Miss Freya",
           reason="Amelia was kicking Freya; Isla's nose bled")
    template, ctx = restrictive_section(records.pupil_in, *PERIOD)
    last = ctx["records"][-1]
    assert last["reason"] == "Amelia was kicking another pupil; another pupil's nose bled"
    assert last["technique"] == "Guided by Miss Freya"  # an adult
    assert "Freya" not in render_to_string(template, ctx).replace("Miss Freya", "")


def test_period_edges_are_london_dates(records):
    _, ctx = restrictive_section(records.pupil_in, D(2026, 10, 4), D(2026, 11, 2))
    assert len(ctx["records"]) == 4  # both edge records are in a period that includes their London dates
    _, ctx = restrictive_section(records.pupil_in, D(2026, 10, 5), D(2026, 10, 6))
    assert [r["reference"] for r in ctx["records"]] == [ctx["records"][0]["reference"]]


def test_nothing_to_say_without_records_in_the_period(records, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert restrictive_section(records.pupil_in, D(2026, 12, 1), D(2026, 12, 31)) is None
    assert restrictive_section(records.pupil_class, *PERIOD) is None  # involved, but no record about him


def test_query_count_is_fixed_whatever_the_number_of_records(records, django_assert_num_queries):
    for k in range(8):
        record(records, at(D(2026, 10, 7 + k), 11, 0), incident_pupil=records.pupil_class,
               staff=[records.people["ta"], records.people["other_ta"]],
               injuries=[{"person": "staff", "staff_member": records.people["ta"], "body_regions": ["right_hand"],
                          "description": "Bitten"}])
    with django_assert_num_queries(7):
        _, ctx = restrictive_section(records.pupil_in, *PERIOD)
    assert len(ctx["records"]) == 10
    assert ctx["records"][1]["injuries"][0]["who"] == "Ta Person"


def test_renders_in_weasyprint(records):
    from weasyprint import HTML

    template, ctx = restrictive_section(records.pupil_in, *PERIOD)
    html = f"<html lang='en-GB'><body>{render_to_string(template, ctx)}</body></html>"
    assert HTML(string=html).write_pdf().startswith(b"%PDF")
