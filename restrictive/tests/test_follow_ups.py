"""What follows the record: debriefs, telling the parents (or the local authority instead), and the
review sign-off; each a new row with its author and time. The duties they close show as timers
until done."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.middleware import staff_context_for
from restrictive import selectors, services
from restrictive.models import Debrief, ParentReport, Review

from .helpers import earlier_today, force_incident, make_record, url


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


def duties(ri):
    page = selectors.detail_page(staff_context_for(ri.written_by), ri.incident, ri.pk)
    return {d.key: d for d in page.duties}


def test_timers_run_until_each_duty_is_done(client, world):
    senco, ta = world.people["senco"], world.people["ta"]
    ri = make_record(world, started_at=earlier_today(200))
    open_now = duties(ri)
    assert open_now["written"].done and not open_now["written"].late
    assert open_now["written"].text.startswith("Written the same day, at ")
    assert not open_now["parents"].done and open_now["parents"].text.startswith("Parents not told yet: ")
    assert open_now["parents"].text.endswith("since the intervention") and not open_now["parents"].overdue
    assert not open_now["review"].done and open_now["review"].text.startswith("Review not signed off yet: ")

    client.force_login(ta)
    told_at = timezone.localtime()
    told = client.post(url(ri.incident, ri, "parents/"), {
        "outcome": "told", "told_day": today().isoformat(), "told_time": f"{told_at:%H:%M}", "how": "phone",
        "told_by": ta.pk, "told_whom": "Mum"})
    assert told.status_code == 302 and told["Location"] == ri.get_absolute_url()
    report = ParentReport.objects.get()
    assert report.author == ta and report.how == "phone" and not report.withheld
    after = duties(ri)
    assert after["parents"].done and after["parents"].text.startswith("Parents told ")
    assert after["parents"].note == "The date the written report was sent is not recorded yet."

    client.post(url(ri.incident, ri, "parents/"),
                {"outcome": "written", "written_report_sent_on": today().isoformat()})
    assert duties(ri)["parents"].note == "" and ParentReport.objects.count() == 2

    client.force_login(senco)
    signed = client.post(url(ri.incident, ri, "sign-off/"), {
        "comments": "Proportionate and in line with the plan", "plan_updated": "on", "actions": "SENCo to add "
        "the gate to the plan by Friday"})
    assert signed.status_code == 302
    review = Review.objects.get()
    assert review.author == senco and review.plan_updated and not review.risk_assessment_updated
    assert all(d.done for d in duties(ri).values())
    page = client.get(ri.get_absolute_url()).content.decode()
    assert "Duties: all done" in page and "Signed off by Senco Person" in page


def test_a_record_written_the_next_day_is_late_and_parents_untold_are_overdue(world):
    # 24 real hours (now(), not localtime(): a local day either side of a clock change is 23 or 25 h)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    ri = make_record(world, incident=force_incident(world, occurred_at=yesterday), started_at=yesterday)
    d = duties(ri)
    assert d["written"].done and d["written"].late and "1 day after the intervention" in d["written"].text
    assert d["parents"].overdue and "1 day" in d["parents"].text
    assert not d["review"].overdue


def test_a_review_more_than_a_week_on_is_overdue(world):
    long_ago = timezone.now() - datetime.timedelta(days=9)  # 9 real days: "8 days 23 h" in late March otherwise
    ri = make_record(world, incident=force_incident(world, occurred_at=long_ago), started_at=long_ago)
    assert duties(ri)["review"].overdue and "9 days" in duties(ri)["review"].text


@pytest.mark.parametrize("minutes,text", [(0, "less than a minute"), (45, "45 min"), (60, "1 h"), (200, "3 h 20 min"),
                                          (24 * 60, "1 day"), (2 * 24 * 60 + 4 * 60 + 5, "2 days 4 h")])
def test_elapsed_time_reads_naturally(minutes, text):
    assert selectors.elapsed(datetime.timedelta(minutes=minutes)) == text


def test_no_parent_report_is_needed_from_age_20(world):
    pupil = world.pupil_in
    pupil.date_of_birth = datetime.date(today().year - 21, 1, 1)  # not replace(year=): 29 February
    pupil.save()
    ri = make_record(world)
    assert duties(ri)["parents"].done and "20 or over" in duties(ri)["parents"].text


def test_a_withheld_report_needs_the_reason_and_the_local_authority(client, world):
    ta = world.people["ta"]
    ri = make_record(world)
    client.force_login(ta)
    refused = client.post(url(ri.incident, ri, "parents/"), {"outcome": "withheld"})
    text = refused.content.decode()
    assert refused.status_code == 400 and ParentReport.objects.count() == 0
    assert "Say why telling the parents would risk significant harm." in text
    assert "Enter the date the local authority was told." in text
    client.post(url(ri.incident, ri, "parents/"), {"outcome": "withheld", "withheld_reason": "Disclosure today",
                                                   "la_notified_on": today().isoformat()})
    assert duties(ri)["parents"].done and "local authority told" in duties(ri)["parents"].text
    # No letter is made for parents who must not be told.
    letter = client.get(url(ri.incident, ri, "letter.pdf"))
    assert letter.status_code == 302


def test_telling_the_parents_needs_when_how_and_who(client, world):
    ri = make_record(world)
    client.force_login(world.people["ta"])
    page = client.post(url(ri.incident, ri, "parents/"), {"outcome": "told", "told_day": "", "told_whom": "Dad"})
    text = page.content.decode()
    assert page.status_code == 400
    for message in ("Enter the date they were told.", "Enter the time they were told.", "Choose how they were told."):
        assert message in text
    assert 'value="Dad"' in text


def test_a_debrief_is_not_before_the_intervention_or_in_the_future(client, world):
    ta = world.people["ta"]
    ri = make_record(world, started_at=earlier_today(60))
    client.force_login(ta)
    before = timezone.localtime(ri.started_at) - datetime.timedelta(minutes=30)
    early = client.post(url(ri.incident, ri, "debrief/"), {
        "with_whom": "pupil", "day": f"{before:%Y-%m-%d}", "time": f"{before:%H:%M}", "led_by": ta.pk,
        "notes": "Drew what happened"})
    assert early.status_code == 400 and "before the intervention started" in early.content.decode()
    future = timezone.localtime() + datetime.timedelta(minutes=10)
    late = client.post(url(ri.incident, ri, "debrief/"), {
        "with_whom": "pupil", "day": f"{future:%Y-%m-%d}", "time": f"{future:%H:%M}", "led_by": ta.pk,
        "notes": "Drew what happened"})
    assert late.status_code == 400 and Debrief.objects.count() == 0
    now = timezone.localtime()
    ok = client.post(url(ri.incident, ri, "debrief/"), {
        "with_whom": "pupil", "day": f"{now:%Y-%m-%d}", "time": f"{now:%H:%M}", "led_by": ta.pk,
        "attendees": "Key adult", "notes": "He said the gate was open and he wanted to see the bus"})
    assert ok.status_code == 302
    debrief = Debrief.objects.get()
    assert debrief.author == ta and debrief.led_by == ta and debrief.with_whom == "pupil"
    assert "he wanted to see the bus" in client.get(ri.get_absolute_url()).content.decode()


def test_a_record_is_signed_off_once(client, world):
    senco = world.people["senco"]
    ri = make_record(world)
    staff = staff_context_for(senco)
    services.sign_off(staff=staff, intervention=ri, review=Review(comments="Fine"))
    with pytest.raises(ValidationError, match="Already signed off by Senco Person"):
        services.sign_off(staff=staff_context_for(world.people["senior"]), intervention=ri,
                          review=Review(comments="Me too"))
    client.force_login(senco)
    again = client.post(url(ri.incident, ri, "sign-off/"), {"comments": "Twice"})
    assert again.status_code == 302 and Review.objects.count() == 1
    with pytest.raises(Exception):
        services.sign_off(staff=staff_context_for(world.people["ta"]), intervention=ri, review=Review(comments="x"))


def test_follow_ups_are_fixed_once_written(world):
    from django.db import ProgrammingError, transaction

    ri = make_record(world)
    services.add_debrief(acting_user=world.people["ta"], intervention=ri, debrief=Debrief(
        with_whom="staff", held_at=timezone.now(), led_by=world.people["senco"], notes="What worked"))
    with pytest.raises(ProgrammingError), transaction.atomic():
        Debrief.objects.update(notes="Rewritten")
