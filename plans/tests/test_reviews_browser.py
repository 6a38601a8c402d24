"""Annual reviews in headless Chromium: a SENCo on a laptop sees the reviews due on their home page,
opens a pupil, plans a review and records it; every page is checked with axe-core and photographed
at phone and laptop widths.

The browser harness lives in tests/browser/conftest.py; its fixtures are imported here (this file
sits with the plans app's tests)."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import AnnualReview
from plans.services_reviews import record_review
from plans.tests.test_reviews import days, ehcp_due_in, review_panels  # noqa: F401 (fixture)
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
LAPTOP = pytest.mark.parametrize("viewport", ["laptop"], indirect=True)


def field(page, label: str):
    """A form field by its label; crispy adds "*" to required fields' labels."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def choose(page, option: str):
    """Tap a choice shown as a toggle button (its label; the radio itself is visually hidden)."""
    page.locator("label.btn", has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).click()


def due_list(page):
    return page.get_by_role("region", name="Reviews due")


def click(page, locator):
    with page.expect_navigation():
        locator.click()


def reviews_world(w):
    """Amelia's EHCP falls due in 20 days, nothing booked; Oliver's was due 5 days ago and his
    meeting, booked for 3 days ago, hasn't been recorded."""
    senco = w.people["senco"]
    ehcp_due_in(w.pupil_in, senco, 20)
    oliver = ehcp_due_in(w.pupil_class, senco, -5)
    return record_review(pupil=w.pupil_class, plan=oliver, kind="annual", meeting_date=days(-3), acting_user=senco)


@LAPTOP
def test_senco_on_a_laptop_plans_and_records_reviews_from_the_due_list(page, live_server, browser_world,
                                                                      review_panels):
    w = browser_world
    oliver_review = reviews_world(w)
    assert login(page, live_server, w.people["senco"]) is True

    # Home: the reviews due, overdue first.
    items = due_list(page).get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Oliver Khan")
    expect(items.nth(0)).to_contain_text("Overdue")
    expect(items.nth(0)).to_contain_text("has passed: record whether it was held")
    expect(items.nth(1)).to_contain_text("Amelia Hughes")
    expect(items.nth(1)).to_contain_text("No meeting booked yet")
    check_a11y(page, "home with reviews due")

    # Amelia: open her page, plan the review on the date it falls due, send the papers.
    click(page, items.nth(1).get_by_role("link", name="Amelia Hughes", exact=True))
    panel = page.get_by_role("region", name="Reviews")
    expect(panel).to_contain_text(f"Next annual review due by {days(20):%-d %B %Y}")
    check_a11y(page, "pupil page with reviews panel")
    click(page, panel.get_by_role("link", name="Plan a review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a review")
    expect(field(page, "Meeting date")).to_have_value(days(20).isoformat())
    check_a11y(page, "plan a review")
    choose(page, "Annual review")
    click(page, page.get_by_role("button", name="Plan the review"))
    expect(page.get_by_role("status").filter(has_text="Review planned")).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_contain_text("Planned")
    check_a11y(page, "review planned")

    click(page, page.get_by_role("link", name="Record progress and views"))
    check_a11y(page, "record review")
    choose(page, "Papers sent")
    click(page, page.get_by_role("button", name="Save review"))
    # The date is missing: the message is next to the field, and nothing is lost.
    expect(page.locator("#error_1_id_papers_sent_on")).to_contain_text(
        "Enter the date the papers were sent")
    check_a11y(page, "record review with a mistake")
    field(page, "Papers sent on").fill(days(0).isoformat())
    click(page, page.get_by_role("button", name="Save review"))
    expect(page.locator('[aria-current="step"]')).to_contain_text("Papers sent")
    expect(page.get_by_role("region", name="Statutory dates")).to_contain_text("Met")

    # Oliver: his meeting happened three days ago; record it as held, with the views.
    page.goto(f"{live_server.url}/")
    click(page, due_list(page).get_by_role("link", name="Open review for Oliver Khan"))
    click(page, page.get_by_role("link", name="Record progress and views"))
    choose(page, "Meeting held")
    field(page, "Attendees").fill("Sam Khan, father\nMrs Jones, class teacher\nLA officer (by phone)")
    field(page, "The pupil's views").fill("Likes maths and the lunchtime club. Finds the hall too loud.")
    field(page, "The parents' views").fill("Pleased with his reading.")
    field(page, "Proposed changes to provision").fill("Ear defenders for assemblies.")
    click(page, page.get_by_role("button", name="Save review"))
    expect(page.locator('[aria-current="step"]')).to_contain_text("Meeting held")
    expect(page.get_by_role("region", name="Statutory dates")).to_contain_text("Not yet due")
    expect(page.get_by_text("Finds the hall too loud.")).to_be_visible()
    check_a11y(page, "review held")
    oliver_review.refresh_from_db()
    assert oliver_review.status == AnnualReview.Status.HELD
    oliver_review.plan.refresh_from_db()
    assert oliver_review.plan.last_annual_review == days(-3)

    # Back home: Amelia's line shows her booked meeting; Oliver's review clock has restarted.
    page.goto(f"{live_server.url}/")
    expect(due_list(page).get_by_role("listitem")).to_have_count(1)
    expect(due_list(page)).to_contain_text(f"Meeting {days(20):%-d %b %Y}: papers sent")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_review_pages_screenshots(page, live_server, browser_world, review_panels):
    w = browser_world
    oliver_review = reviews_world(w)
    assert login(page, live_server, w.people["senco"]) is True
    check_a11y(page, "home (reviews due)")
    snap(page, "reviews-home")
    for path, name in [
        (f"/pupils/{w.pupil_in.pk}/", "reviews-pupil-panel"),
        (f"/pupils/{w.pupil_class.pk}/", "reviews-pupil-panel-behind"),
        (f"/pupils/{w.pupil_in.pk}/reviews/new/", "reviews-create"),
        (oliver_review.get_absolute_url(), "reviews-detail-behind"),
        (f"/pupils/{w.pupil_class.pk}/reviews/{oliver_review.pk}/edit/", "reviews-edit"),
    ]:
        page.goto(f"{live_server.url}{path}")
        check_a11y(page, name)
        snap(page, name)
    # A mistake, shown next to the field.
    choose(page, "Report sent to the LA")
    click(page, page.get_by_role("button", name="Save review"))
    check_a11y(page, "reviews-edit-errors")
    snap(page, "reviews-edit-errors")
    # A review with everything recorded.
    choose(page, "Report sent to the LA")
    field(page, "Report sent to the LA on").fill(days(0).isoformat())
    field(page, "Papers sent on").fill(days(-20).isoformat())
    field(page, "Attendees").fill("Sam Khan, father\nMrs Jones, class teacher")
    field(page, "What is working").fill("Daily reading with a TA; visual timetable.")
    click(page, page.get_by_role("button", name="Save review"))
    check_a11y(page, "reviews-detail-complete")
    snap(page, "reviews-detail-complete")
    # No plan in force: said plainly, with the way to the plans.
    page.goto(f"{live_server.url}/pupils/{w.pupil_out.pk}/reviews/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Isla Morgan has no plan in force")
    check_a11y(page, "reviews-no-plan")
    snap(page, "reviews-no-plan")
