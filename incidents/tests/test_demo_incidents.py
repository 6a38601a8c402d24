"""The demo's incidents: a school year of them, on school days in school hours, with patterns a
dashboard can find (busy pupils, times, places, triggers) and the parts a full report has."""

import datetime
import statistics
from collections import Counter

import pytest
from django.utils import timezone

from accounts.models import Membership, Period, Term
from conftest import seed_demo_on_one_day
from incidents.models import (
    DEFAULT_PICKS, Addendum, AddendumKind, Incident, Injury, InvolvedPupil, InvolvedStaff, PickKind, StaffRole,
)
from plans.models import BehaviourSupportPlan
from sendsupport import demo

HOURS = datetime.timedelta(hours=1)


@pytest.fixture
def seeders(monkeypatch):
    """Run incidents.demo after plans.demo (the lead adds it to SEEDERS; until then, add it here)."""
    if "incidents.demo" not in demo.SEEDERS:
        seeders = list(demo.SEEDERS)
        seeders.insert(seeders.index("plans.demo") + 1, "incidents.demo")
        monkeypatch.setattr(demo, "SEEDERS", seeders)


def seed(**options):
    return seed_demo_on_one_day(**options)


def local(dt):
    return timezone.localtime(dt)


def test_demo_incidents_fall_on_school_days_in_school_hours_with_patterns(db, seeders):
    # The demo's year runs up to the day of the run, so its size and shape depend on that day: at 60
    # pupils a few weeks into the autumn gave too few incidents for the patterns below to show
    # (27 November 2026: Monday's registrations 3 against a mean of 3, a classroom the busiest place).
    today = seed(pupils=120, schools=1)
    now = timezone.now()
    incidents = list(Incident.objects.select_related("school", "pupil", "location", "period", "created_by"))
    school = incidents[0].school

    # When: never in the future, on a term-time weekday outside half-term, within the school day.
    terms = list(Term.objects.filter(school=school))
    school_days = [day for day in (demo.ACADEMIC_YEAR_START + datetime.timedelta(days=n)
                                   for n in range((today - demo.ACADEMIC_YEAR_START).days + 1))
                   if day.weekday() < 5 and any(t.starts_on <= day <= t.ends_on and not (
                       t.half_term_starts_on <= day <= t.half_term_ends_on) for t in terms)]
    assert 150 <= len(incidents) <= 15 * len(school_days)  # about 7 a school day at this size
    periods = list(Period.objects.filter(school=school).order_by("starts_at"))
    day_start, day_end = periods[0].starts_at, periods[-1].ends_at
    members = set(Membership.objects.filter(school=school).values_list("user_id", flat=True))
    for i in incidents:
        when = local(i.occurred_at)
        assert i.occurred_at < i.recorded_at <= now
        assert i.recorded_at - i.occurred_at < 6 * HOURS
        assert when.date() >= demo.ACADEMIC_YEAR_START and when.weekday() < 5
        assert any(t.starts_on <= when.date() <= t.ends_on
                   and not (t.half_term_starts_on <= when.date() <= t.half_term_ends_on) for t in terms)
        assert day_start <= when.time() < day_end
        assert i.period and i.period.starts_at <= when.time() < i.period.ends_at
        assert i.pupil.school_id == i.location.school_id == i.period.school_id == school.pk
        assert i.created_by_id in members
        assert set(i.antecedent_picks) <= set(DEFAULT_PICKS[PickKind.ANTECEDENT]) and i.antecedent_picks
        assert set(i.behaviour_picks) <= set(DEFAULT_PICKS[PickKind.BEHAVIOUR]) and i.behaviour_picks
        assert set(i.consequence_picks) <= set(DEFAULT_PICKS[PickKind.CONSEQUENCE])
        assert set(i.outcome_picks) <= set(DEFAULT_PICKS[PickKind.OUTCOME])
    # up to the last school days (not "this week": in a holiday the latest is the end of term)
    assert local(max(i.occurred_at for i in incidents)).date() >= school_days[-1] - datetime.timedelta(days=7)

    # Who: a few pupils log far more than the rest.
    per_pupil = Counter(i.pupil_id for i in incidents).most_common()
    assert per_pupil[0][1] >= 5 * statistics.median(n for _, n in per_pupil)
    top_tenth = sum(n for _, n in per_pupil[: max(1, len(per_pupil) // 10)])
    assert top_tenth >= 0.35 * len(incidents)

    # When in the day: the busiest hour stands out; Monday mornings (registration and the first
    # lesson) are busier than other days'.
    hours = Counter(local(i.occurred_at).hour for i in incidents)
    assert max(hours.values()) >= 2 * statistics.median(hours.values())
    lunch = next(p for p in periods if p.name == "Lunch")
    busiest = max(hours, key=hours.get)
    assert busiest in (lunch.starts_at.hour, lunch.ends_at.hour)  # lunchtime or straight after it
    # Both periods, not registration alone: a handful of registrations a weekday so far this year is a
    # coin toss that the date of the run decides (Monday's 3 against a mean of 3 on 27 November 2026).
    first_lesson = periods[[p.name for p in periods].index("Registration") + 1]
    mornings = Counter(local(i.occurred_at).weekday() for i in incidents
                       if i.period.name == "Registration" or i.period == first_lesson)
    assert mornings[0] > statistics.mean(mornings[d] for d in range(1, 5))

    # Where and why: lunchtime, playground and corridors stand out, each with its own trigger.
    places = Counter(i.location.name for i in incidents)
    assert places.most_common(1)[0][0] in ("Dining hall", "Corridor", "Playground")
    assert places["Dining hall"] > places["Year 3 classroom"]

    def top_trigger(place):
        return Counter(a for i in incidents if i.location.name == place for a in i.antecedent_picks).most_common(1)[0][0]

    assert top_trigger("Dining hall") == "Noise or crowding"
    assert top_trigger("Corridor") in ("Change of activity or routine", "Noise or crowding")
    assert top_trigger("Playground") in ("Peer conflict", "Unstructured time")

    # How bad: mostly 1-3, a few 4-5; force in a few percent, each with the staff involved.
    intensity = Counter(i.intensity for i in incidents)
    assert sum(intensity[n] for n in (1, 2, 3)) >= 0.8 * len(incidents) and intensity[4] and intensity[5]
    forced = [i for i in incidents if i.physical_intervention]
    assert 0.015 <= len(forced) / len(incidents) <= 0.08  # about 4% (3-5%) at the default size
    assert all(i.intensity >= 4 and i.is_full_report for i in forced)
    involved = set(InvolvedStaff.objects.filter(role=StaffRole.INVOLVED).values_list("incident_id", flat=True))
    assert {i.pk for i in forced} <= involved

    # The plan's strategies are what was tried, where a pupil has a behaviour support plan.
    plans = {b.pupil_id: set(b.strategies()) for b in BehaviourSupportPlan.objects.filter(status="in_force")}
    with_plan = [i for i in incidents if i.pupil_id in plans]
    assert with_plan
    defaults = set(DEFAULT_PICKS[PickKind.STRATEGY])
    assert all(set(i.strategy_picks) <= plans[i.pupil_id] | defaults for i in with_plan)
    assert all(set(i.strategy_picks) & plans[i.pupil_id] for i in with_plan)

    # The parts of a full report, later notes, reviews and corrections.
    assert InvolvedPupil.objects.exists() and Injury.objects.exists()
    assert InvolvedStaff.objects.filter(role=StaffRole.WITNESS).exists()
    assert not InvolvedPupil.objects.exclude(pupil__school=school).exists()
    assert Addendum.objects.filter(kind=AddendumKind.NOTE).exists()
    corrections = Addendum.objects.filter(kind=AddendumKind.CORRECTION).select_related("incident")
    assert len(corrections) == 2 and {c.field for c in corrections} == {"location", "occurred_at"}
    assert all(c.incident.corrected and c.was and c.now and c.was != c.now for c in corrections)
    assert Incident.objects.filter(corrected=True).count() == 2
    place = next(c for c in corrections if c.field == "location")
    assert place.now == place.incident.location.name
    reviewed = Incident.objects.filter(reviewed_at__isnull=False)
    assert reviewed.exists() and Incident.objects.filter(reviewed_at__isnull=True).exists()
    assert Addendum.objects.filter(kind=AddendumKind.REVIEW).count() == reviewed.count()
    assert all(a.created_at <= now for a in Addendum.objects.all())

    # Seeding again changes nothing.
    counts = [m.objects.count() for m in (Incident, InvolvedPupil, InvolvedStaff, Injury, Addendum)]
    seed(pupils=120, schools=1)
    assert [m.objects.count() for m in (Incident, InvolvedPupil, InvolvedStaff, Injury, Addendum)] == counts


def test_demo_with_more_years_goes_back_with_pupils_in_their_year_group_then(db, seeders):
    seed(pupils=30, schools=2, years=2)
    september = datetime.datetime(2026, 9, 1, tzinfo=datetime.timezone.utc)
    earlier = Incident.objects.filter(occurred_at__lt=september)
    # A whole school year before, September to July (not "more than this year so far", which stops
    # holding by the spring: this year's count grows with the date of the run).
    first = local(earlier.order_by("occurred_at").first().occurred_at).date()
    last = local(earlier.order_by("occurred_at").last().occurred_at).date()
    assert datetime.date(2025, 9, 1) <= first < datetime.date(2025, 9, 15)
    assert datetime.date(2026, 7, 1) <= last < datetime.date(2026, 8, 1)
    # Reception (primary) and Year 7 (secondary) pupils of 2026-27 were not at the school a year before.
    assert not earlier.filter(pupil__year_group__in=[0, 7]).exists()
    for i in earlier.select_related("pupil", "location"):
        assert local(i.occurred_at).weekday() < 5
        if i.location.name.startswith("Year "):  # a primary classroom: the one of their year group then
            assert i.location.name == f"Year {i.pupil.year_group - 1} classroom"
    assert set(Incident.objects.values_list("school_id", flat=True).distinct()) == set(
        Incident.objects.values_list("pupil__school_id", flat=True).distinct())
