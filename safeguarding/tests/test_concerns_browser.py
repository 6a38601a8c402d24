"""Safeguarding in headless Chromium: a TA on a phone raises a concern about a pupil outside their
caseload and sees that it was received; the DSL, on a laptop, opens it, adds an action and sets
the status to monitoring. Every page is checked with axe-core and photographed
(test-artifacts/screenshots/), the raise form and the concern page at both widths.

Uses the browser harness in tests/browser (fixtures imported below)."""

import re

import pytest
from playwright.sync_api import expect

from safeguarding.models import Concern, Status
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

pytestmark = [
    pytest.mark.browser,
    # pytest-playwright 0.10.0's own base_url fallback trips a pytest 9 deprecation: not ours.
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)
PHONE_SIZE = {"width": 390, "height": 844}
LAPTOP_SIZE = {"width": 1366, "height": 768}


def label(text: str):
    """A field's label as people read it; crispy adds "*" to required fields' labels."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def snap_both(page, name: str, back_to: dict):
    """The page at phone and laptop widths, then back to the size the journey uses."""
    for size in (PHONE_SIZE, LAPTOP_SIZE):
        page.set_viewport_size(size)
        snap(page, name)
    page.set_viewport_size(back_to)


@PHONE
def test_a_ta_raises_a_concern_and_the_dsl_acts_on_it(page, live_server, browser_world, open_page):
    w = browser_world
    # --- the TA, on a phone, about a pupil who is not on their caseload
    assert login(page, live_server, w.people["ta"]) is False
    click_and_wait(page, page.get_by_role("link", name="Raise a safeguarding concern"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a safeguarding concern")
    page.get_by_label("Pupil's name").fill("Isla")
    click_and_wait(page, page.get_by_role("button", name="Find"))
    check_a11y(page, "pick a pupil (TA, phone)")
    snap(page, "sg-pick-pupil")
    click_and_wait(page, page.get_by_role("link", name=re.compile("Isla Morgan")))
    expect(page.get_by_text("Isla Morgan")).to_be_visible()
    check_a11y(page, "raise a concern (TA, phone)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label(label("Where")).fill("Playground, by the climbing frame")
    page.get_by_label(label("What the child said, in their own words")).fill("Dad grabbed my arm.")
    page.get_by_label("Left arm").check()
    snap_both(page, "sg-raise-form", back_to=PHONE_SIZE)
    # A mistake first: no facts. The message is by the field, and what was typed stays.
    click_and_wait(page, page.get_by_role("button", name="Send to the safeguarding team"))
    facts = page.get_by_label(label("What you saw or heard"))
    expect(facts).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Write what you saw or heard.")).to_be_visible()
    expect(page.get_by_label(label("What the child said, in their own words"))).to_have_value("Dad grabbed my arm.")
    expect(page.get_by_label("Left arm")).to_be_checked()
    check_a11y(page, "raise a concern with an error (TA, phone)")
    snap(page, "sg-raise-error")
    facts.fill("Four round bruises on the top of her left arm, yellow-green.")
    click_and_wait(page, page.get_by_role("button", name="Send to the safeguarding team"))

    concern = Concern.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern received")
    expect(page.get_by_text(concern.reference)).to_be_visible()
    expect(page.get_by_text("The DSL team has been told.")).to_be_visible()
    expect(page.get_by_text("bruises")).to_have_count(0)
    check_a11y(page, "concern received (TA, phone)")
    snap(page, "sg-received")
    # The TA can't open it now.
    response = page.goto(f"{live_server.url}/safeguarding/concerns/{concern.pk}/")
    assert response.status == 403

    # --- the DSL, on a laptop
    dsl = open_page("laptop")
    assert login(dsl, live_server, w.people["dsl"]) is True
    expect(dsl.get_by_text("1 new concern")).to_be_visible()
    check_a11y(dsl, "home with the safeguarding panel (DSL)")
    click_and_wait(dsl, dsl.get_by_role("link", name="Safeguarding concerns"))
    check_a11y(dsl, "concern list (DSL)")
    snap(dsl, "sg-list")
    click_and_wait(dsl, dsl.get_by_role("link", name=re.compile(concern.reference)))
    expect(dsl.get_by_role("heading", level=1)).to_have_text(f"Concern {concern.reference}")
    expect(dsl.get_by_text("“Dad grabbed my arm.”")).to_be_visible()
    check_a11y(dsl, "concern (DSL)")

    dsl.get_by_text("Add an action or note").click()
    dsl.get_by_label(label("What was done, or the note")).fill("Spoke with Isla in the nurture room.")
    dsl.get_by_label(label("Who will do it (optional)")).fill("DSL")
    click_and_wait(dsl, dsl.get_by_role("button", name="Add to the record"))
    expect(dsl.get_by_text("Added to the record.")).to_be_visible()

    dsl.get_by_text("Change the status").click()
    dsl.get_by_label("Monitoring").check()
    dsl.get_by_label(label("Why")).fill("Daily check-ins for two weeks.")
    click_and_wait(dsl, dsl.get_by_role("button", name="Change status"))
    expect(dsl.get_by_text("Status changed.")).to_be_visible()
    expect(dsl.locator(".badge", has_text="Monitoring")).to_be_visible()
    record = dsl.get_by_role("region", name="Record", exact=True)
    expect(record.get_by_role("listitem")).to_have_count(2)
    expect(record).to_contain_text("Open → Monitoring")
    check_a11y(dsl, "concern with its record (DSL)")
    snap_both(dsl, "sg-concern", back_to=LAPTOP_SIZE)

    click_and_wait(dsl, dsl.get_by_role("link", name="Chronology"))
    expect(dsl.get_by_role("heading", level=1)).to_have_text("Chronology: Isla Morgan")
    check_a11y(dsl, "chronology (DSL)")
    snap(dsl, "sg-chronology")

    concern.refresh_from_db()
    assert concern.status == Status.MONITORING and concern.actions.count() == 2
