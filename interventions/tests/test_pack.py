"""The interventions section of the evidence pack, on its own: figures for the period, the pupil's
own placements only (no group peer named), therapy programmes with delivery counts, fixed queries."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from interventions.models import (
    Attendance, Group, Intervention, Placement, ProgrammeDelivery, Session, TherapyProgramme,
)
from interventions.pack import pack_section
from plans.models import Outcome, Plan

D = datetime.date
PERIOD = (D(2026, 9, 1), D(2026, 10, 31))


@pytest.fixture
def history(world):
    school, ta, senco = world.school, world.people["ta"], world.people["senco"]
    amelia, isla = world.pupil_in, world.pupil_out
    plan = Plan.objects.create(pupil=amelia, kind="ehcp", status="in_force", created_by=senco,
                               date_issued=D(2026, 1, 10))
    outcome = Outcome.objects.create(plan=plan, area_of_need="ci", text="Amelia will keep a conversation going")
    lego = Intervention.objects.create(school=school, name="Lego-based therapy", area_of_need="ci",
                                       max_group_size=3, measure="Social communication checklist (0-30)",
                                       cost_per_hour=Decimal("16.50"), rates_sessions=True)
    group = Group.objects.create(school=school, intervention=lego, name="Lego club (Tue/Thu)", days=[1, 3],
                                 starts_at=datetime.time(13, 15), minutes_per_session=45,
                                 start_date=D(2026, 9, 15), planned_end_date=D(2026, 10, 22), created_by=senco)
    group.staff.add(ta)
    mine = Placement.objects.create(
        group=group, pupil=amelia, smart_target="By 22 October, Amelia will ask for a piece with words.",
        outcome=outcome, start_date=D(2026, 9, 15), end_date=D(2026, 10, 22), review_due=D(2026, 10, 29),
        entry_score=Decimal("10"), entry_date=D(2026, 9, 14), exit_score=Decimal("16"), exit_date=D(2026, 10, 22),
        target_progress=3, reviewed_on=D(2026, 10, 27), review_decision="continue", review_score=4,
        review_notes="Asks Isla and Oliver by name now. Mrs Isla will continue in the spring.", reviewed_by=senco, ended_on=D(2026, 10, 22),
        created_by=senco)
    peer = Placement.objects.create(group=group, pupil=isla, smart_target="By 22 October, Isla will wait her turn.",
                                    start_date=D(2026, 9, 15), end_date=D(2026, 10, 22), review_due=D(2026, 10, 29),
                                    created_by=senco)
    planned = group.planned_dates()
    assert len(planned) == 12
    for day in planned:
        if day == D(2026, 10, 8):
            continue  # never recorded
        if day == D(2026, 10, 6):
            Session.objects.create(group=group, date=day, status="cancelled", cancel_reason="Class trip",
                                   recorded_by=ta)
            continue
        session = Session.objects.create(group=group, date=day, minutes=45, recorded_by=ta,
                                         note="Built the shuttle together.")
        absent = day == D(2026, 9, 22)
        Attendance.objects.create(session=session, placement=mine, status="absent" if absent else "present",
                                  absence_reason="Medical appointment" if absent else "",
                                  rating=None if absent else 2)
        Attendance.objects.create(session=session, placement=peer, status="present", rating=1,
                                  note="Isla needed prompts.")
    # A later placement of Amelia's, after the period: not in the section.
    later = Group.objects.create(school=school, intervention=lego, name="Lego club (spring)", days=[1],
                                 starts_at=datetime.time(13, 15), minutes_per_session=45, start_date=D(2026, 11, 3),
                                 planned_end_date=D(2027, 2, 9), created_by=senco)
    Placement.objects.create(group=later, pupil=amelia, smart_target="Later target", start_date=D(2026, 11, 3),
                             end_date=D(2027, 2, 9), review_due=D(2027, 2, 16), created_by=senco)
    salt = TherapyProgramme.objects.create(
        school=school, pupil=amelia, therapist="Jo Speech (Speech and language therapist)", service="salt",
        service_name="NHS Children's SALT", set_on=D(2026, 9, 20), targets="Two-key-word instructions",
        activities="Barrier games", frequency="3 times a week, 15 minutes", review_on=D(2027, 1, 20),
        created_by=senco)
    salt.staff.add(ta)
    for day in [D(2026, 9, 23), D(2026, 9, 25), D(2026, 9, 28), D(2026, 10, 2), D(2026, 10, 21),
                D(2026, 11, 4), D(2026, 11, 6)]:
        ProgrammeDelivery.objects.create(programme=salt, delivered_on=day, minutes=15, delivered_by=ta)
    TherapyProgramme.objects.create(  # Isla's: never in Amelia's section
        school=school, pupil=isla, therapist="Al Other (Occupational therapist)", service="ot",
        set_on=D(2026, 9, 20), targets="Pencil grip", activities="Theraputty", frequency="Daily",
        review_on=D(2027, 1, 20), created_by=senco)
    return world


def test_pack_section_figures_for_the_period_and_no_other_pupil(history, django_assert_num_queries):
    amelia = history.pupil_in
    # placements with group and outcome (1), group staff (1), sessions (1), attendance (1),
    # programmes (1), the school's other pupils' names (1)
    with django_assert_num_queries(6):
        template, context = pack_section(amelia, *PERIOD)
    assert template == "interventions/pack/section.html"
    [row] = context["placements"]
    assert row["intervention"] == "Lego-based therapy" and row["staff"] == "Ta Person"
    assert (row["planned"], row["delivered"], row["cancelled"], row["not_recorded"]) == (12, 10, 1, 1)
    assert (row["attended"], row["absent"], row["attendance_rate"]) == (9, 1, 90)
    assert (row["entry_score"], row["exit_score"], row["change"], row["improved"]) == (10, 16, 6, True)
    assert row["target_progress"] == "Secure" and row["review_decision"] == "Continue"
    assert row["review_score"] == "4 · Good" and row["outcome"].startswith("Amelia will keep")
    [salt] = context["programmes"]
    assert (salt["delivered"], salt["delivered_minutes"]) == (5, 75)
    assert context["totals"] == {"planned": 12, "delivered": 10, "attended": 9}

    html = render_to_string(template, context)
    assert "Amelia Hughes" in html and "Lego-based therapy" in html and "90%" in html
    assert "10 of 12 planned intervention sessions" in html and "Continue" in html
    assert "Isla" not in html.replace("Mrs Isla", "") and "Morgan" not in html and "Occupational" not in html  # no peer, no peer's programme
    # A peer named in the review notes is "another pupil"; Mrs Isla is a member of staff.
    assert row["review_notes"] == "Asks another pupil and another pupil by name now. Mrs Isla will continue in the spring."
    assert "Oliver" not in html
    assert "Later target" not in html and "<script" not in html


def test_pack_section_period_cuts_the_counts_and_queries_stay_fixed(history, django_assert_num_queries):
    amelia = history.pupil_in
    # Only October: the group's days in October (1, 6, 8, 13, 15, 20, 22: 7 planned).
    with django_assert_num_queries(6):
        _, context = pack_section(amelia, D(2026, 10, 1), D(2026, 10, 31))
    [row] = context["placements"]
    assert (row["planned"], row["delivered"], row["cancelled"], row["not_recorded"]) == (7, 5, 1, 1)
    assert (row["attended"], row["absent"]) == (5, 0)
    # A longer period with both placements: still 6 queries.
    with django_assert_num_queries(6):
        _, context = pack_section(amelia, D(2026, 9, 1), D(2026, 11, 30))
    assert len(context["placements"]) == 2
    # Another pupil with no placements or programmes: an empty section, fewer queries, still renders.
    with django_assert_num_queries(2):  # placements, programmes (no names needed)
        template, context = pack_section(history.pupil_class, *PERIOD)
    html = render_to_string(template, context)
    assert "No interventions in this period." in html and "No therapy programmes in this period." in html
    assert context["placements"] == [] and context["programmes"] == []
