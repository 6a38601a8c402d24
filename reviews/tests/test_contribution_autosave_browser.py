"""Autosave in headless Chromium on a 390px phone: a TA types, the draft saves itself ("Draft saved
10:42"), survives a reload, leaving the page before the save was due, a dropped connection and a
timed-out session (signed in again, the typing is put back and saved); then they submit. axe on
each state; screenshots also into /tmp/shots/rv2/."""

import re
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from accounts.factories import DEMO_PASSWORD
from reviews.models_contributions import Contribution
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap_to, viewport,
)

from .test_contributions_browser import ask_ta

pytestmark = pytest.mark.browser
shot = snap_to(Path("/tmp/shots/rv2"))
SAVED = re.compile(r"^Draft saved \d\d:\d\d$")


def saved_in_db(c, **expected):
    """The server has the draft (a keepalive save sent as the page closed lands a moment later)."""
    deadline = time.monotonic() + 10  # a bound, not a timing assertion
    while time.monotonic() < deadline:
        row = Contribution.objects.values(*expected).get(pk=c.pk)
        if row == expected:
            return
        time.sleep(0.2)
    pytest.fail(f"draft not saved: {row} != {expected}")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_ta_on_a_phone_loses_nothing_they_type(page, live_server, browser_world, viewport):
    w = browser_world
    c = ask_ta(w)
    write = f"{live_server.url}/reviews/contributions/{c.pk}/write/"
    login(page, live_server, w.people["ta"], check=False)
    page.goto(write)
    status = page.locator("#draft-status")
    progress = page.get_by_label("Progress you have seen")
    what_works = page.get_by_label("What works for them")
    answer = page.get_by_label("Your answer to the question")
    expect(status).to_have_text("Saved as a draft as you type.")

    # Type, stop: it saves itself, quietly, and a reload shows exactly what was saved.
    progress.fill("Moves to her table with a visual timer, most days.")
    expect(status).to_have_text(SAVED)
    check_a11y(page, "contribution autosaved (TA, phone)")
    shot(page, "autosave-saved")
    saved_in_db(c, progress="Moves to her table with a visual timer, most days.", submitted_at=None)
    page.reload()
    expect(progress).to_have_value("Moves to her table with a visual timer, most days.")
    expect(status).to_contain_text("Draft last saved")

    # Leaving the page before the save was due (the bell goes): it is sent as the page closes.
    what_works.fill("A now-and-next board.")
    page.goto(f"{live_server.url}/")
    saved_in_db(c, what_works="A now-and-next board.")

    # No signal: it says so, keeps the typing, and saves when the connection comes back.
    page.goto(write)
    page.context.set_offline(True)
    what_works.fill("A now-and-next board and a job on arrival.")
    expect(status).to_contain_text("no connection")
    expect(page.get_by_role("link", name="Reload the page to carry on")).to_be_hidden()  # nothing to reload for
    check_a11y(page, "contribution not saved, offline (TA, phone)")
    shot(page, "autosave-offline")
    page.context.set_offline(False)
    expect(status).to_have_text(SAVED)
    saved_in_db(c, what_works="A now-and-next board and a job on arrival.")

    # The session timed out between lessons: the typing is kept in the tab, put back after signing in.
    Session.objects.all().delete()
    answer.fill("Better after lunch than in the morning.")
    expect(status).to_contain_text("you may have been signed out")
    reload = page.get_by_role("link", name="Reload the page to carry on")
    expect(reload).to_be_visible()
    assert_touch_size(reload, "Reload link")
    check_a11y(page, "contribution not saved, signed out (TA, phone)")
    shot(page, "autosave-signed-out")
    with page.expect_navigation():
        reload.click()
    assert "/accounts/login/" in page.url
    page.locator('input[name="login"]').fill(w.people["ta"].email)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contribution")
    expect(answer).to_have_value("Better after lunch than in the morning.")
    expect(status).to_have_text(SAVED)
    saved_in_db(c, answer="Better after lunch than in the morning.", submitted_at=None)

    page.set_viewport_size({"width": 1366, "height": 768})  # the same page on a laptop, to look at
    shot(page, "autosave-restored")
    page.set_viewport_size({"width": 390, "height": 844})

    # Autosave never submitted anything: the TA does, with the button.
    assert_touch_size(page.locator(".contrib-actions .btn"), "Submit/Save button")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    c.refresh_from_db()
    assert c.is_submitted and c.progress == "Moves to her table with a visual timer, most days."
    assert c.what_works == "A now-and-next board and a job on arrival."
