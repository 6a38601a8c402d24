"""Next year's term dates missing, in headless Chromium: the school's last term entered ends in three
weeks and a pupil has a scheduled medicine. The office sees it on their home page and follows the
button to the school set-up page; the SENCo's home page says whom to ask; the TA's "due now" page
warns and says whom to ask. Each page is checked with axe and photographed at 390 and 1366 px, also
into /tmp/shots/care/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Term
from care.factories import BatchFactory, MedicineFactory
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page,
    snap_to, viewport,
)

pytestmark = pytest.mark.browser
shot = snap_to(Path("/tmp/shots/care"))


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_missing_term_dates_reach_the_office_senco_and_ta(page, open_page, live_server, browser_world, viewport):
    w = browser_world
    today = timezone.localdate()
    ends = today + datetime.timedelta(days=21)
    Term.objects.create(school=w.school, name="This term", starts_on=today - datetime.timedelta(days=60), ends_on=ends)
    BatchFactory(medicine=MedicineFactory(pupil=w.pupil_in, name="Lamotrigine", scheduled_times=[datetime.time(12)]))
    missing = f"Next year's term dates are missing: the last term entered ends on {ends:%-d %B %Y}."

    login(page, live_server, w.people["admin"], check=False)
    panel = page.get_by_role("region", name="Term dates")
    expect(panel).to_contain_text(missing)
    check_a11y(page, f"home with term dates missing (office, {viewport})")
    shot(page, "care-home-terms-missing-office")
    with page.expect_navigation():
        panel.get_by_role("link", name="Enter the term dates").click()
    assert page.url.endswith("/staff/school-setup/")

    senco = open_page(viewport)
    login(senco, live_server, w.people["senco"], check=False)
    panel = senco.get_by_role("region", name="Term dates")
    expect(panel).to_contain_text("Ask Admin Person (office) to enter them on School set-up.")
    expect(panel.get_by_role("link")).to_have_count(0)
    check_a11y(senco, f"home with term dates missing (SENCo, {viewport})")
    shot(senco, "care-home-terms-missing-senco")

    ta = open_page(viewport)
    login(ta, live_server, w.people["ta"], check=False)
    expect(ta.get_by_role("region", name="Term dates")).to_have_count(0)
    ta.goto(f"{live_server.url}/care/due/")
    warning = ta.locator(".alert-warning")
    expect(warning).to_contain_text(missing)
    expect(warning).to_contain_text("Ask Admin Person (office) to enter them on School set-up.")
    check_a11y(ta, f"due now with term dates missing (TA, {viewport})")
    shot(ta, "care-due-now-terms-missing")
