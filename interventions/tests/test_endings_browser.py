"""In headless Chromium on a phone (390px): the SENCo finds a group from the menu, ends it (a date in
the future first: the message is next to the field and the typed reason stays), and reads the
ended group and its session history; then ends a therapy programme. Every page is checked with axe;
the group page before and after and the end forms are photographed at 390px and 1366px into
/tmp/shots/iv/ (and test-artifacts/screenshots/)."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from interventions.models import Group, Placement, Session, TherapyProgramme
from interventions.tests.test_programmes import make_programme
from interventions.tests.test_sessions import make_group, make_intervention, place, ta_pupil, today
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    nav_to, open_page, page, snap_to, viewport,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
shot = snap_to(Path("/tmp/shots/iv"))
PHONE = pytest.mark.parametrize("viewport", ["phone"], indirect=True)


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


@PHONE
def test_senco_ends_a_group_and_a_programme_on_a_phone(page, live_server, browser_world, open_page):
    w = browser_world
    group = make_group(w, make_intervention(w, name="ELSA", max_group_size=4), name="ELSA Tuesday", days=[1, 3])
    place(w, group, w.pupil_in)
    place(w, group, ta_pupil(w))
    programme = make_programme(w)
    assert login(page, live_server, w.people["senco"], check=False) is True
    laptop = open_page("laptop")
    laptop.context.add_cookies(page.context.cookies())  # the same signed-in session (a TOTP code is single-use)
    for url, name in ((group.get_absolute_url(), "group-before"), (f"/interventions/groups/{group.pk}/end/",
                                                                   "group-end-form")):
        laptop.goto(f"{live_server.url}{url}")
        check_a11y(laptop, f"{name} on a laptop")
        shot(laptop, name)

    nav_to(page, "Interventions")
    click_and_wait(page, page.get_by_role("link", name=re.compile("^Groups")))
    click_and_wait(page, page.get_by_role("link", name="ELSA Tuesday"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSA Tuesday")
    check_a11y(page, "group page before ending (phone)")
    shot(page, "group-before")
    end_link = page.get_by_role("link", name="End this group")
    assert_touch_size(end_link, "End this group")
    click_and_wait(page, end_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("End ELSA Tuesday")
    expect(page.locator("main")).to_contain_text("The placements of Amelia Hughes and Ruby Patel end on the end date")
    expect(page.get_by_label("End date")).to_have_value(today().isoformat())
    check_a11y(page, "end a group (phone)")
    shot(page, "group-end-form")

    # A mistake first: tomorrow. Said next to the date; the typed reason stays; nothing ended.
    page.get_by_label("End date").fill((today() + datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Why is it ending?").fill("Targets met early")
    submit = page.get_by_role("button", name="End the group")
    assert_touch_size(submit, "End the group")
    click_and_wait(page, submit)
    expect(page.get_by_label("End date")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("can't be in the future")).to_be_visible()
    expect(page.get_by_label("Why is it ending?")).to_have_value("Targets met early")
    check_a11y(page, "end a group with an error (phone)")
    shot(page, "group-end-form-error")
    assert Group.objects.get(pk=group.pk).ended_on is None

    page.get_by_label("End date").fill(today().isoformat())
    click_and_wait(page, page.get_by_role("button", name="End the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSA Tuesday")
    expect(page.locator("main")).to_contain_text("This group ended on")
    expect(page.locator("main")).to_contain_text("Reason: Targets met early")
    expect(page.get_by_role("link", name="End this group")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add a pupil")).to_have_count(0)
    check_a11y(page, "group page after ending (phone)")
    shot(page, "group-after")
    click_and_wait(page, page.get_by_role("link", name="Sessions and attendance"))
    expect(page.locator("main")).to_contain_text("planned sessions after that")
    check_a11y(page, "session history of an ended group (phone)")
    shot(page, "group-history-after")
    assert set(Placement.objects.filter(group=group).values_list("ended_on", flat=True)) == {today()}
    after = group.meeting_dates(today() + datetime.timedelta(days=1), group.planned_end_date)
    assert list(Session.objects.filter(group=group, status="cancelled").values_list("date", flat=True)
                .order_by("date")) == after

    laptop.goto(f"{live_server.url}{group.get_absolute_url()}")
    check_a11y(laptop, "group page after ending on a laptop")
    shot(laptop, "group-after")

    # The programme: from its page to the end form and back.
    page.goto(f"{live_server.url}{programme.get_absolute_url()}")
    click_and_wait(page, page.get_by_role("link", name="End this programme"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Speech and language therapy programme")
    check_a11y(page, "end a programme (phone)")
    shot(page, "programme-end-form")
    laptop.goto(f"{live_server.url}/interventions/programmes/{programme.pk}/end/")
    shot(laptop, "programme-end-form")
    page.get_by_label("Why is it ending?").fill("Discharged by the therapist")
    click_and_wait(page, page.get_by_role("button", name="End the programme"))
    expect(page.locator("main")).to_contain_text("This programme ended on")
    check_a11y(page, "programme page after ending (phone)")
    shot(page, "programme-after")
    assert TherapyProgramme.objects.get(pk=programme.pk).end_reason == "Discharged by the therapist"


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_an_ended_groups_edit_page_shows_it_fixed_and_takes_a_new_name(page, live_server, browser_world, viewport):
    from interventions import services_placements

    w = browser_world
    group = make_group(w, make_intervention(w, name="ELSA", max_group_size=4), name="ELSA Tuesday", days=[1, 3])
    place(w, group, w.pupil_in)
    services_placements.end_group(group=group, ended_on=today(), reason="Targets met early",
                                  acting_user=w.people["senco"])
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit ELSA Tuesday")
    expect(page.locator("main")).to_contain_text("This group ended on")
    expect(page.locator("main")).to_contain_text("Reason: Targets met early")
    expect(page.get_by_label("Planned end")).to_be_disabled()
    expect(page.get_by_label("Start date")).to_be_disabled()
    expect(page.get_by_label("Name")).to_be_enabled()
    check_a11y(page, f"edit an ended group ({viewport})")
    snap_to(Path("/tmp/shots/groups"))(page, "ended-group-edit")
    page.get_by_label("Name").fill("ELSA Tuesday (autumn)")
    click_and_wait(page, page.get_by_role("button", name="Save group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSA Tuesday (autumn)")
    group.refresh_from_db()
    assert (group.name, group.ended_on, group.days) == ("ELSA Tuesday (autumn)", today(), [1, 3])
