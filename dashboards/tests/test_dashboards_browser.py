"""The dashboards in headless Chromium: the SENCo's school overview and a pupil's analytics page at
phone (390px) and laptop widths, checked with axe, photographed (also into /tmp/shots/dash/), and
photographed again as print (A4) would show them."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page,
    snap, snap_to, viewport,
)

from .fixtures import RANGE, place_incidents

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/dash")
TOUCH_TARGET_PX = 44


shot = snap_to(SHOTS)


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_reads_the_overview_and_a_pupils_analytics(page, live_server, browser_world, viewport):
    w = browser_world
    place_incidents(w)
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/dashboards/?{RANGE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("School overview")
    expect(page.locator(".dash-keys")).to_contain_text("8")
    expect(page.get_by_role("region", name="Incidents by place: table")).to_contain_text("Playground")
    check_a11y(page, f"school overview (SENCo, {viewport})")
    shot(page, "overview")

    # The filters open from their summary; a bad range is explained next to the field.
    page.locator(".dash-filters summary").click()
    button = page.get_by_role("button", name="Show figures")
    assert button.bounding_box()["height"] >= TOUCH_TARGET_PX
    page.get_by_label("From", exact=True).fill("2026-11-20")
    page.get_by_label("To", exact=True).fill("2026-11-02")
    with page.expect_navigation():
        button.click()
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()
    check_a11y(page, f"school overview, bad dates (SENCo, {viewport})")

    page.goto(f"{live_server.url}/dashboards/?{RANGE}")
    page.emulate_media(media="print")
    expect(page.locator(".app-nav")).to_be_hidden()
    expect(page.locator(".dash-filters")).to_be_hidden()
    shot(page, "overview-print")
    page.emulate_media(media="screen")

    with page.expect_navigation():
        page.get_by_role("region", name="Pupils whose incidents are rising: table").get_by_role(
            "link", name="Amelia Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Hughes")
    expect(page.get_by_role("region", name="Strategy effectiveness: table")).to_contain_text("Reassurance")
    check_a11y(page, f"pupil analytics (SENCo, {viewport})")
    shot(page, "pupil")
    page.emulate_media(media="print")
    shot(page, "pupil-print")
