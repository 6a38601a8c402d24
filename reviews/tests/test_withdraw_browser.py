"""Withdrawing a contribution in headless Chromium: a TA who submitted one finds it from the home page,
sees that a pack already printed it, makes a mistake (no reason), then withdraws it; the SENCo sees
it marked withdrawn, with why, on the pupil's contributions page. Every page is checked with axe and
photographed at phone (390px) and laptop widths, also into /tmp/shots/rv/."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.middleware import staff_context_for
from reviews import services
from reviews import services_contributions as contributions
from reviews.models import EvidencePack
from reviews.tests.test_packs import media  # noqa: F401 (fixture)
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, snap_to, viewport,
)

pytestmark = pytest.mark.browser
shot = snap_to(Path("/tmp/shots/rv"))
REASON = "I mixed up two weeks: the carpet work I described was in October, not this term."


def submitted_and_packed(w):
    """Amelia's TA submitted a contribution and the SENCo has since made a pack that printed it."""
    senco, ta = staff_context_for(w.people["senco"], None), staff_context_for(w.people["ta"], None)
    [c] = contributions.ask_for_contributions(staff=senco, pupil=w.pupil_in, asked=[w.people["ta"]],
                                              due_on=timezone.localdate() + datetime.timedelta(7))
    contributions.submit_contribution(staff=ta, contribution=c, progress="Sits for the whole carpet input now.",
                                      what_works="A wobble cushion and a job to do.")
    today = timezone.localdate()
    pack = services.start_pack(pupil=w.pupil_in, period_start=today - datetime.timedelta(100), period_end=today,
                               acting_user=w.people["senco"])  # no transaction here: the eager task runs now
    pack.refresh_from_db()
    assert pack.status == EvidencePack.Status.READY
    return c


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_ta_withdraws_a_contribution_and_the_senco_sees_why(page, open_page, live_server, browser_world, viewport):
    w = browser_world
    c = submitted_and_packed(w)
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("You submitted 1 contribution")
    with page.expect_navigation():
        page.get_by_role("link", name="Read it, or withdraw if something is wrong").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Read your contribution about Amelia Hughes").click()
    withdraw = page.get_by_role("link", name="Withdraw this contribution")
    assert_touch_size(withdraw, "Withdraw link")
    check_a11y(page, f"own submitted contribution (TA, {viewport})")
    shot(page, "contribution-submitted")
    with page.expect_navigation():
        withdraw.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your contribution")
    expect(page.get_by_role("note")).to_contain_text("Evidence pack version 1")
    check_a11y(page, f"withdraw a contribution (TA, {viewport})")
    shot(page, "withdraw")

    # No reason: refused, the message by the field, nothing withdrawn.
    button = page.get_by_role("button", name="Withdraw contribution")
    assert_touch_size(page.locator(".contrib-actions .btn"), "Withdraw/Keep button")
    with page.expect_navigation():
        button.click()
    expect(page.locator("#error_1_id_withdrawal_reason")).to_contain_text("Say why you are withdrawing it")
    check_a11y(page, f"withdraw with an error (TA, {viewport})")
    shot(page, "withdraw-error")
    c.refresh_from_db()
    assert not c.is_withdrawn

    page.get_by_label("Why are you withdrawing it?").fill(REASON)
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw contribution").click()
    main = page.locator("main")
    expect(main).to_contain_text("Withdrawn: packs made from now on leave it out. Senco Person has been told.")
    expect(main).to_contain_text("Withdrawn by Ta Person")
    expect(main).to_contain_text(REASON)
    expect(page.get_by_role("link", name="Withdraw this contribution")).to_have_count(0)
    check_a11y(page, f"withdrawn contribution (TA, {viewport})")
    shot(page, "withdrawn")
    c.refresh_from_db()
    assert c.is_withdrawn and c.withdrawal_reason == REASON

    senco = open_page(viewport)
    login(senco, live_server, w.people["senco"], check=False)
    senco.goto(f"{live_server.url}/reviews/pupils/{w.pupil_in.pk}/contributions/")
    expect(senco.locator("main")).to_contain_text("left out of packs made since")
    expect(senco.locator("main")).to_contain_text("I mixed up two weeks")
    check_a11y(senco, f"contributions with one withdrawn (SENCo, {viewport})")
    shot(senco, "senco-contributions-withdrawn")
    with senco.expect_navigation():
        senco.get_by_role("link", name="Read Ta Person's contribution").click()
    expect(senco.locator("main")).to_contain_text("It was printed before it was withdrawn in")
    expect(senco.get_by_role("link", name="Evidence pack version 1")).to_be_visible()
    check_a11y(senco, f"withdrawn contribution (SENCo, {viewport})")
    shot(senco, "senco-withdrawn")
