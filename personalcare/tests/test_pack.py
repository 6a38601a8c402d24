"""The personal care section of the evidence pack, on its own: a summary with no intimate detail
(no care given, observations, notes, staff names or concerns), fixed queries."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from personalcare.models import CarePlan
from personalcare.pack import pack_section
from sendsupport.sections import pack_sections

from .conftest import log_care

TODAY = timezone.localdate


@pytest.fixture
def history(care):
    CarePlan.objects.filter(pk=care.plan_isla.pk).update(
        independence_progress=2, in_force_from=timezone.now() - datetime.timedelta(days=90))
    care.plan_isla.refresh_from_db()
    log_care(care, pupil=care.pupil_out, second_adult=care.people["other_ta"], care_given=["pad_change", "washing"],
             care_notes="Used barrier cream on the nappy area")
    log_care(care, pupil=care.pupil_out, second_adult=care.people["senior"], minutes_ago=90,
             second_adult_reason="Cover while Mrs Other Ta was at a course")
    log_care(care, pupil=care.pupil_out, second_adult=care.people["other_ta"], minutes_ago=200,
             observations=["soreness"], observation_notes="Red, sore skin in the groin", raise_concern=True,
             child_words="It hurts when mummy")
    log_care(care, who="other_ta", pupil=care.pupil_out, second_adult=care.people["ta"], minutes_ago=60 * 24 * 60)
    log_care(care, pupil=care.pupil_in)  # another pupil's care: never in Isla's section
    return care


def period():
    return TODAY() - datetime.timedelta(days=30), TODAY()


def test_summary_figures(history):
    template, ctx = pack_section(history.pupil_out, *period())
    assert template == "personalcare/pack/section.html"
    assert ctx["logged"] == 3 and (ctx["with_second"], ctx["needing_second"]) == (3, 3)
    assert ctx["plan"]["in_force_at_end"] and ctx["plan"]["review_date"] == history.plan_isla.review_date
    assert ctx["independence"] == "Developing"


def test_no_intimate_detail_leaks(history):
    template, ctx = pack_section(history.pupil_out, *period())
    html = render_to_string(template, ctx)
    assert "Care was logged 3 times" in html and "in 3 of 3 records" in html and "developing" in html
    for secret in ["barrier cream", "Red, sore skin", "It hurts", "groin", "Pad or nappy", "Washing", "Soreness",
                   "Hoisting", "female member of staff", "Cover while", history.people["senior"].full_name, "concern", "Concern", history.plan_isla.needs,
                   history.plan_isla.communication, history.people["other_ta"].full_name,
                   history.people["ta"].full_name, history.pupil_in.display_name]:
        assert secret not in html, secret


def test_second_adult_missing_shows_in_the_count(care):
    from personalcare.models import CareLog

    log_care(care, pupil=care.pupil_out, second_adult=care.people["other_ta"])
    # A plan that later needs a second adult: logs made before it count as needing one only if they did.
    CareLog.objects.create(school=care.school, pupil=care.pupil_out, plan=care.plan_isla, occurred_at=timezone.now(),
                           care_given=["washing"], given_by=care.people["ta"], second_adult_required=False)
    _, ctx = pack_section(care.pupil_out, *period())
    assert (ctx["logged"], ctx["with_second"], ctx["needing_second"]) == (2, 1, 1)


def test_nothing_to_say_without_a_plan_or_care(world):
    assert pack_section(world.pupil_class, *period()) is None


def test_fixed_queries_whatever_the_history(history, django_assert_num_queries):
    # the plan versions in force in the period; one aggregate over the period's logs
    with django_assert_num_queries(2):
        pack_section(history.pupil_out, *period())
    for _ in range(5):
        log_care(history, pupil=history.pupil_out, second_adult=history.people["other_ta"])
    with django_assert_num_queries(2):
        pack_section(history.pupil_out, *period())


def test_registered_as_a_pack_section():
    section = next(s for s in pack_sections() if s.key == "personal_care")
    assert (section.title, section.order, section.build) == ("Personal care", 65, pack_section)


def test_weasyprint_renders_the_section(history):
    import weasyprint

    template, ctx = pack_section(history.pupil_out, *period())
    pdf = weasyprint.HTML(string=f"<html><body>{render_to_string(template, ctx)}</body></html>").write_pdf()
    assert pdf.startswith(b"%PDF")
