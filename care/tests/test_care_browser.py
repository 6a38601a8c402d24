"""Medicines in headless Chromium: a TA on a phone opens "medicines due now", gives a scheduled dose
with one tap and a save, is refused (with the reason next to the time) for a dose that isn't due
yet, and gives a controlled drug with the office witness typing their password on the same phone.
Each page is checked with axe and photographed at phone (390px) and laptop (1366px) widths, also
into /tmp/shots/med/."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care import services
from care.factories import BatchFactory, HealthcarePlanFactory, MedicineFactory
from care.models import Administration, WitnessConfirmation
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, assert_touch_size, browser_context_args, browser_type_launch_args, browser_world, login,
    open_page, page, snap, viewport,
)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/med")


def shot(page, name):
    snap(page, f"care-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}--{page.viewport_size['width']}px.png"), full_page=True)




@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_ta_gives_medicines_from_due_now(page, live_server, browser_world, viewport):
    w = browser_world
    local = timezone.localtime()
    if not (datetime.time(0, 30) < local.time() < datetime.time(21, 30)):
        pytest.skip("the doses' windows would cross midnight")
    now_slot = (local - datetime.timedelta(minutes=10)).time().replace(second=0, microsecond=0)
    later = (local + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    plan = HealthcarePlanFactory(pupil=w.pupil_in, condition="Epilepsy", created_by=w.people["senco"],
                                 emergency_summary="Seizure over 5 min: buccal midazolam (office CD store), call 999")
    services.sign_off_plan(plan=plan, acting_user=w.people["senco"])
    lamotrigine = MedicineFactory(pupil=w.pupil_in, name="Lamotrigine", strength="25 mg", form="tablet",
                                  route="oral", dose_amount=Decimal("1"), unit="tablets", scheduled_times=[now_slot],
                                  storage="office")
    BatchFactory(medicine=lamotrigine, quantity_received=Decimal("28"), batch_number="LT2231")
    insulin = MedicineFactory(pupil=w.pupil_in, name="NovoRapid insulin", strength="100 units/ml",
                              form="injection", route="injection", dose_amount=Decimal("4"), unit="units",
                              scheduled_times=[later], storage="fridge")
    BatchFactory(medicine=insulin, quantity_received=Decimal("300"), batch_number="NR0912")
    midazolam = MedicineFactory(pupil=w.pupil_in, controlled=True)
    BatchFactory(medicine=midazolam, quantity_received=Decimal("2"), batch_number="BM7781")
    MedicineFactory(pupil=w.pupil_in, prn=True)  # an inhaler with no stock yet

    login(page, live_server, w.people["ta"], check=False)
    page.goto(f"{live_server.url}/care/due/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Medicines due now")
    check_a11y(page, f"medicines due now (TA, {viewport})")
    shot(page, "due-now")
    give = page.get_by_role("link", name=f"Give Lamotrigine to Amelia Hughes at {now_slot:%H:%M}")
    assert_touch_size(page.locator("a.care-btn"), "Give button")

    # One tap to the form, one to save: everything is filled in for a dose in its window.
    with page.expect_navigation():
        give.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Hughes")
    expect(page.locator(".medical-alert")).to_contain_text("Seizure over 5 min")
    check_a11y(page, f"give a dose (TA, {viewport})")
    shot(page, "give-scheduled")
    assert_touch_size(page.get_by_role("button", name="Save record"), "Save button")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record").click()
    expect(page.locator(".alert-success")).to_contain_text("Lamotrigine recorded as given")
    expect(page.locator("main")).to_contain_text("Given")
    assert Administration.objects.get(medicine=lamotrigine).outcome == "given"

    # Too early: the insulin's window opens 30 minutes before its time.
    with page.expect_navigation():
        page.get_by_role("link", name=f"Give NovoRapid insulin to Amelia Hughes at {later:%H:%M}").click()
    page.get_by_label("Any reaction").fill("None seen")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record").click()
    expect(page.get_by_text(f"Too early: the {later:%H:%M} dose can be given from")).to_be_visible()
    expect(page.get_by_label("Any reaction")).to_have_value("None seen")
    check_a11y(page, f"too-early refusal (TA, {viewport})")
    shot(page, "give-too-early")
    assert not Administration.objects.filter(medicine=insulin).exists()

    # A controlled drug: the office witness types their own password on this phone.
    page.goto(f"{live_server.url}/care/medicines/{midazolam.pk}/give/")
    page.get_by_label("Reason (why needed, or why refused / not given)").fill("Seizure lasting 5 minutes in class")
    page.get_by_label("Witness", exact=True).select_option(label="Admin Person")
    from accounts.factories import DEMO_PASSWORD
    page.get_by_label("Witness's password").fill(DEMO_PASSWORD)
    check_a11y(page, f"controlled drug with witness (TA, {viewport})")
    shot(page, "give-controlled-drug")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record").click()
    expect(page.locator(".alert-success")).to_contain_text("Buccal midazolam recorded as given")
    confirmation = WitnessConfirmation.objects.get()
    assert confirmation.user == w.people["admin"] and confirmation.same_device

    page.goto(f"{live_server.url}/care/pupils/{w.pupil_in.pk}/")
    expect(page.locator("main")).to_contain_text("1 pre-filled syringes in stock")
    check_a11y(page, f"pupil medication page (TA, {viewport})")
    shot(page, "pupil-medication")
    page.goto(f"{live_server.url}/care/pupils/{w.pupil_in.pk}/plan/")
    check_a11y(page, f"healthcare plan (TA, {viewport})")
    shot(page, "healthcare-plan")


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_office_works_the_stock_and_parents_lists(page, live_server, browser_world, viewport):
    """The office (school admin, with 2FA): stock and expiry, a stock check that finds a difference,
    the refused dose to tell parents about, and a healthcare plan in draft."""
    w = browser_world
    inhaler = MedicineFactory(pupil=w.pupil_out, name="Salbutamol inhaler", prn=True, low_stock_at=Decimal("40"))
    batch = BatchFactory(medicine=inhaler, quantity_received=Decimal("30"), batch_number="SB1101",
                         expires_on=timezone.localdate() + datetime.timedelta(days=12))
    pills = MedicineFactory(pupil=w.pupil_in, name="Lamotrigine", strength="25 mg", form="tablet", route="oral",
                            dose_amount=Decimal("1"), unit="tablets", scheduled_times=[datetime.time(0, 0)])
    BatchFactory(medicine=pills, quantity_received=Decimal("28"))
    services.record_administration(medicine=pills, outcome="refused", at=timezone.now(), reason="Spat it out",
                                   scheduled_for=services.slot_at(timezone.localdate(), datetime.time(0, 0)),
                                   acting_user=w.people["ta"])
    login(page, live_server, w.people["admin"], check=False)

    page.goto(f"{live_server.url}/care/stock/")
    expect(page.locator("main")).to_contain_text("Low stock")
    check_a11y(page, f"stock and expiry (office, {viewport})")
    shot(page, "stock")
    with page.expect_navigation():
        page.get_by_role("link", name="Stock check Salbutamol inhaler for Isla Morgan").click()
    page.get_by_label("Counted now").fill("28")
    with page.expect_navigation():
        page.get_by_role("button", name="Record count").click()
    expect(page.get_by_text("say what you found")).to_be_visible()
    check_a11y(page, f"stock check with an error (office, {viewport})")
    shot(page, "stock-check-error")
    page.get_by_label("Note").fill("Two puffs unaccounted for: asked the class TA")
    with page.expect_navigation():
        page.get_by_role("button", name="Record count").click()
    expect(page.locator(".alert-info, .alert-success, .alert").first).to_contain_text("difference of -2")
    batch.refresh_from_db()
    assert batch.quantity_in_stock == 28

    page.goto(f"{live_server.url}/care/exceptions/")
    check_a11y(page, f"parents to tell (office, {viewport})")
    shot(page, "parents-to-tell")
    page.get_by_label("How were they told?").fill("Phone call to dad")
    with page.expect_navigation():
        page.get_by_role("button", name="Parent told about Amelia Hughes's Lamotrigine").click()
    expect(page.locator("main")).to_contain_text("parents have been told of every")

    page.goto(f"{live_server.url}/care/pupils/{w.pupil_in.pk}/plan/edit/")
    check_a11y(page, f"healthcare plan draft (office, {viewport})")
    shot(page, "plan-form")
