"""In headless Chromium on a laptop: the SENCo adds a catalogue entry, starts a group, adds two
pupils (one mistake first: the message is next to the field, the typed target is kept) and reads
the school provision map. Each page is checked with axe; the group page and the map are
photographed at 1366px and 390px into /tmp/shots/interventions/ (and test-artifacts/screenshots/)."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Group, Intervention, Placement
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page, snap,
    viewport,
)

def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()

SHOTS = Path("/tmp/shots/interventions")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods are deprecated"),
]
LAPTOP = pytest.mark.parametrize("viewport", ["laptop"], indirect=True)


def field(page, text):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$"))


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def shoot(page, name):
    snap(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}--{page.viewport_size['width']}px.png"), full_page=True)


@LAPTOP
def test_senco_sets_up_a_group_and_reads_the_provision_map(page, live_server, browser_world, open_page):
    w = browser_world
    assert login(page, live_server, w.people["senco"]) is True
    page.goto(f"{live_server.url}/interventions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Interventions")
    check_a11y(page, "interventions home (SENCo)")
    click_and_wait(page, page.get_by_role("link", name=re.compile("^Catalogue")))
    click_and_wait(page, page.get_by_role("link", name="Add an intervention"))
    check_a11y(page, "add an intervention")
    field(page, "Name").fill("ELSA")
    field(page, "Area of need").select_option(label="Social, emotional and mental health")
    field(page, "Group size (most pupils)").fill("2")
    field(page, "Entry/exit measure").fill("Boxall Profile")
    field(page, "Measure min").fill("0")
    field(page, "Measure max").fill("100")
    field(page, "Cost per session (£)").fill("30")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_text("“ELSA” saved in the catalogue.")).to_be_visible()
    check_a11y(page, "catalogue")

    click_and_wait(page, page.get_by_role("link", name="Start a group of ELSA"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a group")
    field(page, "Name").fill("ELSA Tuesday")
    page.get_by_label("Ta Person").check()
    page.get_by_label("Tuesday").check()
    page.get_by_label("Thursday").check()
    field(page, "Time").fill("10:30")
    field(page, "Start date").fill(today().isoformat())
    field(page, "Planned end").fill((today() + timezone.timedelta(days=42)).isoformat())
    check_a11y(page, "start a group")
    click_and_wait(page, page.get_by_role("button", name="Save group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSA Tuesday")

    # A mistake first: no pupil chosen. Said next to the field; the typed target stays.
    field(page, "SMART target").fill("Will name three feelings by half term")
    click_and_wait(page, page.get_by_role("button", name="Add to group"))
    expect(field(page, "Pupil")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Choose a pupil.")).to_be_visible()
    expect(field(page, "SMART target")).to_have_value("Will name three feelings by half term")
    check_a11y(page, "add a pupil, with an error")
    field(page, "Pupil").select_option(label=f"{w.pupil_in.display_name} (Year {w.pupil_in.year_group})")
    click_and_wait(page, page.get_by_role("button", name="Add to group"))
    expect(page.get_by_text(f"{w.pupil_in.display_name} added to ELSA Tuesday.")).to_be_visible()
    field(page, "Pupil").select_option(label=f"{w.pupil_out.display_name} (Year {w.pupil_out.year_group})")
    field(page, "SMART target").fill("Will use the calm box without a prompt twice a week")
    click_and_wait(page, page.get_by_role("button", name="Add to group"))
    expect(page.get_by_text("The group is full (2 pupils at most for ELSA)")).to_be_visible()
    expect(page.get_by_role("region", name="Pupils and their targets").get_by_role("listitem")).to_have_count(2)
    check_a11y(page, "group page (SENCo)")
    shoot(page, "group-page")

    # The placement page: an exit score without an entry score is refused next to the field.
    click_and_wait(page, page.get_by_role("link", name=w.pupil_in.display_name))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{w.pupil_in.display_name} on ELSA Tuesday")
    check_a11y(page, "placement page")
    field(page, "Exit score (Boxall Profile)").fill("60")
    field(page, "Exit date").fill(today().isoformat())
    click_and_wait(page, page.get_by_role("button", name="Save scores"))
    expect(page.get_by_text("Record the entry score first")).to_be_visible()
    expect(field(page, "Exit score (Boxall Profile)")).to_have_value("60")
    check_a11y(page, "placement page with an error")
    page.goto(f"{live_server.url}/interventions/")
    click_and_wait(page, page.get_by_role("link", name=re.compile("^School provision map")))
    table = page.get_by_role("table", name="Who gets what across the school, with costs")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("Tue, Thu")
    check_a11y(page, "school provision map")
    shoot(page, "school-provision-map")

    group = Group.objects.get(name="ELSA Tuesday")
    assert Intervention.objects.get(school=w.school).max_group_size == 2
    assert set(Placement.objects.filter(group=group).values_list("pupil", flat=True)) == {w.pupil_in.pk,
                                                                                         w.pupil_out.pk}
    phone = open_page("phone")
    phone.context.add_cookies(page.context.cookies())  # the same signed-in session (a TOTP code is single-use)
    for url, name in ((group.get_absolute_url(), "group-page"), ("/interventions/provision-map/",
                                                                 "school-provision-map")):
        phone.goto(f"{live_server.url}{url}")
        check_a11y(phone, f"{name} on a phone")
        shoot(phone, name)
