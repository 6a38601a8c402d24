"""Personal care in headless Chromium: a named TA on a phone logs care from the home page in three
taps (care given, second adult, Save), is refused without the second adult the plan needs, and
raises a concern from an observation in the same step; the SENCo reads the plan and the list on a
laptop. A refused save shows only what was chosen ("Nothing to note" gives way to what was
noticed), and a second adult the plan doesn't name needs a reason. Every page is checked with
axe and photographed, also into /tmp/shots/pc/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from personalcare.models import CareLog
from safeguarding.models import Concern
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, snap_to, viewport,
)

from .conftest import log_care

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/pc")


shot = snap_to(SHOTS)




@pytest.fixture
def care_world(browser_world):
    from personalcare.factories import in_force_plan

    w, p = browser_world, browser_world.people
    w.plan = in_force_plan(pupil=w.pupil_in, senco=p["senco"], named=[p["ta"], p["teacher"]])
    w.plan_isla = in_force_plan(pupil=w.pupil_out, senco=p["senco"], named=[p["ta"], p["other_ta"]],
                                second_adult_required=True, second_adult_notes="Hoisting: always two adults.")
    return w


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_named_ta_logs_care_in_three_taps(page, live_server, care_world, viewport):
    w = care_world
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/")
    panel = page.get_by_role("region", name="Personal care")
    expect(panel).to_contain_text("Isla Morgan")
    check_a11y(page, f"home with personal care (TA, {viewport})")
    shot(page, "home-personal-care")
    start = panel.get_by_role("link", name="Log care for Isla Morgan")
    assert_touch_size(start, "Log care button")

    with page.expect_navigation():
        start.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log care")
    expect(page.locator(".care-keys")).to_contain_text("Second adult required.")
    expect(page.locator(".care-keys")).to_contain_text("Communication")
    check_a11y(page, f"log care (TA, {viewport})")
    shot(page, "log-care")
    assert_touch_size(page.locator(".tap-choices label:visible"), "choice button")  # marks yes/no: hidden yet
    assert_touch_size(page.get_by_role("button", name="Save"), "Save button")

    # Forgetting the second adult: refused, with the reason next to the field and the taps kept.
    page.get_by_text("Pad or nappy change", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.locator("#log-errors")).to_contain_text("This pupil's plan needs a second adult present.")
    expect(page.locator("#id_second_adult-errors")).to_contain_text("Choose who was with you.")
    expect(page.get_by_label("Pad or nappy change")).to_be_checked()
    check_a11y(page, f"log care, second adult missing (TA, {viewport})")
    shot(page, "log-care-second-adult-missing")

    # Someone not named on the plan, and marks tapped over the ticked "Nothing to note", with no
    # reason, answer or description: refused next to each field, showing only what was chosen.
    nothing, marks = page.get_by_label("Nothing to note"), page.get_by_label("Marks or bruising")
    expect(nothing).to_be_checked()
    page.get_by_text("Marks or bruising", exact=True).click()
    expect(nothing).not_to_be_checked()  # one tap, not two
    page.get_by_text("Someone not named on the plan", exact=True).click()
    page.get_by_label("Someone else").select_option(label="Senior Person")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    errors = page.locator("#log-errors")
    # All three at once, listed in the page's order, each next to its field.
    expect(errors.get_by_role("listitem")).to_have_count(3)
    expect(errors.get_by_role("listitem")).to_contain_text([
        "Senior Person isn't named on this pupil's care plan", "choose whether to raise a safeguarding concern",
        "Describe what you noticed"])
    expect(page.locator("#id_second_adult_reason_error")).to_contain_text("say why a named adult wasn't with you")
    expect(page.locator("#id_marks_concern-errors")).to_contain_text("choose whether to raise a safeguarding concern")
    expect(page.locator("#id_observation_notes_error")).to_contain_text("Describe what you noticed")
    expect(page.get_by_label("Someone else")).to_have_value(str(w.people["senior"].pk))
    expect(marks).to_be_checked()
    expect(nothing).not_to_be_checked()
    expect(page.locator('input[name="observations"]:checked')).to_have_count(1)
    expect(page.locator('input[name="marks_concern"]:checked')).to_have_count(0)
    check_a11y(page, f"log care, second adult not on the plan and marks unanswered (TA, {viewport})")
    shot(page, "log-care-refused-unnamed-and-marks")
    # Tapping "Nothing to note" again clears the marks; a named adult clears the list.
    page.get_by_text("Nothing to note", exact=True).click()
    expect(marks).not_to_be_checked()
    page.get_by_text("Other Ta", exact=True).click()
    expect(page.get_by_label("Someone else")).to_have_value("")
    assert not CareLog.objects.exists()

    # The common case from a fresh form: three taps.
    page.goto(f"{live_server.url}/personal-care/pupil/{w.pupil_out.pk}/log/")
    taps = 0
    for target in (page.get_by_text("Pad or nappy change", exact=True), page.get_by_text("Other Ta", exact=True),
                   page.get_by_role("button", name="Save")):
        if target.get_attribute("type") == "submit":
            with page.expect_navigation():
                target.click()
        else:
            target.click()
        taps += 1
    assert taps == 3
    expect(page.locator(".alert-success")).to_contain_text("Care logged for Isla Morgan")
    log = CareLog.objects.get()
    assert (log.second_adult, log.care_given, log.observations) == (w.people["other_ta"], ["pad_change"], ["none"])
    check_a11y(page, f"pupil's personal care (TA, {viewport})")
    shot(page, "pupil-personal-care")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_observation_of_concern_is_raised_in_the_same_step(page, live_server, care_world, viewport):
    w = care_world
    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/personal-care/pupil/{w.pupil_in.pk}/log/")
    page.get_by_text("Toileting", exact=True).click()
    question = page.get_by_role("group", name="Marks or bruising: raise a safeguarding concern?")
    expect(question).to_be_hidden()  # asked only once marks are ticked
    page.get_by_text("Marks or bruising", exact=True).click()
    expect(question).to_be_visible()
    expect(page.get_by_label("Nothing to note")).not_to_be_checked()
    assert_touch_size(question.locator("label"), "marks yes/no button")
    page.get_by_text("Describe what you noticed, or raise a concern").click()
    page.get_by_label("What you noticed").fill("Two small bruises, 1cm, purple, inside left upper arm.")
    # Sent with both ticked, as from a browser where the script didn't run: the server drops "Nothing to note".
    page.locator("#id_observations_0").evaluate("box => { box.checked = true; }")
    # Saving without an answer is refused next to the question, with what was typed kept.
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_marks_concern-errors")).to_contain_text("choose whether to raise a safeguarding concern")
    expect(page.get_by_label("What you noticed")).to_have_value("Two small bruises, 1cm, purple, inside left upper arm.")
    expect(page.get_by_label("Marks or bruising")).to_be_checked()
    expect(page.get_by_label("Nothing to note")).not_to_be_checked()
    check_a11y(page, f"log care, marks unanswered (TA, {viewport})")
    shot(page, "log-care-marks-unanswered")
    assert not CareLog.objects.exists()
    page.get_by_text("Yes, raise a concern", exact=True).click()
    page.get_by_label("What the pupil said, in their own words (optional)").fill("It was an accident")
    check_a11y(page, f"log care with a concern (TA, {viewport})")
    shot(page, "log-care-concern")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    concern = Concern.objects.get()
    expect(page.locator(".alert-success").nth(1)).to_contain_text(
        f"Your safeguarding concern was received (reference {concern.reference})")
    assert CareLog.objects.get().concern == concern
    shot(page, "concern-received")


@pytest.mark.parametrize("viewport", ["laptop", "phone"], indirect=True)
def test_senco_reads_the_list_and_the_plan(page, live_server, care_world, viewport):
    w = care_world
    log_care(w, pupil=w.pupil_out, second_adult=w.people["senior"], observations=["soreness"],
             observation_notes="Slight redness", second_adult_reason="Other Ta was on a course.")
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/personal-care/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal care")
    check_a11y(page, f"personal care list (SENCo, {viewport})")
    shot(page, "list-senco")
    page.goto(f"{live_server.url}/personal-care/plan/{w.plan_isla.pk}/")
    expect(page.get_by_role("heading", name="Second adult required")).to_be_visible()
    check_a11y(page, f"care plan (SENCo, {viewport})")
    shot(page, "plan-senco")
    page.goto(f"{live_server.url}/personal-care/log/{CareLog.objects.get().pk}/")
    expect(page.get_by_text("Not named on the plan", exact=True)).to_be_visible()
    expect(page.locator("dd", has_text="Other Ta was on a course.")).to_be_visible()
    check_a11y(page, f"care log (SENCo, {viewport})")
    shot(page, "log-detail-senco")
    page.goto(f"{live_server.url}/personal-care/pupil/{w.pupil_class.pk}/plan/new/")
    check_a11y(page, f"new care plan form (SENCo, {viewport})")
    shot(page, "plan-form-senco")
