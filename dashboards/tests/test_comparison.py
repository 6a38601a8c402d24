"""What the overview compares a period with, counted in school days, and the "rising" list it makes.

The school days below were counted by hand from the two terms (weekdays, half-terms out; the early
May bank holiday is not a Term field, so it counts):

- Summer 2026, 20 Apr - 22 Jul, half-term 25-29 May: 25 days before the half-term (20 Apr - 22 May),
  38 after (1 Jun - 22 Jul), 63 in all.
- Autumn 2026, 2 Sep - 18 Dec, half-term 26-30 Oct: 38 days before (2 Sep - 23 Oct); 2-24 Nov is 17."""

import datetime

import pytest

from accounts.factories import TermFactory
from accounts.middleware import staff_context_for
from accounts.models import Term
from dashboards.comparison import compare
from dashboards.filters import Filters
from dashboards.selectors import school_overview
from incidents.factories import IncidentFactory

from .fixtures import at

D = datetime.date
SUMMER = dict(name="Summer 2026", starts_on=D(2026, 4, 20), ends_on=D(2026, 7, 22),
              half_term_starts_on=D(2026, 5, 25), half_term_ends_on=D(2026, 5, 29))
AUTUMN = dict(name="Autumn 2026", starts_on=D(2026, 9, 2), ends_on=D(2026, 12, 18),
              half_term_starts_on=D(2026, 10, 26), half_term_ends_on=D(2026, 10, 30))
TERMS = [Term(**SUMMER), Term(**AUTUMN)]


# --- Which days (no database) -------------------------------------------------------------------

def test_this_term_is_compared_with_the_same_stage_of_the_term_before():
    c = compare(D(2026, 9, 2), D(2026, 11, 24), "this_term", TERMS)
    assert (c.school_days, len(c.previous_days)) == (55, 55)  # 38 + 17; the October half-term is out
    assert c.range == (D(2026, 4, 20), D(2026, 7, 10))  # Summer's first 55: 25 + 30 (1 Jun - 10 Jul)
    assert c.describe() == ("Compared with the first 55 school days of Summer 2026 (20 Apr 2026 to 10 Jul 2026), "
                            "the same stage as this period.")


def test_a_whole_half_term_is_compared_with_the_whole_half_term_before():
    c = compare(D(2026, 9, 2), D(2026, 10, 25), "this_half_term", TERMS)  # during the break: the half just ended
    assert (c.school_days, len(c.previous_days), c.whole) == (38, 38, True)
    assert c.describe() == ("Compared with the second half of Summer 2026, 38 school days "
                            "(1 Jun 2026 to 22 Jul 2026).")
    c = compare(D(2026, 10, 31), D(2026, 11, 24), "this_half_term", TERMS)
    assert c.range == (D(2026, 9, 2), D(2026, 9, 24))  # the first 17 school days of the first half


def test_typed_dates_are_compared_with_the_school_days_before_them_half_term_left_out():
    c = compare(D(2026, 11, 2), D(2026, 11, 6), "custom", TERMS)
    assert c.previous_days == tuple(D(2026, 10, d) for d in (19, 20, 21, 22, 23))  # not the half-term week


def test_a_term_with_none_entered_before_it_says_every_weekday_counts():
    c = compare(D(2026, 4, 20), D(2026, 7, 22), "last_term", TERMS)
    assert c.school_days == 63 and len(c.previous_days) == 63
    assert c.range == (D(2026, 1, 21), D(2026, 4, 17))  # 12 weeks and 3 days of weekdays, Easter included
    assert c.describe().endswith("Term dates before 20 Apr 2026 aren't entered, so every weekday before then "
                                 "counts as a school day.")


def test_a_holiday_is_not_compared():
    c = compare(D(2026, 8, 3), D(2026, 8, 14), "custom", TERMS)
    assert not c.available and c.range is None
    assert c.describe() == "This period has no school days, so it isn't compared with another."


# --- The overview's figures ---------------------------------------------------------------------

@pytest.fixture
def terms(world):
    TermFactory(school=world.school, **SUMMER)
    TermFactory(school=world.school, **AUTUMN)
    return list(Term.objects.filter(school=world.school).order_by("starts_on"))


def log(world, pupil, *days):
    """An incident at 10:00 on each (day, month) of 2026."""
    for day, month in days:
        IncidentFactory(school=world.school, pupil=pupil, occurred_at=at(day, month, 10), created_by=world.people["ta"],
                        behaviour_picks=["Refusal"])


def overview(world, start, end, preset, terms, **narrow):
    staff = staff_context_for(world.people["senco"])
    return school_overview(staff, Filters(start=start, end=end, preset=preset, terms=terms, **narrow))


def test_weeks_across_a_half_term_compare_the_same_school_days(client, world, terms):
    """19 Oct - 8 Nov: 10 school days (the half-term week has none), against the 10 before, 5-16 Oct."""
    amelia, isla, oliver = world.pupil_in, world.pupil_out, world.pupil_class
    log(world, amelia, (19, 10), (20, 10), (2, 11), (3, 11))  # 4 now
    log(world, isla, (21, 10), (4, 11))  # 2 now: too few to call a rise
    log(world, oliver, (22, 10), (5, 11), (6, 11))  # 3 now
    log(world, amelia, (6, 10))  # before: 1 (school day 2 of 10)
    log(world, oliver, (7, 10), (8, 10), (10, 10), (12, 10))  # before: 4; Saturday 10th counts with Friday 9th
    log(world, isla, (30, 9))  # before the period compared with: in no figure

    client.force_login(world.people["senco"])
    for query in ["", f"&class_group={world.class_out.pk}"]:  # the whole school (tallies), fewer pupils (incidents)
        response = client.get(f"/dashboards/?preset=custom&start=2026-10-19&end=2026-11-08{query}")
        data = response.context
        if not query:
            assert data["comparison"].describe() == "Compared with the 10 school days before (5 Oct 2026 to 16 Oct 2026)."
            assert "Compared with the 10 school days before" in response.content.decode()
            assert (data["totals"]["incidents"], data["totals"]["before"], data["totals"]["change"]) == (9, 5, "+80%")
            assert data["totals"]["against"] == "+80% on the previous 5"
            assert data["tables"]["weekly"].rows == [
                ["19 Oct 2026", 4, 0, 4, 5], ["26 Oct 2026", 0, 0, "–", 0], ["2 Nov 2026", 5, 0, 1, 5]]
            assert [w["no_school_days"] for w in data["weeks"]] == [False, True, False]
            assert "No school days in the week of 26 Oct 2026" in data["tables"]["weekly"].note
        # Oliver's 3 are fewer than his 4 before; Isla's 2 are too few: only Amelia rises.
        assert data["tables"]["rising"].rows == [["Amelia Hughes", 4, 1, "+300%"]]


def test_a_shorter_stretch_with_records_is_compared_per_school_day(world, terms):
    """This half-term, 31 Oct - 24 Nov (17 school days), against the first 17 school days of the first
    half (2-24 Sep); records start on 14 Sep, so 9 of them (14-24 Sep) are compared."""
    amelia, isla = world.pupil_in, world.pupil_out
    log(world, amelia, (14, 9), (15, 9), (16, 9))  # before: 3 in 9 school days
    log(world, amelia, (2, 11), (3, 11), (4, 11), (5, 11))  # now: 4 in 17, fewer per school day (0.24 < 0.33)
    log(world, isla, (9, 11), (10, 11), (11, 11))  # now: 3, none before
    data = overview(world, D(2026, 10, 31), D(2026, 11, 24), "this_half_term", terms)
    c = data["comparison"]
    assert (c.school_days, c.previous_school_days, c.per_school_day) == (17, 9, True)
    assert c.describe() == (
        "Compared with 9 school days of the first half of Autumn 2026 (14 Sep 2026 to 24 Sep 2026): records start "
        "on 14 Sep 2026. This period has 17 school days, so figures are compared per school day.")
    # 7 in 17 days against 3 in 9: (7 x 9 - 3 x 17) / (3 x 17) = 12 / 51, +24%.
    assert data["totals"]["against"] == "+24% per school day on the previous 3"
    assert data["tables"]["rising"].rows == [["Isla Morgan", 3, 0, "none before"]]
    # Weeks whose school days fall before the records have no comparison; 16 Nov's (days 11-15) are 16-22 Sep.
    # The range starts on Saturday 31 October: that weekend's week is left out, not shown as a holiday.
    weekly = data["tables"]["weekly"]
    assert weekly.rows == [
        ["2 Nov 2026", 4, 0, "–", 5], ["9 Nov 2026", 3, 0, "–", 5], ["16 Nov 2026", 0, 0, 1, 5],
        ["23 Nov 2026", 0, 0, 0, 2]]
    assert "holiday" not in weekly.note and "Weeks with fewer school days (23 Nov: 2)" in weekly.note


def test_with_nothing_recorded_before_nobody_is_rising(client, world):
    """The demo's case: this term is the first entered and the first with records; what came before
    is not "none", it is unknown."""
    TermFactory(school=world.school, **AUTUMN)
    terms = list(Term.objects.filter(school=world.school))
    log(world, world.pupil_in, (3, 9), (4, 9), (8, 9), (9, 9), (10, 9))
    log(world, world.pupil_out, (3, 9), (14, 9), (15, 9))
    data = overview(world, D(2026, 9, 2), D(2026, 11, 24), "this_term", terms)
    assert not data["comparison"].available
    message = "No incidents were recorded before 3 Sep 2026, so there is no earlier period to compare with."
    assert data["comparison"].describe() == message
    assert data["tables"]["rising"].rows == [] and data["tables"]["rising"].empty == message
    assert data["totals"]["against"] == "nothing earlier to compare with"
    assert {row[3] for row in data["tables"]["weekly"].rows} == {"–"}
