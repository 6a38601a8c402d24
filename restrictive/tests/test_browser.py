"""Restrictive-intervention records in headless Chromium: a TA on a phone writes the record through
the form (a mistake first, then the whole record with an injury on the body map) and records that
the parents were told; the SENCo on a laptop reads it and signs it off. Every page is checked with
axe-core and photographed (test-artifacts/screenshots/)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.factories import TrainingRecordFactory
from plans.models import PositiveHandlingPlan, VersionStatus
from restrictive.models import ParentReport, RestrictiveIntervention, Review
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

from .helpers import earlier_today, force_incident, make_record


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]


def field(page, text: str):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$"))


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def _setting(w):
    TrainingRecordFactory(school=w.school, user=w.people["ta"], course="team_teach",
                          completed_on=today() - datetime.timedelta(days=100),
                          expires_on=today() + datetime.timedelta(days=265))
    TrainingRecordFactory(school=w.school, user=w.people["teacher"], course="team_teach",
                          completed_on=today() - datetime.timedelta(days=500),
                          expires_on=today() - datetime.timedelta(days=20))
    PositiveHandlingPlan.objects.create(
        pupil=w.pupil_in, created_by=w.people["senco"], signed_off_by=w.people["senco"],
        status=VersionStatus.IN_FORCE, training_scheme="team_teach", in_force_from=timezone.now(),
        approved_techniques="Caring C guide\nFriendly hold (standing)\nSingle elbow",
        prohibited_techniques="No floor holds: epilepsy", review_date=today() + datetime.timedelta(days=90))
    return force_incident(w, occurred_at=earlier_today(40))


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_ta_records_a_restrictive_intervention_on_a_phone(page, live_server, browser_world):
    w = browser_world
    start = earlier_today(35)
    end = start + datetime.timedelta(minutes=4)
    if timezone.localtime() < start.replace(hour=0, minute=40):
        pytest.skip("Before 00:40 the start is midnight: no earlier minute of today to type, nor four after it.")
    incident = _setting(w)
    assert login(page, live_server, w.people["ta"]) is False
    # From the incident page (the incidents app's), the button this app's panel adds.
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    click_and_wait(page, page.get_by_role("link", name="Record the restrictive intervention (due today)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Restrictive intervention record")
    check_a11y(page, "restrictive intervention record form (phone)")
    snap(page, "restrictive-record-form")

    # A mistake first: the end before the start. The message is by the field; what was typed stays.
    page.get_by_label("Restraint (holding)").check()
    field(page, "Date").fill(start.date().isoformat())
    field(page, "Started at").fill(f"{start:%H:%M}")
    field(page, "Ended at").fill(f"{(start - datetime.timedelta(minutes=2)):%H:%M}")
    field(page, "Why it was necessary").fill("Running at the open gate towards the road")
    click_and_wait(page, page.get_by_role("button", name="Save the record"))
    expect(page.get_by_text("Some details need correcting")).to_be_visible()
    expect(field(page, "Ended at")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(f"The end must be after the start ({start:%H:%M}).")).to_be_visible()
    expect(field(page, "Why it was necessary")).to_have_value("Running at the open gate towards the road")
    check_a11y(page, "record form with errors (phone)")
    snap(page, "restrictive-record-form-errors")
    assert RestrictiveIntervention.objects.count() == 0

    field(page, "Ended at").fill(f"{end:%H:%M}")
    field(page, "De-escalation tried first").fill("Calm voice, offered the quiet corner and a choice of two jobs")
    page.get_by_label("Single elbow").check()
    page.get_by_label("Yes, the plan was followed").check()
    staff = page.get_by_role("group", name="Staff who applied it")
    staff.get_by_text("Ta Person").click()
    page.get_by_label("Yes: describe each injury below").check()
    injury = page.get_by_role("group", name="Injury 1")
    injury.get_by_label("Left arm").check()
    injury.get_by_label("Left hand or wrist").check()
    field(page, "The injury").first.fill("Red mark on the left wrist, 2 cm")
    field(page, "First aid given").first.fill("Cold compress")
    field(page, "Support for the pupil afterwards").fill("Calm room, a drink, then time with her key adult")
    click_and_wait(page, page.get_by_role("button", name="Save the record"))

    ri = RestrictiveIntervention.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Restrictive intervention {ri.reference}")
    expect(page.get_by_text("Parents not told yet:")).to_be_visible()
    expect(page.get_by_text("Marked on the body map: Left arm, Left hand or wrist.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_a11y(page, "restrictive intervention record (phone)")
    snap(page, "restrictive-detail")

    click_and_wait(page, page.get_by_role("link", name="Record telling the parents"))
    check_a11y(page, "telling the parents (phone)")
    page.get_by_label("The parents were told").check()
    now = timezone.localtime()
    field(page, "Date told").fill(now.date().isoformat())
    field(page, "Time told").fill(f"{now:%H:%M}")
    field(page, "How").select_option(label="Phone call")
    field(page, "Who was told").fill("Mum")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_text(re.compile(r"^Told .* by Ta Person, phone call \(Mum\)\."))).to_be_visible()
    assert ParentReport.objects.get().author == w.people["ta"]
    check_a11y(page, "record after telling the parents (phone)")


@pytest.mark.parametrize("viewport", ["laptop"], indirect=True)
def test_senco_reads_and_signs_off_on_a_laptop(page, live_server, browser_world):
    w = browser_world
    incident = _setting(w)
    ri = make_record(w, incident=incident, staff=[w.people["ta"], w.people["teacher"]],
                     technique="Single elbow", technique_from_plan=True, plan_followed="yes",
                     handling_plan=PositiveHandlingPlan.objects.get(pupil=w.pupil_in),
                     injuries=[{"person": "pupil", "body_regions": ["chest", "right_hand"], "description": "Red mark",
                                "first_aid": "Cold compress"}])
    force_incident(w, pupil=w.pupil_class, occurred_at=earlier_today(20))  # force used, no record yet
    assert login(page, live_server, w.people["senco"]) is True
    duties = page.get_by_role("region", name="Restrictive interventions: open duties")
    expect(duties).to_contain_text("Record not written yet")
    expect(duties).to_contain_text("Parents not told yet")
    # The home page is checked with axe by its own tests (other apps' panels share it).
    snap(page, "restrictive-home-panel")
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    expect(page.get_by_role("region", name="Restrictive intervention")).to_contain_text(ri.reference)
    snap(page, "restrictive-incident-panel")
    page.goto(f"{live_server.url}/incidents/{incident.pk}/restrictive/new/")
    check_a11y(page, "restrictive intervention record form (laptop)")
    snap(page, "restrictive-record-form")
    page.goto(f"{live_server.url}{ri.get_absolute_url()}")
    expect(page.get_by_text("Expired", exact=True)).to_be_visible()  # the teacher's training, that day
    check_a11y(page, "restrictive intervention record (laptop)")
    snap(page, "restrictive-detail")
    click_and_wait(page, page.get_by_role("link", name="Review and sign off"))
    check_a11y(page, "review and sign off (laptop)")
    field(page, "Review comments").fill("Necessary and proportionate; the plan was followed.")
    click_and_wait(page, page.get_by_role("button", name="Sign off"))
    expect(page.get_by_text("Signed off by Senco Person")).to_be_visible()
    assert Review.objects.get().author == w.people["senco"]
    snap(page, "restrictive-detail-signed-off")
