"""Evidence packs in headless Chromium: the SENCo starts a pack from the pupil's page, watches the
steps tick over without reloading (htmx polling) while a worker makes it, and downloads it; then
starts packs for every review due and watches the batch. Every page is checked with axe and
photographed at phone (390px) and laptop widths, also into /tmp/shots/pack/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import Plan, add_months
from reviews import services
from reviews.models import EvidencePack
from reviews.tests.test_packs import history, media  # noqa: F401 (fixtures)
from sendsupport.sections import pack_sections
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page,
    snap, snap_to, viewport,
)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/pack")
TOUCH_TARGET_PX = 44


shot = snap_to(SHOTS)


@pytest.fixture
def no_worker(monkeypatch):
    """Packs wait in the queue until the test plays the worker (the live server would otherwise run
    the eager task inside the request, and there would be no progress to watch)."""
    queued = []
    monkeypatch.setattr(services, "_enqueue", lambda ids: queued.extend(ids))
    return queued


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_makes_a_pack_and_watches_it_being_made(page, live_server, browser_world, history, no_worker,  # noqa: F811
                                                       viewport, tmp_path):
    w = browser_world
    amelia = w.pupil_in
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/pupils/{amelia.pk}/")
    panel = page.get_by_role("region", name="Evidence packs")
    expect(panel).to_contain_text("No evidence pack made yet.")
    make = panel.get_by_role("link", name="Make an evidence pack")
    assert make.bounding_box()["height"] >= TOUCH_TARGET_PX
    with page.expect_navigation():
        make.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make an evidence pack")
    expect(page.get_by_label("From")).to_have_value((timezone.localdate() - timedelta(days=200)).isoformat())
    expect(page.locator("main")).to_contain_text("The period starts at the last annual review")
    check_a11y(page, f"make a pack ({viewport})")
    shot(page, "pack-new")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the pack").click()

    pack = EvidencePack.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Evidence pack for {amelia.display_name}")
    expect(page.locator("#pack-now")).to_contain_text("Waiting for a worker to start.")
    check_a11y(page, f"pack waiting ({viewport})")
    shot(page, "pack-waiting")

    # A worker is part-way through: the page shows it without a reload.
    token = services.claim_pack(pack.pk)
    third = pack_sections()[2].title
    services.report_progress(pack.pk, token, step=f"Gathering: {third}", steps_done=2)  # as build_pack reports it
    expect(page.locator("#pack-now")).to_contain_text(f"Gathering: {third}")
    expect(page.locator(".pack-step-current")).to_have_text(f"In progress: Gathering: {third}")
    expect(page.locator("#pack-progress")).to_contain_text(f"2 of {pack.steps_total} steps done")
    check_a11y(page, f"pack being made ({viewport})")
    shot(page, "pack-running")

    EvidencePack.objects.filter(pk=pack.pk).update(status="queued", lease_token=None)
    assert services.build_pack(pack_id=pack.pk) == "ready"
    download = page.get_by_role("link", name="Download the pack")
    expect(download).to_be_visible()
    expect(page.locator("#pack-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    check_a11y(page, f"pack ready ({viewport})")
    shot(page, "pack-ready")
    with page.expect_download() as info:
        download.click()
    saved = tmp_path / "pack.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    page.goto(f"{live_server.url}/pupils/{amelia.pk}/")
    panel = page.get_by_role("region", name="Evidence packs")
    expect(panel).to_contain_text("Version 1")
    panel.screenshot(path=str(SHOTS / f"pupil-panel--{page.viewport_size['width']}px.png"))
    page.goto(f"{live_server.url}/reviews/packs/")
    expect(page.locator("main")).to_contain_text(f"{amelia.display_name}, version 1")
    check_a11y(page, f"pack list ({viewport})")
    shot(page, "pack-list")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_makes_packs_for_every_review_due(page, live_server, browser_world, no_worker, viewport):
    w = browser_world
    today = timezone.localdate()
    for pupil, days in ((w.pupil_in, 10), (w.pupil_class, 20), (w.pupil_out, 25)):
        issued = today + timedelta(days=days)
        Plan.objects.create(pupil=pupil, kind="ehcp", status="in_force", created_by=w.people["senco"],
                            date_issued=add_months(issued, -12))
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/reviews/batches/new/")
    expect(page.locator("main")).to_contain_text("3 pupils with a review due by")
    check_a11y(page, f"batch preview ({viewport})")
    shot(page, "batch-new")
    with page.expect_navigation():
        page.get_by_role("button", name="Make 3 packs").click()
    expect(page.locator("#batch-progress")).to_contain_text("0 of 3 ready")
    first, second, third = EvidencePack.objects.order_by("pupil__legal_last_name")
    services.build_pack(pack_id=first.pk)
    services.fail_pack(pack_id=second.pk, reason="The PDF could not be made (ValueError). Try again; if it fails "
                                                 "again, tell your system administrator.")
    token = services.claim_pack(third.pk)
    services.report_progress(third.pk, token, step="Making the PDF", steps_done=3)
    expect(page.locator("#batch-progress")).to_contain_text("1 of 3 ready, 1 failed")
    expect(page.get_by_role("link", name="Download the 1 ready so far (zip)")).to_be_visible()
    check_a11y(page, f"batch in progress ({viewport})")
    shot(page, "batch-progress")
