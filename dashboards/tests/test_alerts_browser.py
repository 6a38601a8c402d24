"""Pattern alerts in headless Chromium: the SENCo opens the alerts page and one alert's figures on a
phone (390px) and a laptop; axe on each page; screenshots also into /tmp/shots/alerts/."""

import random
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.factories import LocationFactory, PeriodFactory
from dashboards.alerts import compute_school_alerts, school_days_before
from dashboards.models import AlertKind, PatternAlert
from dashboards.tests.test_alerts import log, noisy_days
from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page,
    snap, snap_to, viewport,
)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/alerts")
TOUCH_TARGET_PX = 44


shot = snap_to(SHOTS)


def alerts_world(w):
    """No terms entered (every weekday a school day): a pupil whose incidents tripled, a corridor
    that became a hotspot at lunch, and a pupil held three times lately."""
    today = timezone.localdate()
    days = school_days_before(today, [])
    recent, baseline = days[:20][::-1], days[20:80][::-1]
    rng = random.Random(1)
    room = LocationFactory(school=w.school, name="Classroom")
    corridor = LocationFactory(school=w.school, name="Top corridor")
    lesson = PeriodFactory(school=w.school, name="Lesson 1")
    log(w, w.pupil_in, noisy_days(rng, 0.3, 60, 2.0) + noisy_days(rng, 1.0, 20, 2.0), baseline + recent,
        location=room, period=lesson)
    log(w, w.pupil_class, noisy_days(rng, 0.6, 80, 2.0), baseline + recent, location=room, period=lesson)
    log(w, w.pupil_out, noisy_days(rng, 0.8, 20, 2.0), recent, location=corridor)
    log(w, w.pupil_class, [1, 1, 1], recent[-5:-2], location=room, force=True)
    compute_school_alerts(school=w.school, today=today)
    return PatternAlert.objects.all()


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_reads_the_alerts_and_one_alerts_figures(page, live_server, browser_world, viewport):
    w = browser_world
    alerts = alerts_world(w)
    assert {a.kind for a in alerts} >= {AlertKind.PUPIL_RISE, AlertKind.PLACE_HOTSPOT, AlertKind.REPEATED_FORCE}
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/dashboards/alerts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pattern alerts")
    expect(page.locator("main")).to_contain_text("Repeated physical intervention")
    expect(page.locator("main")).to_contain_text("conditional binomial test")
    check_a11y(page, f"pattern alerts ({viewport})")
    shot(page, "alerts")
    figures = page.locator("a.alert-open")
    for i in range(figures.count()):
        assert figures.nth(i).bounding_box()["height"] >= TOUCH_TARGET_PX
    page.get_by_role("link", name="Figures for incidents rising for a pupil: Amelia Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Hughes")
    expect(page.locator("svg.alert-chart rect")).to_have_count(len(page.locator("tbody tr").all()))
    check_a11y(page, f"pattern alert figures ({viewport})")
    shot(page, "alert-figures")
