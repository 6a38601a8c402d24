"""The dashboards in headless Chromium: the SENCo's school overview and a pupil's analytics page at
phone (390px) and laptop widths, checked with axe, photographed (also into /tmp/shots/dash/), and
photographed again as print (A4) would show them."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import check_a11y
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _fresh_axe_report, browser_context_args, browser_type_launch_args, browser_world, login, open_page, page,
    snap, snap_to, viewport,
)

from .fixtures import RANGE, place_incidents

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/dash")
TOUCH_TARGET_PX = 44


shot = snap_to(SHOTS)


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_senco_reads_the_overview_and_a_pupils_analytics(page, live_server, browser_world, viewport):
    w = browser_world
    place_incidents(w)
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/dashboards/?{RANGE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("School overview")
    expect(page.locator(".dash-keys")).to_contain_text("8")
    expect(page.get_by_role("region", name="Incidents by place: table")).to_contain_text("Playground")
    check_a11y(page, f"school overview (SENCo, {viewport})")
    shot(page, "overview")

    # The filters open from their summary; a bad range is explained next to the field.
    page.locator(".dash-filters summary").click()
    button = page.get_by_role("button", name="Show figures")
    assert button.bounding_box()["height"] >= TOUCH_TARGET_PX
    page.get_by_label("From", exact=True).fill("2026-11-20")
    page.get_by_label("To", exact=True).fill("2026-11-02")
    with page.expect_navigation():
        button.click()
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()
    check_a11y(page, f"school overview, bad dates (SENCo, {viewport})")

    page.goto(f"{live_server.url}/dashboards/?{RANGE}")
    page.emulate_media(media="print")
    expect(page.locator(".app-nav")).to_be_hidden()
    expect(page.locator(".dash-filters")).to_be_hidden()
    shot(page, "overview-print")
    page.emulate_media(media="screen")

    with page.expect_navigation():
        page.get_by_role("region", name="Pupils whose incidents are rising: table").get_by_role(
            "link", name="Amelia Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Hughes")
    expect(page.get_by_role("region", name="Strategy effectiveness: table")).to_contain_text("Reassurance")
    check_a11y(page, f"pupil analytics (SENCo, {viewport})")
    shot(page, "pupil")
    page.emulate_media(media="print")
    shot(page, "pupil-print")


# --- fit: a phone's width, a laptop's, and A4 ---------------------------------------------------

# For each chart on the page: the drawing shown (one of the two), whether the figure scrolls,
# where the drawing ends, and how much its viewBox is scaled (text is 11-13 units).
CHARTS_SHOWN = """() => [...document.querySelectorAll('.dash-chart')].map(figure => {
  const shown = [...figure.querySelectorAll('svg')].filter(svg => svg.getBoundingClientRect().width > 0);
  const box = shown.length ? shown[0].getBoundingClientRect() : null;
  return {chart: figure.querySelector('svg title').textContent, shown: shown.length,
          drawing: shown.length ? shown[0].getAttribute('class') : '',
          scrollWidth: figure.scrollWidth, clientWidth: figure.clientWidth, right: box && box.right,
          scale: box && box.width / shown[0].viewBox.baseVal.width};
})"""
TABLES = """() => [...document.querySelectorAll('.dash-scroll')].map(region => ({
  table: region.getAttribute('aria-label'), scrolls: region.scrollWidth > region.clientWidth + 1,
  hint: region.previousElementSibling.classList.contains('dash-scroll-hint')
        && region.previousElementSibling.getBoundingClientRect().height > 0}))"""


def _progress_evidence(world):
    """A plan in force for Amelia with one outcome rated three times in the range (the per-pupil
    progress chart and the overview's outcome chart then have something to draw)."""
    from plans.models import Outcome, Plan, ProgressEvidence, Rating, VersionStatus

    senco = world.people["senco"]
    plan = Plan.objects.create(pupil=world.pupil_in, kind=Plan.Kind.EHCP, status=VersionStatus.IN_FORCE,
                               created_by=senco)
    outcome = Outcome.objects.create(plan=plan, area_of_need="semh",
                                     text="Amelia will manage a change of activity with a visual prompt and "
                                          "one reminder from an adult, in four lessons out of five.")
    for day, rating in [(3, Rating.EMERGING), (6, Rating.EMERGING), (13, Rating.DEVELOPING)]:
        ProgressEvidence.objects.create(pupil=world.pupil_in, outcome_lineage=outcome.lineage, outcome=outcome,
                                        observed_on=datetime.date(2026, 11, day), note="Seen", rating=rating,
                                        recorded_by=senco)


def _check_fit(page, where: str, phone: bool):
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where}: the page scrolls sideways"
    charts = page.evaluate(CHARTS_SHOWN)
    assert charts, where
    for c in charts:
        assert c["shown"] == 1, (where, c)  # one drawing of each chart, never both or none
        assert c["scrollWidth"] <= c["clientWidth"] and c["right"] <= width, (where, c)
        if phone:  # the phone drawing, scaled so 11-unit text is still about 10px
            assert "chart-narrow" in c["drawing"] and c["scale"] >= 0.9, (where, c)
        else:
            assert c["scale"] >= 0.8, (where, c)
    for t in page.evaluate(TABLES):  # a table that must scroll says so above it; one that fits doesn't
        assert t["hint"] == t["scrolls"], (where, t)
    return charts


@pytest.mark.parametrize("viewport", ["phone", "laptop"], indirect=True)
def test_every_chart_fits_the_screen_without_sideways_scrolling(page, live_server, browser_world, viewport):
    w = browser_world
    place_incidents(w)
    _progress_evidence(w)
    login(page, live_server, w.people["senco"], check=False)
    page.goto(f"{live_server.url}/dashboards/?{RANGE}")
    charts = _check_fit(page, "school overview", viewport == "phone")
    assert {"Incidents per week", "Incidents by weekday and period", "Share of outcomes at each rating, by area of need"
            } <= {c["chart"] for c in charts}
    if viewport == "laptop":  # a full-width card gets the wide drawing
        assert next(c for c in charts if c["chart"] == "Incidents per week")["drawing"] == "chart chart-wide"
    shot(page, "overview-fit")

    page.goto(f"{live_server.url}/dashboards/pupils/{w.pupil_in.pk}/?{RANGE}")
    charts = _check_fit(page, "pupil analytics", viewport == "phone")
    assert {"The 10 most frequent antecedent → behaviour pairs", "Physical interventions per week",
            "Strategies: times used, and how many of those incidents de-escalated",
            "Each outcome's ratings over the period"} <= {c["chart"] for c in charts}
    check_a11y(page, f"pupil analytics with every chart (SENCo, {viewport})")
    shot(page, "pupil-fit")


def _word_boxes(pdf: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes, from poppler's pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = []
    for page_html in html.split("<page ")[1:]:
        pages.append([(float(x0), float(y0), float(x1), float(y1), word) for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page_html)])
    return pages


def _overlapping_words(words) -> list:
    """Words drawn over other words (the defect: one card's table printed under the next card)."""
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > 1 and dy > 2:
                found.append((a[4], b[4]))
    return found


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_the_demo_overview_prints_on_few_a4_pages_with_nothing_drawn_over_anything(page, live_server, transactional_db):
    """The demo school (a term of incidents, 120 pupils) printed as the browser prints it: A4, print
    styles. Sections never overlap, no word is printed over another, and it takes at most 8 pages
    (it took 11, half of them mostly blank, when each card was kept whole)."""
    from django.core.management import call_command

    from accounts.models import User
    from conftest import enrol_totp

    call_command("seed_demo", stdout=open(os.devnull, "w"), pupils=120, schools=1)
    senco = User.objects.get(email="senco@oakfield.demo")
    enrol_totp(senco)
    login(page, live_server, senco, check=False)
    page.goto(f"{live_server.url}/dashboards/")
    page.emulate_media(media="print")
    boxes = page.eval_on_selector_all(
        ".dash-keys, .dash-section", """els => els.map(e => { const r = e.getBoundingClientRect();
          return [e.querySelector('h2') ? e.querySelector('h2').textContent.trim() : 'key figures',
                  r.left, r.top, r.right, r.bottom]; })""")
    assert len(boxes) >= 12
    for i, (name, left, top, right, bottom) in enumerate(boxes):
        for other, left2, top2, right2, bottom2 in boxes[i + 1:]:
            assert min(right, right2) - max(left, left2) <= 1 or min(bottom, bottom2) - max(top, top2) <= 1, (
                f"{name} overlaps {other} in print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = _word_boxes(pdf)
    assert 3 <= len(pages) <= 8, len(pages)
    for number, words in enumerate(pages, 1):
        assert not _overlapping_words(words), f"page {number}: {_overlapping_words(words)[:5]}"
    text = " ".join(w[4] for words in pages for w in words)
    for heading in ["Incidents per week", "By behaviour", "Top antecedents", "Hotspots", "By place",
                    "Physical interventions", "Reviews due and overdue"]:
        assert heading in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "overview-demo-print.pdf").write_bytes(pdf)
