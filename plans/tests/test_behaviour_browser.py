"""Behaviour support and positive-handling plans in headless Chromium: a SENCo on a laptop drafts
and signs off a behaviour support plan; a TA on a phone reads it; the plan pages at phone and
laptop widths, each checked with axe-core and photographed (test-artifacts/screenshots/).

Uses the browser harness in tests/browser (fixtures imported below)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import BehaviourSupportPlan, PHPTrainedStaff, PositiveHandlingPlan, Risk, VersionStatus
from plans.panels_behaviour import behaviour_plans_panel
from sendsupport import panels
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


def review_on():
    return today() + datetime.timedelta(days=120)


pytestmark = [
    pytest.mark.browser,
    # pytest-playwright 0.10.0's own base_url fallback trips a pytest 9 deprecation: not ours.
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)
LAPTOP = pytest.mark.parametrize("viewport", ["laptop"], indirect=True)


@pytest.fixture(autouse=True)
def _behaviour_panel_on_pupil_page():
    """The pupil page shows this app's panel once plans/apps.py registers it; until then (and
    without registering it twice after) the journeys register it themselves."""
    registry = panels._registries.setdefault("pupil", [])
    added = behaviour_plans_panel not in registry
    if added:
        registry.append(behaviour_plans_panel)
    yield
    if added:
        registry.remove(behaviour_plans_panel)


def label(text: str):
    """A field's label as people read it; crispy adds "*" to required fields' labels."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def field(page, text: str):
    return page.get_by_label(label(text))


def open_pupil_page(page, live_server, pupil):
    page.goto(f"{live_server.url}/pupils/{pupil.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(pupil.display_name)


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


@LAPTOP
def test_senco_drafts_and_signs_off_a_behaviour_plan(page, live_server, browser_world):
    w = browser_world
    assert login(page, live_server, w.people["senco"]) is True
    open_pupil_page(page, live_server, w.pupil_in)
    panel = page.get_by_role("region", name="Behaviour support and positive handling")
    expect(panel).to_contain_text("Behaviour support plan: none in force.")
    check_a11y(page, "pupil page with the behaviour panel (SENCo)")
    snap(page, "pupil-behaviour-panel-senco")
    click_and_wait(page, panel.get_by_role("link", name="Write a behaviour support plan"))

    expect(page.get_by_role("heading", level=1)).to_have_text("New behaviour support plan")
    check_a11y(page, "new behaviour support plan")
    field(page, "Behaviours of concern").fill("Throws equipment when asked to start writing")
    field(page, "Early warning signs").fill("Rocking; hands over ears")
    field(page, "Triggers (fast triggers)").fill("Writing tasks\nUnexpected noise")
    field(page, "Likely function of the behaviour").select_option(label="Escape or avoidance")
    field(page, "Proactive strategies (every day)").fill("Visual timetable\nMovement break every 20 minutes")
    field(page, "De-escalation strategies (at the first signs)").fill("Offer the quiet corner\nUse few words")
    field(page, "Reactive / crisis strategies").fill("Clear the room of other pupils\nCall the SENCo")
    # A mistake first: no review date. The message is next to the field; what was typed stays.
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    expect(page.get_by_text("Some details need correcting")).to_be_visible()
    review = field(page, "Review by")
    expect(review).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Behaviours of concern")).to_have_value("Throws equipment when asked to start writing")
    check_a11y(page, "behaviour support plan with an error")
    snap(page, "bsp-form-error")
    review.fill(review_on().isoformat())
    click_and_wait(page, page.get_by_role("button", name="Save draft"))

    expect(page.get_by_text("Draft: not in force yet")).to_be_visible()
    expect(page.get_by_role("region", name="De-escalation strategies").get_by_role("listitem")).to_have_count(2)
    check_a11y(page, "behaviour support plan draft")
    # Sign off is refused until the parents' agreement is recorded: said by the button.
    page.once("dialog", lambda dialog: dialog.accept())
    click_and_wait(page, page.get_by_role("button", name="Sign off"))
    expect(page.get_by_role("alert")).to_contain_text("Record the parents' agreement before signing off.")
    check_a11y(page, "sign-off refused")
    snap(page, "bsp-sign-off-refused")

    click_and_wait(page, page.get_by_role("link", name="Edit draft"))
    check_a11y(page, "edit behaviour support plan")
    snap(page, "bsp-form")
    field(page, "Parents agreed on").fill((today() - datetime.timedelta(days=3)).isoformat())
    field(page, "How the parents agreed").fill("Meeting with mum and dad")
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    page.once("dialog", lambda dialog: dialog.accept())
    click_and_wait(page, page.get_by_role("button", name="Sign off"))
    expect(page.get_by_text("is now in force")).to_be_visible()
    expect(page.locator(".badge", has_text="In force since")).to_be_visible()
    expect(page.get_by_role("button", name="Amend (new version)")).to_be_visible()
    check_a11y(page, "behaviour support plan in force")
    snap(page, "bsp-in-force")
    plan = BehaviourSupportPlan.objects.get(pupil=w.pupil_in)
    assert plan.is_in_force and plan.signed_off_by == w.people["senco"]


@PHONE
def test_ta_reads_the_behaviour_plan_on_a_phone(page, live_server, browser_world):
    w = browser_world
    senco = w.people["senco"]
    old = BehaviourSupportPlan.objects.create(
        pupil=w.pupil_in, created_by=senco, status=VersionStatus.SUPERSEDED, behaviours_of_concern="Old wording",
        review_date=datetime.date(2026, 9, 1), version=1, superseded_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))
    BehaviourSupportPlan.objects.create(
        pupil=w.pupil_in, created_by=senco, signed_off_by=senco, status=VersionStatus.IN_FORCE, version=2,
        lineage=old.lineage, in_force_from=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
        behaviours_of_concern="Throws equipment when asked to start writing",
        early_warning_signs="Rocking; hands over ears", triggers="Writing tasks",
        proactive_strategies="Visual timetable\nMovement break every 20 minutes",
        deescalation_strategies="Offer the quiet corner\nUse few words\nGive a choice of two",
        reactive_strategies="Clear the room of other pupils\nCall the SENCo",
        post_incident_support="Calm time, then a chat with drawings", review_date=review_on(),
        parents_agreed_on=datetime.date(2026, 8, 28), parents_agreement_notes="Meeting with mum")
    assert login(page, live_server, w.people["ta"]) is False
    open_pupil_page(page, live_server, w.pupil_in)
    panel = page.get_by_role("region", name="Behaviour support and positive handling")
    expect(panel.get_by_role("link", name=re.compile("Write a"))).to_have_count(0)
    check_a11y(page, "pupil page with the behaviour panel (TA, phone)")
    snap(page, "pupil-behaviour-panel-ta")
    click_and_wait(page, panel.get_by_role("link", name=re.compile("Behaviour support plan")))
    expect(page.get_by_text("In force since 1 September 2026")).to_be_visible()
    strategies = page.get_by_role("region", name="De-escalation strategies").get_by_role("listitem")
    expect(strategies).to_have_text(["Offer the quiet corner", "Use few words", "Give a choice of two"])
    for control in ("Sign off", "Amend (new version)"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    # Nothing wider than the phone: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_a11y(page, "behaviour support plan (TA, phone)")
    snap(page, "bsp-ta-phone")

    # The old version is still there to read, and says which one staff follow.
    click_and_wait(page, page.get_by_role("link", name=re.compile(r"Version 1")))
    expect(page.get_by_text("Superseded on 1 September 2026")).to_be_visible()
    expect(page.get_by_text("This version was replaced.")).to_be_visible()
    check_a11y(page, "superseded behaviour support plan (TA, phone)")
    snap(page, "bsp-superseded-phone")


def _handling_plan(w):
    senco, ta = w.people["senco"], w.people["ta"]
    from accounts.factories import TrainingRecordFactory

    TrainingRecordFactory(school=w.school, user=senco, course="team_teach",
                          completed_on=today() - datetime.timedelta(days=365),  # not replace(year=): 29 February
                          expires_on=today() + datetime.timedelta(days=200))
    TrainingRecordFactory(school=w.school, user=ta, course="team_teach", completed_on=datetime.date(2023, 1, 5),
                          expires_on=datetime.date(2024, 1, 5))
    plan = PositiveHandlingPlan.objects.create(
        pupil=w.pupil_in, created_by=senco, status=VersionStatus.DRAFT, training_scheme="team_teach",
        approved_techniques="Caring C guide\nFriendly hold (standing)\nSingle elbow",
        prohibited_techniques="No floor holds and nothing near the neck: epilepsy (seizure risk)",
        stage_anxiety="Paces, hums loudly. Offer a walk and a choice of two.",
        stage_escalation="Shouts, pushes furniture. Clear the space, few words.",
        stage_crisis="Hits out at staff. Friendly hold by two trained staff only if someone will be hurt.",
        recovery="Quiet room with a drink; talk later with drawings.", review_date=review_on())
    for hazard, who, l, s, control, rl, rs in [
        ("Hits out at staff when held", "Staff", 4, 3, "Two trained staff; friendly hold only; no holds near the neck",
         2, 3),
        ("Runs out of the building towards the road", "The pupil", 2, 5, "Gate code lock; adult by the door at "
         "transitions", 1, 5),
        ("Throws chairs in class", "Other pupils", 3, 2, "Clear the room; soft seating in the quiet corner", None, None),
    ]:
        Risk.objects.create(plan=plan, hazard=hazard, who_is_at_risk=who, likelihood=l, severity=s,
                            control_measures=control, residual_likelihood=rl, residual_severity=rs, owner="SENCo")
    for user in (senco, ta, w.people["teacher"]):
        PHPTrainedStaff.objects.create(plan=plan, user=user)
    return plan


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_handling_plan_pages_at_phone_and_laptop_widths(page, live_server, browser_world, viewport):
    w = browser_world
    plan = _handling_plan(w)
    assert login(page, live_server, w.people["senco"]) is True
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Positive-handling plan")
    # The risk scores, banded, and each trained person's training with the gaps flagged.
    expect(page.get_by_text("Expired", exact=True).first).to_be_visible()
    expect(page.get_by_text("No training", exact=True).first).to_be_visible()
    if viewport == "laptop":
        table = page.get_by_role("region", name="Risk assessment table")
        expect(table.locator("tbody tr")).to_have_count(3)
        expect(table.locator("tbody tr").first).to_contain_text("High 12")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    check_a11y(page, f"positive-handling plan ({viewport})")
    snap(page, "php-detail")

    click_and_wait(page, page.get_by_role("link", name="Edit draft"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit positive-handling plan (draft)")
    check_a11y(page, f"edit positive-handling plan ({viewport})")
    snap(page, "php-form")
    # A bad risk row: the message next to it, nothing saved, everything typed kept.
    new_risk = page.locator("#new-risk")
    new_risk.get_by_label(label("Hazard")).fill("Bites when frightened")
    new_risk.get_by_label(label("Who is at risk")).fill("Staff")
    new_risk.get_by_label(label("Likelihood")).select_option("3")
    new_risk.get_by_label(label("Severity")).select_option("3")
    new_risk.get_by_label(label("Control measures")).fill("Keep hands away from the face")
    new_risk.get_by_label(label("Likelihood with the controls")).select_option("2")
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    expect(page.get_by_text("Give both the likelihood and the severity with the controls, or neither.")).to_be_visible()
    expect(page.locator("#new-risk").get_by_label(label("Hazard"))).to_have_value("Bites when frightened")
    assert Risk.objects.filter(plan=plan).count() == 3
    check_a11y(page, f"positive-handling plan with an error ({viewport})")
    snap(page, "php-form-error")
