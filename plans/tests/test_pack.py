"""The plans app's evidence-pack sections on their own: outcomes with ratings and dated evidence in
the period (photos only with consent), every plan version in force in the period, the views from
the reviews held in it; fixed queries whatever the history; no other pupil; WeasyPrint renders them."""

import base64
import datetime
import io
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from PIL import Image

from plans import services
from plans.models import (
    AnnualReview, BehaviourSupportPlan, Outcome, PHPTrainedStaff, Plan, PositiveHandlingPlan, Provision, Rating, Risk,
    Target,
)
from plans.pack import _rating_chart, outcomes_section, plans_section, views_section
from sendsupport.sections import pack_sections

D = datetime.date
LONDON = ZoneInfo("Europe/London")
PERIOD = (D(2025, 9, 1), D(2026, 7, 31))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(name="model.jpg", size=(1200, 800), colour="teal"):
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def pdf_file(name="reading record.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def sign_off(plan, senco, on: D):
    """Put a draft in force as the SENCo would, then date the sign-off (and the supersession of the
    version before) to `on`, as if it had happened then."""
    model = type(plan)
    before = list(model.objects.filter(pupil=plan.pupil, status="in_force").values_list("pk", flat=True))
    plan = services.put_in_force(plan=plan, acting_user=senco)
    when = datetime.datetime.combine(on, datetime.time(10), tzinfo=LONDON)
    model.objects.filter(pk__in=before).update(superseded_at=when)
    model.objects.filter(pk=plan.pk).update(in_force_from=when)
    plan.refresh_from_db()
    return plan


def ehcp(pupil, senco, *, outcomes=(("cl", "Amelia will read a short book aloud to an adult"),), issued=D(2025, 3, 1)):
    plan = Plan.objects.create(pupil=pupil, kind="ehcp", created_by=senco, date_issued=issued,
                               local_authority="Northshire County Council",
                               section_a="Amelia loves horses and wants to work with animals.")
    Provision.objects.create(plan=plan, description="Daily precision teaching of key words", delivered_by="TA",
                             frequency="5 times a week", minutes=10, group_size="1:1")
    for i, (area, text) in enumerate(outcomes):
        outcome = Outcome.objects.create(plan=plan, area_of_need=area, text=text, order=i,
                                         target_date=D(2026, 7, 17))
        Target.objects.create(outcome=outcome, order=0, text=f"Reads ten key words ({i})", target_date=D(2025, 12, 19))
        Target.objects.create(outcome=outcome, order=1, text=f"Reads a sentence with one prompt ({i})")
    return plan


def evidence(world, outcome, on, rating, note, *, target=None, files=(), by="ta"):
    return services.add_evidence(pupil=outcome.plan.pupil, outcome=outcome, target=target, observed_on=on,
                                 note=note, rating=rating, files=list(files), acting_user=world.people[by])


@pytest.fixture
def history(world):
    """Amelia: an EHCP issued before the period (v1), amended in January (v2, still in force), with
    evidence before, during and after the period; Isla has her own plan and evidence."""
    senco, amelia = world.people["senco"], world.pupil_in
    amelia.photo_consent = True
    amelia.save()
    v1 = sign_off(ehcp(amelia, senco), senco, D(2025, 3, 20))
    reading = v1.outcomes.get()
    evidence(world, reading, D(2025, 7, 1), Rating.EMERGING, "Before the period: knew five words")
    evidence(world, reading, D(2025, 10, 6), Rating.EMERGING, "Read eight key words with the TA",
             target=reading.targets.first(), files=[photo("flashcards.jpg")])
    v2 = services.amend(plan=v1, acting_user=senco)
    Outcome.objects.create(plan=v2, area_of_need="ci", text="Amelia will ask an adult for help with words", order=0)
    v2 = sign_off(v2, senco, D(2026, 1, 12))
    reading2, asking = v2.outcomes.get(area_of_need="cl"), v2.outcomes.get(area_of_need="ci")
    evidence(world, reading2, D(2026, 2, 3), Rating.DEVELOPING, "Read a sentence with one prompt",
             target=reading2.targets.order_by("order")[1], files=[photo("book.jpg"), pdf_file()])
    evidence(world, reading2, D(2026, 2, 10), Rating.DEVELOPING, "Read to the class pet with isla  morgan, unprompted")
    evidence(world, reading2, D(2026, 6, 30), Rating.SECURE, "Read a whole book aloud to the head")
    evidence(world, reading2, D(2026, 9, 20), Rating.ACHIEVED, "After the period: reads to Year 1")
    # Isla's plan and evidence: never in Amelia's sections.
    isla_plan = sign_off(ehcp(world.pupil_out, senco, outcomes=(("semh", "Isla will name her feelings"),)),
                         senco, D(2025, 10, 1))
    evidence(world, isla_plan.outcomes.get(), D(2026, 3, 3), Rating.SECURE, "Isla Morgan named three feelings")
    return world


def render(template, context, section):
    return render_to_string(template, {**context, "section_id": section, "section_title": section.title()})


# --- outcomes and progress ------------------------------------------------------------------------

def test_outcomes_show_targets_ratings_and_the_evidence_of_the_period_only(history, django_assert_num_queries):
    amelia = history.pupil_in
    # plan versions, outcomes with ratings, targets with ratings, evidence, evidence files, other pupils' names
    with django_assert_num_queries(6):
        template, context = outcomes_section(amelia, *PERIOD)
        html = render(template, context, "outcomes")
    assert template == "plans/pack/outcomes.html"
    assert context["plan"].version == 2 and [v.version for v in context["amended"]] == [1]
    by_area = {r["outcome"].area_of_need: r for r in context["rows"]}
    reading, asking = by_area["cl"], by_area["ci"]
    assert (reading["opening"], reading["opening_on"]) == ("Emerging", D(2025, 7, 1))
    assert (reading["closing"], reading["closing_on"]) == ("Secure", D(2026, 6, 30))
    # Only changes of rating: Emerging (6 Oct) is no change from the opening Emerging.
    assert [(c["on"], c["label"]) for c in reading["changes"]] == [
        (D(2026, 2, 3), "Developing"), (D(2026, 6, 30), "Secure")]
    # Evidence recorded against v1 of the outcome counts (same lineage); before and after the period doesn't.
    assert [e["on"] for e in reading["evidence"]] == [D(2025, 10, 6), D(2026, 2, 3), D(2026, 2, 10), D(2026, 6, 30)]
    assert [(t["rating"], t["rated_on"]) for t in reading["targets"]] == [
        ("Emerging", D(2025, 10, 6)), ("Developing", D(2026, 2, 3))]
    assert asking["closing"] is None and asking["evidence"] == [] and asking["chart"] is None
    assert context["summary"] == [("Secure", 1), ("No evidence yet", 1)]
    assert [r["area"] for r in context["rows"]] == ["Communication and interaction", "Cognition and learning"]

    assert "Amelia will read a short book aloud" in html and "Reads ten key words (0)" in html
    assert "Read a whole book aloud to the head" in html and "Read eight key words" in html
    assert "Before the period" not in html and "After the period" not in html
    assert "The plan was amended in the period (version 1 in force from 20 March 2025)" in html
    assert "Attached: reading record.pdf" in html and "Ta Person" in html
    assert "Developing on 3 Feb 2026; Secure on 30 Jun 2026" in html
    assert "<svg" in html and "<polyline" in html and "<script" not in html and "Evidence pack section" not in html
    assert "Isla" not in html and "Morgan" not in html and "name her feelings" not in html
    assert "Read to the class pet with another pupil, unprompted" in html  # a name typed in a note


def test_photo_evidence_prints_as_small_thumbnails_only_with_photo_consent(history):
    amelia = history.pupil_in
    _, context = outcomes_section(amelia, *PERIOD)
    reading = next(r for r in context["rows"] if r["outcome"].area_of_need == "cl")
    photos = [p for e in reading["evidence"] for p in e["photos"]]
    assert [p["name"] for p in photos] == ["flashcards.jpg", "book.jpg"]
    for p in photos:
        assert p["uri"].startswith("data:image/jpeg;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(p["uri"].split(",", 1)[1])))
        assert max(image.size) <= 240 and image.size == (240, 160)  # 1200x800 shrunk, shape kept

    amelia.photo_consent = False
    amelia.save()
    template, context = outcomes_section(amelia, *PERIOD)
    html = render(template, context, "outcomes")
    reading = next(r for r in context["rows"] if r["outcome"].area_of_need == "cl")
    assert all(e["photos"] == [] for e in reading["evidence"])
    assert [e["photos_withheld"] for e in reading["evidence"]] == [1, 1, 0, 0]
    assert "data:image" not in html and "<img" not in html
    assert "1 photo not printed (no photo consent)" in html
    assert "Attached: reading record.pdf" in html  # documents are still listed


def test_outcome_queries_stay_fixed_with_more_evidence_and_files(history, django_assert_num_queries):
    amelia = history.pupil_in
    reading = Plan.objects.get(pupil=amelia, status="in_force").outcomes.get(area_of_need="cl")
    for day in range(1, 21):
        evidence(history, reading, D(2026, 3, day), day % 5, f"Entry {day}", target=reading.targets.first(),
                 files=[photo(f"p{day}.jpg", size=(60, 40)), pdf_file(f"d{day}.pdf")])
    with django_assert_num_queries(6):
        template, context = outcomes_section(amelia, *PERIOD)
        render(template, context, "outcomes")
    assert context["evidence_count"] == 24


def test_a_shorter_period_moves_the_opening_and_closing_ratings(history):
    _, context = outcomes_section(history.pupil_in, D(2026, 2, 5), D(2026, 3, 31))
    reading = next(r for r in context["rows"] if r["outcome"].area_of_need == "cl")
    assert (reading["opening"], reading["closing"]) == ("Developing", "Developing")
    assert [e["on"] for e in reading["evidence"]] == [D(2026, 2, 10)] and reading["changes"] == []
    assert context["amended"] == []  # v1 was superseded before this period began


def test_no_outcomes_section_without_a_plan_in_force_in_the_period(history, django_assert_num_queries):
    senco = history.people["senco"]
    ehcp(history.pupil_class, senco)  # a draft only: drafts are never in packs
    with django_assert_num_queries(1):
        assert outcomes_section(history.pupil_class, *PERIOD) is None
    # A period that ended before Amelia's first EHCP was signed off.
    assert outcomes_section(history.pupil_in, D(2024, 9, 1), D(2025, 3, 19)) is None


def test_the_ehcp_is_preferred_to_a_sen_support_plan_it_replaced_in_the_period(world):
    senco, oliver = world.people["senco"], world.pupil_class
    support = Plan.objects.create(pupil=oliver, kind="sen_support", created_by=senco, review_due_on=D(2025, 12, 1))
    Outcome.objects.create(plan=support, area_of_need="semh", text="Oliver will use his calm box")
    sign_off(support, senco, D(2025, 9, 10))
    issued = sign_off(ehcp(oliver, senco, outcomes=(("semh", "Oliver will manage changes of routine"),)),
                      senco, D(2026, 2, 2))
    _, context = outcomes_section(oliver, *PERIOD)
    assert context["plan"] == issued and context["plan_kind"] == "EHCP"
    assert [r["outcome"].text for r in context["rows"]] == ["Oliver will manage changes of routine"]
    # Before the EHCP, the SEN support plan is the one in force.
    _, context = outcomes_section(oliver, D(2025, 9, 1), D(2025, 12, 31))
    assert context["plan_kind"] == "SEN support plan"


def test_the_rating_chart_steps_from_the_opening_rating_through_each_change():
    chart = _rating_chart(D(2026, 1, 1), D(2026, 1, 11), 1, [{"on": D(2026, 1, 6), "rating": 3}])
    points = [tuple(float(n) for n in p.split(",")) for p in chart["line"].split()]
    middle = chart["left"] + (chart["right"] - chart["left"]) / 2
    assert [x for x, _ in points] == [chart["left"], middle, middle, chart["right"]]
    emerging, secure = points[0][1], points[2][1]
    assert [y for _, y in points] == [emerging, emerging, secure, secure] and secure < emerging  # higher is up
    assert chart["dots"] == [points[2]]
    # No opening rating: the line starts at the first change.
    chart = _rating_chart(D(2026, 1, 1), D(2026, 1, 11), None, [{"on": D(2026, 1, 6), "rating": 0}])
    assert len(chart["line"].split()) == 2


# --- plans in force -------------------------------------------------------------------------------

def behaviour_plan(pupil, senco, on, **fields):
    plan = BehaviourSupportPlan.objects.create(
        pupil=pupil, created_by=senco, behaviours_of_concern="Leaves the classroom when the noise rises",
        proactive_strategies="Ear defenders\nTime-out card", review_date=D(2026, 6, 1),
        parents_agreed_on=on, parents_agreement_notes="At a meeting with mum", **fields)
    return sign_off(plan, senco, on)


def handling_plan(world, pupil, on, *, risks=1):
    senco = world.people["senco"]
    plan = PositiveHandlingPlan.objects.create(
        pupil=pupil, created_by=senco, approved_techniques="Caring C guide\nFriendly hold",
        training_scheme="team_teach",
        prohibited_techniques="No floor holds: asthma", review_date=D(2026, 4, 1), parents_agreed_on=on)
    for i in range(risks):
        Risk.objects.create(plan=plan, hazard=f"Running towards the gate ({i})", who_is_at_risk="The pupil, Oliver Khan",
                            likelihood=3, severity=4, control_measures="Gate kept locked; adult at the door",
                            residual_likelihood=1, residual_severity=4, owner="SENCo")
    PHPTrainedStaff.objects.create(plan=plan, user=world.people["ta"])
    return sign_off(plan, senco, on)


def test_plans_section_lists_each_version_in_force_with_dates_and_who_signed_off(history, django_assert_num_queries):
    senco, amelia = history.people["senco"], history.pupil_in
    old = behaviour_plan(amelia, senco, D(2024, 9, 10))
    newer = services.amend(plan=old, acting_user=senco)
    newer.parents_agreed_on = D(2025, 11, 3)
    newer.save()
    sign_off(newer, senco, D(2025, 11, 4))
    services.amend(plan=newer, acting_user=senco)  # a draft v3: never in the pack
    handling_plan(history, amelia, D(2025, 10, 1))
    behaviour_plan(history.pupil_out, senco, D(2025, 10, 1))  # Isla's

    # EHCP versions, their provision, behaviour plans, handling plans, their risks, their trained staff,
    # other pupils' names
    with django_assert_num_queries(7):
        template, context = plans_section(amelia, *PERIOD)
        html = render(template, context, "plans")
    kinds = [(p["title"], [(v["version"], v["from"], v["until"]) for v in p["versions"]]) for p in context["plans"]]
    assert kinds == [  # the statutory plan first, then behaviour, then handling plans
        ("EHCP", [(1, D(2025, 3, 20), D(2026, 1, 12)), (2, D(2026, 1, 12), None)]),
        ("Behaviour support plan", [(1, D(2024, 9, 10), D(2025, 11, 4)), (2, D(2025, 11, 4), None)]),
        ("Positive-handling plan and risk assessment", [(1, D(2025, 10, 1), None)]),
    ]
    assert all(v["signed_off_by"] == "Senco Person" for p in context["plans"] for v in p["versions"])
    assert "Still in force" in html and "12 Jan 2026 (replaced by a new version)" in html
    assert "Running towards the gate (0)" in html and "12 (3 × 4)" in html and "4 (1 × 4)" in html
    assert "TEAM-TEACH" in html and "Ta Person" in html and "No floor holds: asthma" in html
    assert "Leaves the classroom when the noise rises" in html and "Northshire County Council" in html
    assert "Provision (section F)" in html and "Daily precision teaching of key words" in html
    assert "5 times a week, 10 min" in html and "Evidence pack section" not in html  # the template's comment
    assert "Version" in html and ">3<" not in html  # no draft version
    assert "Isla" not in html and "Morgan" not in html
    assert "The pupil, another pupil" in html and "Oliver" not in html


def test_plan_queries_stay_fixed_with_more_versions_and_risks(history, django_assert_num_queries):
    senco, amelia = history.people["senco"], history.pupil_in
    plan = handling_plan(history, amelia, D(2025, 10, 1), risks=1)
    for n in range(4):  # four more versions, each with more risks
        draft = services.amend(plan=plan, acting_user=senco)
        draft.parents_agreed_on = D(2025, 11, 1 + n)
        draft.save()
        Risk.objects.create(plan=draft, hazard=f"Extra {n}", who_is_at_risk="Staff", likelihood=2, severity=2,
                            control_measures="Two adults")
        plan = sign_off(draft, senco, D(2025, 11, 1 + n))
    with django_assert_num_queries(7):
        template, context = plans_section(amelia, *PERIOD)
        render(template, context, "plans")
    titles = [p["title"] for p in context["plans"]]
    assert titles == ["EHCP", "Positive-handling plan and risk assessment"]
    handling = context["plans"][1]
    assert [v["version"] for v in handling["versions"]] == [1, 2, 3, 4, 5]
    assert len(handling["risks"]) == 5 and handling["latest"].version == 5


def test_a_plan_superseded_before_the_period_is_not_listed(history):
    _, context = plans_section(history.pupil_in, D(2026, 2, 1), D(2026, 7, 31))
    [item] = context["plans"]
    assert [v["version"] for v in item["versions"]] == [2]
    assert plans_section(history.pupil_class, *PERIOD) is None


# --- views ----------------------------------------------------------------------------------------

def review(world, pupil, plan, on, **views):
    return AnnualReview.objects.create(pupil=pupil, plan=plan, meeting_date=on, status="held",
                                       created_by=world.people["senco"], **views)


def test_views_from_the_reviews_held_in_the_period_and_section_a(history, django_assert_num_queries):
    amelia = history.pupil_in
    plan = Plan.objects.get(pupil=amelia, status="in_force")
    review(history, amelia, plan, D(2026, 6, 15), pupil_views="I like reading to Biscuit the rabbit.",
           parent_views="We see her reading at bedtime now. Oliver Khan reads with her.",
           what_is_working="Daily reading with the TA",
           attendees="Mrs Hughes (mother)\nSenco Person (SENCo)")
    review(history, amelia, plan, D(2025, 6, 15), pupil_views="Last year's views")
    review(history, history.pupil_out, Plan.objects.get(pupil=history.pupil_out), D(2026, 6, 16),
           pupil_views="Isla's own views")
    # reviews in the period, the EHCP for section A, other pupils' names
    with django_assert_num_queries(3):
        template, context = views_section(amelia, *PERIOD)
        html = render(template, context, "views")
    assert [r["review"].meeting_date for r in context["reviews"]] == [D(2026, 6, 15)]
    assert "I like reading to Biscuit the rabbit." in html and "We see her reading at bedtime now." in html
    assert "Daily reading with the TA" in html and "Mrs Hughes (mother)" in html
    assert "Amelia loves horses" in html and "EHCP version 2" in html
    assert "Last year&#x27;s views" not in html and "Last year's views" not in html
    assert "Isla" not in html and "Oliver" not in html and "Another pupil reads with her." in html


def test_views_queries_stay_fixed_and_a_pupil_with_nothing_has_no_section(history, django_assert_num_queries):
    amelia = history.pupil_in
    plan = Plan.objects.get(pupil=amelia, status="in_force")
    for month in range(1, 7):
        review(history, amelia, plan, D(2026, month, 10), pupil_views=f"Views {month}")
    with django_assert_num_queries(3):
        template, context = views_section(amelia, *PERIOD)
        render(template, context, "views")
    assert len(context["reviews"]) == 6
    assert views_section(history.pupil_class, *PERIOD) is None


# --- together -------------------------------------------------------------------------------------

def test_sections_are_registered_in_order_and_weasyprint_renders_them(history):
    senco, amelia = history.people["senco"], history.pupil_in
    handling_plan(history, amelia, D(2025, 10, 1))
    review(history, amelia, Plan.objects.get(pupil=amelia, status="in_force"), D(2026, 6, 15),
           pupil_views="I like reading.", parent_views="Much happier.")
    registered = {s.key: (s.order, s.title) for s in pack_sections()}
    assert registered["outcomes"] == (20, "EHCP outcomes and progress")
    assert registered["plans"] == (70, "Plans in force during the period")
    assert registered["views"] == (80, "The pupil's and parents' views")
    parts = []
    for key in ("outcomes", "plans", "views"):
        section = next(s for s in pack_sections() if s.key == key)
        template, context = section.build(amelia, *PERIOD)
        parts.append(render_to_string(template, {**context, "section_id": key, "section_title": section.title}))
    html = ("<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Pack</title></head><body>"
            + "".join(parts) + "</body></html>")
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = re.sub(r"\s+", " ", text)
    assert "EHCP outcomes and progress" in text and "Read a whole book aloud to the head" in text
    assert "Risk assessment" in text and "I like reading." in text and "Isla" not in text
