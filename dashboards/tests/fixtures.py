"""Twelve incidents placed by hand (plus one at another school), and the figures they make.

The range is 2-15 November 2026 (two weeks, Mondays 2 and 9 November); the previous equal range
is 19 October - 1 November (the clocks went back on 25 October: the October times are BST)."""

import datetime
import zoneinfo

from accounts.factories import LocationFactory, PeriodFactory
from incidents.factories import IncidentFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
RANGE = "preset=custom&start=2026-11-02&end=2026-11-15"


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def place_incidents(world):
    school = world.school
    hall = LocationFactory(school=school, name="Hall")
    playground = LocationFactory(school=school, name="Playground")
    morning = PeriodFactory(school=school, name="Morning", starts_at=datetime.time(9), ends_at=datetime.time(12))
    afternoon = PeriodFactory(school=school, name="Afternoon", starts_at=datetime.time(13),
                              ends_at=datetime.time(15, 30))
    amelia, isla, oliver = world.pupil_in, world.pupil_out, world.pupil_class

    def log(pupil, when, where, period, behaviours, antecedents=(), *, strategies=(), outcomes=(), intensity=2,
            duration=5, function="", force=False):
        return IncidentFactory(
            school=school, pupil=pupil, occurred_at=when, location=where, period=period, created_by=world.people["ta"],
            behaviour_picks=list(behaviours), antecedent_picks=list(antecedents), strategy_picks=list(strategies),
            outcome_picks=list(outcomes), intensity=intensity, duration_minutes=duration, suspected_function=function,
            physical_intervention=force)

    ask, calm, back = "Asked to start a task", "Calm, stayed out of class", "Returned to learning"
    # This range: Amelia 5 (one with force), Isla 2 (one with force), Oliver 1 (after the school day).
    log(amelia, at(2, 11, 9, 30), hall, morning, ["Refusal"], [ask], strategies=["Reassurance"], outcomes=[back],
        intensity=2, duration=5, function="escape")
    log(amelia, at(2, 11, 10, 15), hall, morning, ["Refusal", "Shouting or swearing"], [ask],
        strategies=["Reassurance"], outcomes=["Still unsettled at end of lesson"], intensity=3, duration=10,
        function="escape")
    log(amelia, at(3, 11, 13, 30), playground, afternoon, ["Hitting, kicking or biting"], ["Peer conflict"],
        strategies=["Change of adult"], outcomes=[calm], intensity=4, duration=15, function="attention", force=True)
    log(amelia, at(9, 11, 9, 45), hall, morning, ["Refusal"], [ask], strategies=["Reassurance", "Offered choices"],
        outcomes=[back], intensity=2, duration=5, function="escape")
    log(amelia, at(11, 11, 14), playground, afternoon, ["Shouting or swearing"], ["Unstructured time"],
        strategies=["Offered choices"], outcomes=[back], intensity=1, duration=None)
    log(isla, at(2, 11, 9, 40), hall, morning, ["Leaving the room"], ["Noise or crowding"])
    log(isla, at(12, 11, 13, 10), hall, afternoon, ["Refusal"], [ask], intensity=4, force=True)
    log(oliver, at(13, 11, 16, 30), playground, None, ["Throwing objects"], ["Told 'no' or to wait"], intensity=3)
    # The previous range: Isla 3, Oliver 1 (with force).
    log(isla, at(19, 10, 9, 30), hall, morning, ["Refusal"])
    log(isla, at(20, 10, 9, 30), hall, morning, ["Refusal"])
    log(isla, at(21, 10, 13, 30), playground, afternoon, ["Refusal"])
    log(oliver, at(26, 10, 9, 30), hall, morning, ["Refusal"], force=True)
    # Another school's incident in the range: never counted.
    IncidentFactory(pupil=world.pupil_other_school, occurred_at=at(4, 11, 10), behaviour_picks=["Refusal"])
    return {"hall": hall, "playground": playground, "morning": morning, "afternoon": afternoon}
