"""Sessions in headless Chromium: a TA on a phone opens "my sessions today" and records a whole group
in one step; the pages (and the SENCo's impact dashboard) are checked with axe and photographed at
phone (390px) and laptop (1366px) widths, also into /tmp/shots/interventions/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from interventions.models import Attendance, Session
from interventions.tests.test_sessions import make_group, place, ta_pupil, today
from plans.models import ProgressEvidence
from plans.tests.test_evidence import in_force_plan, outcome_of
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, snap_to, viewport,
)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/interventions")


shot = snap_to(SHOTS)




def elsa_group(w):
    outcome = outcome_of(in_force_plan(w))
    group = make_group(w)
    group.intervention.records_regulation = True
    group.intervention.save()
    p1 = place(w, group, w.pupil_in, outcome=outcome)
    p2 = place(w, group, ta_pupil(w))
    make_group(w, name="Lego club", staff=("ta", "senco"))
    return group, p1, p2, outcome


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_ta_records_a_group_session_from_my_sessions_today(page, live_server, browser_world, viewport):
    w = browser_world
    group, p1, p2, outcome = elsa_group(w)
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/interventions/today/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions today")
    expect(page.locator("main")).to_contain_text("ELSA Tuesday")
    check_a11y(page, f"my sessions today (TA, {viewport})")
    shot(page, "sessions-today")
    record = page.get_by_role("link", name="Record ELSA Tuesday session")
    assert_touch_size(record, "Record button")

    with page.expect_navigation():
        record.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record ELSA Tuesday")
    check_a11y(page, f"record a session (TA, {viewport})")
    shot(page, "session-record")
    assert_touch_size(page.locator(".tap-choices label"), "choice button")
    amelia = page.get_by_role("group", name="Amelia Hughes")
    ruby = page.get_by_role("group", name="Ruby Patel")
    expect(amelia.get_by_label("Present", exact=True)).to_be_checked()  # the default: no tap needed
    # First a mistake: Ruby absent with no reason. The form explains it and keeps what was typed.
    ruby.get_by_text("Absent", exact=True).click()
    amelia.get_by_text("Developing", exact=True).click()
    amelia.get_by_text("More regulated", exact=True).click()
    page.get_by_label("Short note (optional)").fill("Feelings thermometer")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(ruby.get_by_text("Give a reason for the absence.")).to_be_visible()
    expect(page.get_by_label("Short note (optional)")).to_have_value("Feelings thermometer")
    expect(amelia.get_by_label("Developing")).to_be_checked()
    check_a11y(page, f"record a session with an error (TA, {viewport})")
    assert not Session.objects.exists()

    ruby.get_by_label("If absent: reason").fill("Off sick")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("1 of 2 present")
    expect(page.locator("main")).to_contain_text("Recorded")
    check_a11y(page, f"my sessions today after saving (TA, {viewport})")
    session = Session.objects.get(group=group, date=today())
    assert {(a.placement_id, a.status, a.rating, a.regulation) for a in Attendance.objects.filter(session=session)} == {
        (p1.pk, "present", 2, "more"), (p2.pk, "absent", None, "")}
    assert ProgressEvidence.objects.filter(outcome_lineage=outcome.lineage, note="ELSA session: Feelings thermometer").exists()


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_impact_dashboard(page, live_server, browser_world, viewport):
    w = browser_world
    group, p1, p2, outcome = elsa_group(w)
    from interventions.tests.test_impact import record
    record(w, group, 2, {p1: "present", p2: "absent"})
    record(w, group, 1, {}, status="cancelled", reason="Assembly")
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/interventions/impact/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Intervention impact")
    expect(page.locator("main")).to_contain_text("Groups with missed sessions")
    check_a11y(page, f"impact dashboard (SENCo, {viewport})")
    shot(page, "impact-dashboard")
    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/sessions/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ELSA Tuesday")
    check_a11y(page, f"session history (SENCo, {viewport})")
    shot(page, "session-history")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_ta_keeps_the_register_of_a_group_with_a_pupil_off_their_caseload(page, live_server, browser_world,
                                                                           viewport):
    """Isla is on the TA's group but nobody's caseload: on the register by name and class, marked
    like the others, never rated, no target shown; photographed into /tmp/shots/groups/."""
    w = browser_world
    group, p1, p2, outcome = elsa_group(w)
    isla = place(w, group, w.pupil_out, smart_target="Isla will ask for a break")
    groups_shot = snap_to(Path("/tmp/shots/groups"))
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/sessions/{today().isoformat()}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record ELSA Tuesday")
    row = page.get_by_role("group", name="Isla Morgan 4B")
    expect(row).to_contain_text("Not on your caseload: mark attendance only")
    expect(page.locator("main")).not_to_contain_text("Isla will ask for a break")
    expect(row.get_by_role("group", name="Session target")).to_have_count(0)
    expect(page.get_by_role("group", name="Amelia Hughes").get_by_role("group", name="Session target")).to_have_count(1)
    check_a11y(page, f"register with a pupil off the caseload (TA, {viewport})")
    row.get_by_text("Absent", exact=True).click()
    row.get_by_label("If absent: reason").fill("At the dentist")
    groups_shot(page, "register-mixed-group")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("2 of 3 present")
    assert Attendance.objects.get(placement=isla).absence_reason == "At the dentist"

    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/sessions/{today().isoformat()}/")
    expect(page.locator("main")).to_contain_text("absent (At the dentist)")  # their own words
    groups_shot(page, "register-recorded")
    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/sessions/")
    expect(page.get_by_role("columnheader", name="Isla Morgan")).to_be_visible()
    check_a11y(page, f"session history with a pupil off the caseload (TA, {viewport})")
    groups_shot(page, "register-history")
    page.goto(f"{live_server.url}/interventions/groups/{group.pk}/")
    expect(page.locator("main")).to_contain_text("Isla Morgan 4B")
    expect(page.get_by_role("link", name="Isla Morgan")).to_have_count(0)
    check_a11y(page, f"group page with a pupil off the caseload (TA, {viewport})")
    groups_shot(page, "group-page-mixed")
