"""In headless Chromium on a phone (390px) and a laptop (1366px): the SENCo re-opens a group ended by
mistake from its page (no reason first: the message is next to the field), and the group page then
says when it ended, by whom and why, and when it was re-opened, by whom and why. Every page is
checked with axe and photographed into /tmp/shots/interv/ (and test-artifacts/screenshots/)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from interventions import services_placements
from interventions.models import Group, Placement
from interventions.tests.test_sessions import make_group, make_intervention, place, ta_pupil, today
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap_to, viewport,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
shot = snap_to(Path("/tmp/shots/interv"))


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_reopens_a_group_ended_by_mistake(page, live_server, browser_world, viewport):
    w = browser_world
    group = make_group(w, make_intervention(w, name="ELSA", max_group_size=4), name="ELSA Tuesday",
                       days=[0, 1, 2, 3, 4, 5])  # a Saturday session too: the days line names only its days
    place(w, group, w.pupil_in)
    place(w, group, ta_pupil(w))
    services_placements.end_group(group=group, ended_on=today(), reason="Targets met early",
                                  acting_user=w.people["senco"])
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("Mon, Tue, Wed, Thu, Fri, Sat at 10:15")
    reopen = page.get_by_role("link", name="Re-open this group")
    assert_touch_size(reopen, "Re-open this group")
    click_and_wait(page, reopen)
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-open ELSA Tuesday")
    expect(page.locator("main")).to_contain_text("The placements of Amelia Hughes and Ruby Patel, ended by the "
                                                 "ending, are open again.")
    check_a11y(page, f"re-open a group ({viewport})")
    shot(page, "group-reopen-form")

    submit = page.get_by_role("button", name="Re-open the group")
    assert_touch_size(submit, "Re-open the group")
    click_and_wait(page, submit)  # no reason yet
    expect(page.get_by_label("Why is it being re-opened?")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Say why it is being re-opened.")).to_be_visible()
    assert Group.objects.get(pk=group.pk).ended_on is not None

    page.get_by_label("Why is it being re-opened?").fill("Ended the wrong group: ELSA Thursday was meant")
    click_and_wait(page, page.get_by_role("button", name="Re-open the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSA Tuesday")
    history = page.get_by_role("region", name="Ended and re-opened")
    expect(history).to_contain_text(re.compile(
        r"Ended on \d+ \w+ \d{4} by Senco Person: Targets met early; re-opened on \d+ \w+ \d{4} by Senco Person: "
        r"Ended the wrong group: ELSA Thursday was meant"))
    expect(page.get_by_role("link", name="End this group")).to_be_visible()
    expect(page.get_by_role("heading", name="Add a pupil")).to_be_visible()
    check_a11y(page, f"group page after re-opening ({viewport})")
    shot(page, "group-reopened")
    assert set(Placement.objects.filter(group=group).values_list("ended_on", flat=True)) == {None}
