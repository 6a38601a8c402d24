"""The missed-dose sweep counts school days from each school's term dates: nothing is flagged in
half-term, holidays or outside the terms entered; a school with no terms counts every weekday, and
the "due now" page says which applies."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Term
from care import services
from care.factories import MedicineFactory
from care.models import Administration

D = datetime.date


@pytest.fixture
def noon_doses(world):
    """A noon dose for a pupil of each school, agreed and added long before any day tested."""
    long_ago = dict(consent_given_on=D(2020, 1, 1), consent_review_on=None,
                    created_at=timezone.make_aware(datetime.datetime(2020, 1, 1)))
    return {"ours": MedicineFactory(pupil=world.pupil_in, scheduled_times=[datetime.time(12)], **long_ago),
            "theirs": MedicineFactory(pupil=world.pupil_other_school, scheduled_times=[datetime.time(12)], **long_ago)}


@pytest.fixture
def autumn(world):
    return Term.objects.create(school=world.school, name="Autumn 2026", starts_on=D(2026, 9, 2),
                               ends_on=D(2026, 12, 18), half_term_starts_on=D(2026, 10, 26),
                               half_term_ends_on=D(2026, 10, 30))


def sweep(day):
    return services.flag_missed_doses(now=services.slot_at(day, datetime.time(15)))


@pytest.mark.parametrize("day,why", [
    (D(2026, 10, 28), "half-term"),
    (D(2026, 12, 23), "Christmas holiday, after the last term entered"),
    (D(2026, 8, 19), "summer holiday, before the first term entered"),
    (D(2026, 11, 28), "Saturday in term"),
])
def test_no_dose_is_flagged_missed_when_the_school_is_closed(world, noon_doses, autumn, day, why):
    flagged = sweep(day)
    assert not Administration.objects.filter(medicine=noon_doses["ours"]).exists(), why
    # The other school has no term dates: its weekdays count, ours don't.
    assert [a.medicine for a in flagged] == ([noon_doses["theirs"]] if day.isoweekday() <= 5 else [])


def test_a_term_day_is_flagged(world, noon_doses, autumn):
    flagged = sweep(D(2026, 11, 24))
    assert {a.medicine for a in flagged} == {noon_doses["ours"], noon_doses["theirs"]}


def test_without_term_dates_every_weekday_counts(world, noon_doses):
    assert {a.medicine for a in sweep(D(2026, 10, 28))} == {noon_doses["ours"], noon_doses["theirs"]}


def test_sweep_reads_term_dates_in_one_query(world, noon_doses, autumn, django_assert_max_num_queries):
    Term.objects.create(school=world.other_school, name="Autumn", starts_on=D(2026, 9, 1), ends_on=D(2026, 12, 18),
                        half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30))
    # medicines, term dates, doses already recorded: whatever the number of schools
    with django_assert_max_num_queries(3):
        assert sweep(D(2026, 10, 28)) == []


def test_due_now_page_says_how_school_days_are_counted(client, world):
    client.force_login(world.people["ta"])
    assert "No term dates are set up" in client.get("/care/due/").content.decode()
    today = timezone.localdate()
    term = Term.objects.create(school=world.school, name="This term", starts_on=today - datetime.timedelta(days=20),
                               ends_on=today + datetime.timedelta(days=20))
    html = client.get("/care/due/").content.decode()
    assert "No term dates are set up" not in html
    assert ("not a school day" in html) == (today.isoweekday() > 5)
    term.starts_on, term.ends_on = today + datetime.timedelta(days=10), today + datetime.timedelta(days=40)
    term.save()
    assert "Today is not a school day in the term dates" in client.get("/care/due/").content.decode()
