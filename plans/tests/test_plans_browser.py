"""EHCPs in headless Chromium: a SENCo on a laptop builds an EHCP with one outcome and one item of
provision and puts it in force (refused first, with the reasons); a TA on a phone reads it. Every
page is checked with axe and the main pages are photographed at phone and laptop widths."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import Plan
from plans.tests.test_plans import add_outcome, add_provision, draft_ehcp, ehcp_in_force
from plans.tests.test_evidence_browser import assert_touch_size
# The browser harness lives with the cross-app journeys; its fixtures are brought in here by name.
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

pytestmark = pytest.mark.browser
PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)
LAPTOP = pytest.mark.parametrize("viewport", ["laptop"], indirect=True)


def field(page, label: str):
    """A form field by its label; crispy adds "*" to required fields' labels."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def click(page, locator):
    with page.expect_navigation():
        locator.click()


def h1(page):
    return page.get_by_role("heading", level=1)


@LAPTOP
def test_senco_on_a_laptop_builds_an_ehcp_and_puts_it_in_force(page, live_server, browser_world):
    w = browser_world
    pupil = w.pupil_in
    page.on("dialog", lambda dialog: dialog.accept())  # "Put in force?" asks first
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/pupils/{pupil.pk}/plans/")
    expect(h1(page)).to_have_text(f"Plans for {pupil.display_name}")
    expect(page.get_by_text("No EHCP or SEN support plan is in force")).to_be_visible()
    check_a11y(page, "plans page, none yet (SENCo)")

    click(page, page.get_by_role("link", name="Start an EHCP"))
    expect(h1(page)).to_have_text("New EHCP")
    check_a11y(page, "new EHCP form")
    field(page, "Local authority").fill("Northshire County Council")
    field(page, "LA SEN coordinator").fill("Priya Shah")
    field(page, "Coordinator's phone or email").fill("priya.shah@northshire.example")
    field(page, "A: Views, interests and aspirations").fill("Loves trains. Wants to drive one.")
    field(page, "B: Special educational needs").fill("Autism; speech and language delay.")
    click(page, page.get_by_role("button", name="Save draft"))
    expect(h1(page)).to_contain_text("EHCP, version 1")
    expect(page.get_by_text("EHCP draft saved.")).to_be_visible()
    check_a11y(page, "EHCP draft, empty")

    # Not ready yet: refused, with what to do.
    click(page, page.get_by_role("button", name="Put in force (issued)"))
    errors = page.get_by_role("alert").filter(has_text="can't be put in force yet")
    expect(errors).to_contain_text("Add at least one outcome")
    expect(errors).to_contain_text("Enter the date the local authority issued the EHCP.")
    check_a11y(page, "EHCP refused sign-off")
    snap(page, "plans-senco-sign-off-refused")

    click(page, page.get_by_role("link", name="Edit plan details and sections"))
    field(page, "Date issued").fill("2026-03-02")
    click(page, page.get_by_role("button", name="Save draft"))

    click(page, page.get_by_role("link", name="Add an outcome"))
    expect(h1(page)).to_have_text("Add an outcome")
    field(page, "Area of need").select_option(label="Communication and interaction")
    field(page, "Outcome").fill("Amelia will ask an adult for help using a sentence.")
    field(page, "To be achieved by").fill("2027-07-16")
    page.locator("#id_targets-0-text").fill("Says 'help please' with a visual prompt")
    page.locator("#id_targets-0-target_date").fill("2026-12-18")
    check_a11y(page, "add an outcome")
    snap(page, "plans-senco-outcome-form")
    click(page, page.get_by_role("button", name="Save outcome"))
    expect(page.get_by_text("Outcome saved with its targets.")).to_be_visible()

    click(page, page.get_by_role("link", name="Add provision"))
    expect(h1(page)).to_have_text("Add provision")
    field(page, "Provision").fill("Small-group language sessions (Colourful Semantics).")
    field(page, "Delivered by").fill("TA trained by the speech and language therapist")
    field(page, "How often").fill("3 times a week")
    field(page, "Minutes per session").fill("30")
    # Forgot to tick an outcome: refused, everything typed kept.
    click(page, page.get_by_role("button", name="Save provision"))
    expect(page.get_by_text("Tick at least one outcome this provision serves")).to_be_visible()
    expect(field(page, "How often")).to_have_value("3 times a week")
    check_a11y(page, "provision form with an error")
    snap(page, "plans-senco-provision-error")
    page.get_by_label(re.compile("^Outcome 1 ")).check()
    click(page, page.get_by_role("button", name="Save provision"))
    expect(page.get_by_text("Provision saved.")).to_be_visible()
    expect(page.locator("#readiness")).to_contain_text("Ready to put in force")
    snap(page, "plans-senco-draft-ready")

    click(page, page.get_by_role("button", name="Put in force (issued)"))
    expect(page.get_by_text("EHCP version 1 is now in force")).to_be_visible()
    expect(h1(page)).to_contain_text("In force")
    expect(page.locator("#next-review")).to_contain_text("2 March 2027")
    check_a11y(page, "EHCP in force (SENCo)")
    expect(page.get_by_role("button", name="Amend (new version)")).to_be_visible()
    plan = Plan.objects.get(pupil=pupil)
    assert plan.is_in_force and plan.provision.get().outcomes.get() == plan.outcomes.get()


@pytest.fixture
def plan_panel_on_pupil_page():
    """The pupil page's plan panel, registered as plans/apps.py does (unless it already is)."""
    from sendsupport import panels

    from plans.panels_plans import plan_panel

    registry = panels._registries.setdefault("pupil", [])
    added = plan_panel not in registry
    if added:
        registry.append(plan_panel)
    yield
    if added:
        registry.remove(plan_panel)


@PHONE
def test_ta_on_a_phone_reads_the_plan_in_force(page, live_server, browser_world, plan_panel_on_pupil_page):
    w = browser_world
    plan = ehcp_in_force(w.pupil_in, w.people["senco"], local_authority="Northshire County Council")
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/")
    panel = page.get_by_role("region", name="Plan")
    expect(panel).to_contain_text("EHCP · version 1 In force")
    expect(panel).to_contain_text("Next annual review due: 2 March 2027")
    check_a11y(page, "pupil page with the plan panel (TA)")
    snap(page, "plans-ta-pupil-page-panel")
    click(page, panel.get_by_role("link", name="All plans"))
    expect(page.get_by_role("region", name="Plan in force")).to_contain_text("Northshire County Council")
    check_a11y(page, "plans page (TA)")
    assert_touch_size(page.get_by_role("link", name="Open the EHCP"), "open the plan button")
    click(page, page.get_by_role("link", name="Open the EHCP"))
    expect(h1(page)).to_contain_text("EHCP, version 1")
    expect(page.get_by_role("heading", name="Outcome 1")).to_be_visible()
    expect(page.get_by_text("Serves:")).to_be_visible()
    for control in ("Amend (new version)", "Put in force", "Add an outcome", "Edit outcome 1 and its targets"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    check_a11y(page, "EHCP in force (TA)")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    snap(page, "plans-ta-plan")
    assert plan.is_in_force


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_plan_pages_at_phone_and_laptop_width(page, live_server, browser_world, viewport):
    w = browser_world
    senco, pupil = w.people["senco"], w.pupil_in
    # Reviewed 11 months ago: the next review is highlighted as due soon.
    reviewed = timezone.localdate() - timedelta(days=335)
    v1 = ehcp_in_force(pupil, senco, issued=str(reviewed - timedelta(days=30)), last_annual_review=str(reviewed),
                       local_authority="Northshire County Council")
    from plans import services

    v2 = services.amend(plan=v1, acting_user=senco)
    speech = v2.outcomes.get()
    calm = add_outcome(v2, senco, area="semh", text="Amelia will use her calm box when she feels anxious, "
                       "and return to class within ten minutes.",
                       targets=[("Chooses the calm box from a choice of two", "2026-12-18"),
                                ("Asks for the calm box herself", "2027-03-31")])
    add_outcome(v2, senco, area="cl", text="Amelia will read a short book aloud to an adult.", targets=[])
    add_provision(v2, senco, [speech, calm], description="Emotion coaching with the ELSA", minutes="20",
                  frequency="Weekly", group_size="1:1")
    draft_ehcp(w.pupil_class, senco)  # another pupil's draft: never shown here
    login(page, live_server, senco, check=False)
    base = f"{live_server.url}/pupils/{pupil.pk}"
    pages = [
        ("plans", f"{base}/plans/"),
        ("plan-in-force", f"{base}/plans/{v1.pk}/"),
        ("plan-draft", f"{base}/plans/{v2.pk}/"),
        ("plan-edit", f"{base}/plans/{v2.pk}/edit/"),
        ("outcome-edit", f"{base}/plans/{v2.pk}/outcomes/{calm.pk}/edit/"),
        ("provision-new", f"{base}/plans/{v2.pk}/provision/new/"),
    ]
    for name, address in pages:
        response = page.goto(address)
        assert response.status == 200, address
        check_a11y(page, f"{name} ({viewport})")
        if viewport == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways"
            assert_touch_size(page.locator("main .btn:visible"), f"{name} buttons")
        snap(page, f"plans-{name}")
