"""The whole-school overview reads tallies, a narrowed one reads incidents: both give the same rows,
in the same order, for random incidents (ticks twice, none, outside the school day, force) over
ranges of every shape, including after corrections."""

import datetime
import random

from accounts.factories import LocationFactory, PeriodFactory
from dashboards.comparison import compare
from dashboards.filters import Filters
from dashboards.selectors import SET_PICKS, _counted_incidents, _tallied_counts
from incidents.factories import IncidentFactory
from incidents.models import Incident
from pupils.factories import PupilFactory

from .fixtures import LONDON, place_incidents

LABELS = ["Refusal", "Shouting or swearing", "Leaving the room", "Hitting, kicking or biting", "Throwing objects"]


def both(school, start, end, previous="before"):
    """Both readings, comparing with the school days just before (or `previous`: a range, or None)."""
    filters = Filters(start=start, end=end, preset="custom")
    previous = compare(start, end, "custom", []).range if previous == "before" else previous
    return _tallied_counts(school.pk, filters, previous), _counted_incidents(school.pk, filters, previous)


def assert_same(tallied, counted):
    assert sorted(tallied, key=repr) == sorted(counted, key=repr)
    assert [r for r in tallied if r[1] == SET_PICKS] == [r for r in counted if r[1] == SET_PICKS]  # most ticked first


def test_the_hand_counted_fixture_reads_the_same_both_ways(world):
    place_incidents(world)
    tallied, counted = both(world.school, datetime.date(2026, 11, 2), datetime.date(2026, 11, 15))
    assert len(counted) > 10
    assert_same(tallied, counted)


def test_random_incidents_and_ranges_read_the_same_both_ways(world):
    rng = random.Random(88)
    pupils = [PupilFactory(school=world.school) for _ in range(6)]
    places = [LocationFactory(school=world.school) for _ in range(4)]
    periods = [PeriodFactory(school=world.school, starts_at=datetime.time(h), ends_at=datetime.time(h + 1))
               for h in (9, 10, 11)] + [None]
    first = datetime.datetime(2026, 9, 1, 8, tzinfo=LONDON)
    incidents = [
        IncidentFactory(school=world.school, pupil=rng.choice(pupils), location=rng.choice(places),
                        period=rng.choice(periods), created_by=world.people["ta"],
                        occurred_at=first + datetime.timedelta(days=rng.randrange(80), hours=rng.randrange(10)),
                        behaviour_picks=rng.sample(LABELS, rng.randrange(4)) + rng.sample(LABELS, rng.randrange(2)),
                        antecedent_picks=rng.sample(LABELS[:3], rng.randrange(3)),
                        physical_intervention=rng.random() < 0.2)
        for _ in range(150)]
    IncidentFactory(pupil=world.pupil_other_school, occurred_at=first + datetime.timedelta(days=5))
    ranges = [(datetime.date(2026, 9, 1), datetime.date(2026, 11, 20)), (datetime.date(2026, 10, 7),
              datetime.date(2026, 10, 7)), (datetime.date(2026, 10, 14), datetime.date(2026, 11, 2))]
    for start, end in ranges:
        assert_same(*both(world.school, start, end))
    # A previous period apart from the range (a term before), and none at all.
    assert_same(*both(world.school, datetime.date(2026, 11, 2), datetime.date(2026, 11, 20),
                      (datetime.date(2026, 9, 7), datetime.date(2026, 9, 25))))
    assert_same(*both(world.school, datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), None))
    # Corrections through the ORM move counts between days, places, periods and pupils.
    for incident in rng.sample(incidents, 40):
        incident.occurred_at += datetime.timedelta(days=rng.randrange(-5, 6))
        incident.location, incident.period, incident.pupil = rng.choice(places), rng.choice(periods), rng.choice(pupils)
        incident.save()
    Incident.objects.filter(pk__in=[i.pk for i in incidents[:30]]).update(physical_intervention=True)
    for start, end in ranges:
        tallied, counted = both(world.school, start, end)
        assert counted
        assert_same(tallied, counted)
