"""A lapsed parent's agreement in headless Chromium: the TA is refused the dose and told whom to
ask; the office opens "Medicines", is refused the same dose, follows the link to renew the
agreement (a bad date first, refused next to the field), comes back to the dose and gives it; the
medicine page then lists the old agreement. Every page is checked with axe and photographed at
390 and 1366 px, also into /tmp/shots/care/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care.factories import BatchFactory, MedicineFactory
from care.models import Administration
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    nav_to, open_page, page, snap_to, viewport,
)

pytestmark = pytest.mark.browser
shot = snap_to(Path("/tmp/shots/care"))


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_office_renews_a_lapsed_agreement_and_gives_the_dose(page, open_page, live_server, browser_world, viewport):
    w = browser_world
    today = timezone.localdate()
    inhaler = MedicineFactory(pupil=w.pupil_in, name="Salbutamol inhaler", prn=True, consent_from="Sarah Hughes (mother)",
                              consent_given_on=today - datetime.timedelta(days=400),
                              consent_review_on=today - datetime.timedelta(days=1))
    BatchFactory(medicine=inhaler, batch_number="SB2231")
    give_url = f"{live_server.url}/care/medicines/{inhaler.pk}/give/"

    # The TA can't renew: the give page says whom to ask.
    ta_page = open_page(viewport)
    login(ta_page, live_server, w.people["ta"], check=False)
    ta_page.goto(give_url)
    expect(ta_page.get_by_role("alert")).to_contain_text("Ask Admin Person (office) or Senco Person (SENCo)")
    expect(ta_page.get_by_role("link", name="Renew the parent's agreement")).to_have_count(0)
    check_a11y(ta_page, f"lapsed agreement (TA, {viewport})")
    shot(ta_page, "care-give-lapsed-ta")

    login(page, live_server, w.people["admin"], check=False)
    nav_to(page, "Medicines")
    expect(page.locator("main")).to_contain_text("due for review")
    check_a11y(page, f"due now with a lapsed agreement (office, {viewport})")
    shot(page, "care-due-now-lapsed")
    with page.expect_navigation():
        page.get_by_role("link", name="Give Salbutamol inhaler to Amelia Hughes").click()

    # Refused: the agreement lapsed yesterday.
    page.get_by_label("Reason (why needed, or why refused / not given)").fill("Wheezy after PE")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record").click()
    # Said once, in one box: the refusal and the agreement it is about, with the way to renew it.
    refusal = page.get_by_role("alert")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("This dose can't be recorded.")
    expect(refusal).to_contain_text("It can't be recorded as given")
    expect(page.get_by_text("due for review on")).to_have_count(1)
    expect(page.get_by_text("Without it the medicine can't be given.")).to_have_count(0)
    check_a11y(page, f"dose refused for a lapsed agreement (office, {viewport})")
    shot(page, "care-give-refused-lapsed")
    renew = page.get_by_role("link", name="Renew the parent's agreement")
    assert_touch_size(renew, "Renew button")
    with page.expect_navigation():
        renew.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Renew the parent's agreement")
    expect(page.get_by_label("Signed by")).to_have_value("Sarah Hughes (mother)")
    check_a11y(page, f"renew the agreement (office, {viewport})")
    shot(page, "care-renew")
    page.get_by_label("Date on the signed form").fill(today.isoformat())
    page.get_by_label("Next review date").fill((today - datetime.timedelta(days=2)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Save renewed agreement").click()
    expect(page.get_by_text("The review date must be after the date of the agreement.")).to_be_visible()
    expect(page.get_by_label("Date on the signed form")).to_have_value(today.isoformat())
    check_a11y(page, f"renewal with a bad date (office, {viewport})")
    shot(page, "care-renew-error")
    next_review = today + datetime.timedelta(days=365)
    page.get_by_label("Next review date").fill(next_review.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Save renewed agreement").click()

    # Back on the dose, which can now be given.
    assert page.url == give_url
    expect(page.locator(".alert-success")).to_contain_text("the parent's agreement is renewed")
    expect(page.get_by_text("It can't be recorded as given")).to_have_count(0)
    page.get_by_label("Reason (why needed, or why refused / not given)").fill("Wheezy after PE")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record").click()
    expect(page.locator(".alert-success")).to_contain_text("Salbutamol inhaler recorded as given")
    assert Administration.objects.get(medicine=inhaler).outcome == "given"

    page.goto(f"{live_server.url}/care/pupils/{w.pupil_in.pk}/")
    page.get_by_text("Previous agreements (1)").click()
    expect(page.locator("main")).to_contain_text("Renewed")
    expect(page.locator("main")).to_contain_text(f"review {next_review:%-d %b %Y}")
    check_a11y(page, f"medicine page with a previous agreement (office, {viewport})")
    shot(page, "care-pupil-previous-agreements")
