"""Contributions in headless Chromium: a TA on a phone finds the request on their home page, saves a
draft, comes back and submits; the SENCo's page for asking and the DSL's summary page. Every page is
checked with axe and photographed (phone 390px, laptop), also into /tmp/shots/contrib/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.middleware import staff_context_for
from reviews import services_contributions as services
from reviews.models_contributions import Contribution
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, snap_to, viewport,
)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/contrib")


shot = snap_to(SHOTS)




def ask_ta(w, question="How does she manage the move from carpet to tables?"):
    [c] = services.ask_for_contributions(staff=staff_context_for(w.people["senco"], None), pupil=w.pupil_out,
                                         asked=[w.people["ta"]], due_on=timezone.localdate() + datetime.timedelta(7),
                                         question=question)
    return c


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_asked_ta_writes_a_contribution_from_the_home_page(page, live_server, browser_world, viewport):
    w = browser_world
    c = ask_ta(w)
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Contributions asked of you")
    check_a11y(page, f"home with a contribution request (TA, {viewport})")
    shot(page, "home-request")
    write = page.get_by_role("link", name="Write contribution about Isla Morgan")
    assert_touch_size(write, "Write button")
    with page.expect_navigation():
        write.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contribution")
    expect(page.locator("main")).to_contain_text("How does she manage the move")
    check_a11y(page, f"write a contribution (TA, {viewport})")
    shot(page, "write")
    assert_touch_size(page.locator(".contrib-actions .btn"), "Submit/Save button")

    # A mistake first: submitting without answering the question. The message sits by the field, text kept.
    page.get_by_label("Progress you have seen").fill("Moves to her table with a visual timer, most days.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Answer the question you were asked")).to_be_visible()
    expect(page.get_by_label("Progress you have seen")).to_have_value("Moves to her table with a visual timer, most days.")
    check_a11y(page, f"write a contribution with an error (TA, {viewport})")
    shot(page, "write-error")

    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("Draft saved")
    page.goto(f"{live_server.url}/")
    carry_on = page.get_by_role("link", name="Carry on contribution about Isla Morgan")
    with page.expect_navigation():
        carry_on.click()
    expect(page.get_by_label("Progress you have seen")).to_have_value("Moves to her table with a visual timer, most days.")
    page.get_by_label("What works for them").fill("A now-and-next board and a job to do on arrival.")
    page.get_by_label("Your answer to the question").fill("Better after lunch than in the morning.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contribution from Ta Person")
    expect(page.locator("main")).to_contain_text("Submitted")
    check_a11y(page, f"submitted contribution (TA, {viewport})")
    shot(page, "submitted")
    c.refresh_from_db()
    assert c.is_submitted and c.answer == "Better after lunch than in the morning."
    page.goto(f"{live_server.url}/")
    expect(page.locator("main")).not_to_contain_text("Contributions asked of you")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_asks_staff_and_dsl_adds_a_summary(page, live_server, browser_world, viewport):
    w = browser_world
    ask_ta(w)
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/reviews/pupils/{w.pupil_out.pk}/contributions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff contributions for the annual review")
    page.get_by_label("Teacher Person").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Ask and tell them").click()
    expect(page.locator("main")).to_contain_text("Asked 1 person")
    check_a11y(page, f"ask for contributions (SENCo, {viewport})")
    shot(page, "ask")
    assert Contribution.objects.filter(asked=w.people["teacher"]).exists()

    page.context.clear_cookies()  # sign out the SENCo
    login(page, live_server, w.people["dsl"], check=False)
    page.goto(f"{live_server.url}/reviews/pupils/{w.pupil_out.pk}/safeguarding-summary/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding summary for evidence packs")
    page.get_by_label("Summary for the pack").fill("Open to early help since January; school attends meetings.")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to packs").click()
    expect(page.locator("main")).to_contain_text("Open to early help since January")
    check_a11y(page, f"safeguarding summary (DSL, {viewport})")
    shot(page, "dsl-summary")
