"""Progress evidence in headless Chromium: a TA on a phone records evidence in a few taps, and the
outcome, add-evidence and progress pages are checked with axe and photographed at phone and laptop
widths. Counts, never timings (the time is printed, not asserted)."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import Outcome, Rating
from plans.tests.test_evidence import add, in_force_plan, outcome_of, pdf, png
# The browser harness lives with the cross-app journeys; its fixtures are brought in here by name.
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, viewport,
)

pytestmark = pytest.mark.browser
PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the live server runs in this process: it stores files here too
    return tmp_path


class Interactions:
    """Counts what a person does: each tap and each field typed into."""

    def __init__(self):
        self.taps = self.fields = 0

    def tap(self, locator, *, navigates=False, page=None):
        if navigates:
            with page.expect_navigation():
                locator.click()
        else:
            locator.click()
        self.taps += 1

    def type(self, locator, text):
        locator.fill(text)
        self.fields += 1




@PHONE
def test_ta_on_a_phone_adds_evidence_in_a_few_taps(page, live_server, browser_world):
    w = browser_world
    outcome = outcome_of(in_force_plan(w))
    target = outcome.targets.order_by("order").first()
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/outcomes/{outcome.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(outcome.text)
    expect(page.get_by_role("region", name="Current progress")).to_contain_text("No evidence yet")
    check_a11y(page, "outcome page, no evidence (TA)")

    did = Interactions()
    started = time.monotonic()
    add_button = page.get_by_role("link", name="Add evidence")
    assert_touch_size(add_button, "Add evidence button")
    did.tap(add_button, navigates=True, page=page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    check_a11y(page, "add evidence (TA)")
    # Every choice is a big target for a thumb.
    assert_touch_size(page.locator(".choice-list label"), "target choice")
    assert_touch_size(page.locator(".rating-choices label"), "rating button")
    expect(page.get_by_label("The outcome as a whole")).to_be_checked()  # the default: no tap needed
    expect(page.get_by_label("Date seen")).to_have_value(timezone.localdate().isoformat())

    did.tap(page.locator(".choice-list label", has_text=target.text))
    did.tap(page.locator(".rating-choices label", has_text="Secure"))
    did.type(page.get_by_label("What you saw"), "Read the whole page aloud, one prompt.")
    snap(page, "evidence-add-filled")
    save = page.get_by_role("button", name="Save evidence")
    assert_touch_size(save, "Save button")
    did.tap(save, navigates=True, page=page)
    elapsed = time.monotonic() - started

    expect(page.get_by_role("status").filter(has_text="Evidence saved: Secure")).to_be_visible()
    expect(page.get_by_role("region", name="Current progress")).to_contain_text("Secure")
    entry = page.locator(".timeline > li").first
    expect(entry).to_contain_text("Read the whole page aloud, one prompt.")
    expect(entry).to_contain_text(f"Towards the target: {target.text}")
    expect(entry).to_contain_text("Recorded by Ta Person")
    check_a11y(page, "outcome page after adding evidence (TA)")
    snap(page, "evidence-outcome-after-adding")
    # Open the outcome's form, choose a target, tap a rating, type a note, save: four taps and one field.
    assert (did.taps, did.fields) == (4, 1)
    print(f"\nTA added evidence on a phone: {did.taps} taps, {did.fields} field typed, {elapsed:.1f} s in the browser")


@PHONE
def test_ta_is_shown_what_to_correct_on_a_phone(page, live_server, browser_world):
    w = browser_world
    outcome = outcome_of(in_force_plan(w))
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/pupils/{w.pupil_in.pk}/outcomes/{outcome.pk}/evidence/")
    page.get_by_label("What you saw").fill("Kept after the error")
    page.get_by_label("Photos or documents (optional)").set_input_files(
        [{"name": "notes.png", "mimeType": "image/png", "buffer": b"this is not a picture"}])
    with page.expect_navigation():
        page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_role("alert").filter(has_text="Some details need correcting")).to_be_visible()
    expect(page.get_by_text("Choose how far along this is.")).to_be_visible()
    expect(page.get_by_text(re.compile("“notes.png” isn't a photo"))).to_be_visible()
    expect(page.get_by_label("What you saw")).to_have_value("Kept after the error")
    check_a11y(page, "add evidence with errors")
    snap(page, "evidence-add-errors")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_evidence_pages_at_phone_and_laptop_width(page, live_server, browser_world, viewport, monkeypatch):
    from plans.panels_evidence import progress_panel
    from sendsupport import panels

    registered = panels._registries.get("pupil", [])
    if progress_panel not in registered:  # until the app registers it in its AppConfig
        monkeypatch.setitem(panels._registries, "pupil", [*registered, progress_panel])
    w = browser_world
    plan = in_force_plan(w, outcomes=2, targets=2)
    first, second = outcome_of(plan, 0), outcome_of(plan, 1)
    semh = Outcome.objects.create(plan=plan, area_of_need="semh", order=0,
                                  text="Will name how he feels and ask an adult for a break when he needs one")
    today = timezone.localdate()
    add(w, first, rating=Rating.EMERGING, on=today - timedelta(days=40), note="Needed the word mat throughout.")
    add(w, first, target=first.targets.first(), rating=Rating.DEVELOPING, on=today - timedelta(days=12),
        note="Read three sentences with two prompts.\nPleased with himself.", files=[png("reading.png", (320, 240))])
    add(w, first, by="senco", rating=Rating.SECURE, on=today - timedelta(days=2),
        note="Reading record from home attached.",
        files=[pdf("Reading record autumn.pdf"), png("page.png", (200, 300))])
    add(w, semh, rating=Rating.NOT_YET_STARTED, on=today - timedelta(days=70), note="Baseline.")
    assert second  # no evidence yet: shown as such

    login(page, live_server, w.people["senco"], check=False)
    base = f"{live_server.url}/pupils/{w.pupil_in.pk}"
    for path, label in [
        (f"/outcomes/{first.pk}/", "outcome page"),
        (f"/outcomes/{first.pk}/evidence/", "add evidence"),
        ("/progress/", "progress page"),
        ("/", "pupil page with progress panel"),
        (f"/outcomes/{second.pk}/", "outcome page no evidence"),
    ]:
        page.goto(base + path)
        check_a11y(page, label)
        snap(page, "evidence-" + re.sub(r"\W+", "-", label))
    # Thumbnails loaded through the private file view (a failed image would fail the test).
    page.goto(f"{base}/outcomes/{first.pk}/")
    expect(page.locator("img.evidence-thumb")).to_have_count(2)
    for img in page.locator("img.evidence-thumb").all():
        img.scroll_into_view_if_needed()  # they load lazily
        img.evaluate("i => i.decode()")
        assert img.evaluate("i => i.naturalWidth") > 0
