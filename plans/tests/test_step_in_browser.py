"""Before you step in, on a phone: the TA's own pupil at once; another pupil after a reason."""

import datetime

import pytest
from playwright.sync_api import expect

from plans.models import BehaviourSupportPlan, VersionStatus
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_ta_reads_step_in_and_breaks_glass_for_a_pupil_in_another_class(page, live_server, browser_world, viewport):
    w = browser_world
    for pupil in (w.pupil_in, w.pupil_out):
        BehaviourSupportPlan.objects.create(
            pupil=pupil, created_by=w.people["senco"], status=VersionStatus.IN_FORCE,
            behaviours_of_concern="Running from class", early_warning_signs="Rocking, hands over ears",
            deescalation_strategies="Offer the quiet corner\nUse few words", reactive_strategies="Clear the room",
            review_date=datetime.date(2027, 3, 1))
    login(page, live_server, w.people["ta"])
    page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/")
    page.get_by_role("link", name="Before you step in").first.click()
    expect(page.get_by_role("heading", name="De-escalation: do this")).to_be_visible()
    expect(page.get_by_text("Offer the quiet corner")).to_be_visible()
    expect(page.get_by_role("region", name="Medical alerts and allergies")).to_be_visible()
    check_a11y(page, "step-in")
    snap(page, "step-in-own-pupil")

    page.goto(f"{live_server.url}/step-in/?q=Morgan")
    check_a11y(page, "step-in finder")
    page.get_by_role("link", name="Isla Morgan").click()
    expect(page.get_by_text("isn't on your caseload")).to_be_visible()
    expect(page.get_by_text("Offer the quiet corner")).to_have_count(0)
    page.get_by_role("button", name="Show me").click()
    expect(page.get_by_text("Say briefly why")).to_be_visible()
    check_a11y(page, "break-glass with error")
    page.get_by_label("Why do you need it?").fill("Covering 4B this afternoon")
    page.get_by_role("button", name="Show me").click()
    expect(page.get_by_text("Offer the quiet corner")).to_be_visible()
    snap(page, "step-in-break-glass")
