"""Demo incidents: a school year of submitted ABC logs per demo school, with patterns a dashboard can find.

Run through ``manage.py seed_demo`` after ``plans.demo`` (it uses the pupils' behaviour support
plans) and before the restrictive-intervention seeder (which adds its records to the incidents
flagged ``physical_intervention`` here).

What the data shows, on purpose:

- **A few pupils log far more than the rest.** About 3% of a school's pupils (SEMH and autistic
  pupils with a behaviour support plan first) have most days' incidents; about 8% a few a week;
  other SEN pupils one every few weeks; pupils without SEN now and then. One of the busiest
  pupils improves across the autumn, another gets worse after the October half-term (and needed
  holding in three incidents of the last four school weeks: a repeated-physical-intervention alert).
- **Time**: the first 25 minutes after lunch is the busiest part of the day, then lunchtime itself
  and the changes between lessons; Monday registration and first lesson are busier than other
  mornings, Friday's last lesson busier than other afternoons; the first week of September and
  the first day back after a holiday are busier days.
- **Place and trigger** follow the time: dining hall or canteen ("Noise or crowding"), playground
  or yard ("Peer conflict", "Unstructured time"), corridors ("Change of activity or routine"),
  classrooms ("Asked to start a task"). Each frequent pupil has their own signature (noise,
  demands, transitions, peers or mornings) that shows in their own times, places and triggers.
- Intensity mostly 1-3, a few 4-5; about 4% used force (``physical_intervention``), with the
  staff involved and, for some, injuries on the body map. Some incidents name other pupils,
  witnesses, later notes or witness statements; most older ones are reviewed by the SENCo or a
  senior leader; two per school carry a correction of a fact (place, time).

Times are on the school's own term days (its ``Term`` rows; half-terms out), within its own
school day (its ``Period`` rows), Europe/London, and never after now. With ``--years N`` the
years before 2026-27 are made from the same term pattern moved back a year at a time, with each
pupil in the year group they were in then (pupils not yet at the school are left out).

Everything random comes from ``ctx.rng``: the same seed on the same day gives the same incidents.
Rows are written with ``bulk_create``. ``seed_demo`` never seeds twice (it stops when the demo
schools exist); this seeder also does nothing if the schools already have incidents.
"""

import datetime
import math
from collections import defaultdict
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Location, Period, Role, Term, TrainingRecord
from plans.models import BehaviourSupportPlan, PositiveHandlingPlan
from pupils.models import CaseloadEntry, SENStatus
from sendsupport.demo import ACADEMIC_YEAR_START

from .models import (
    DEFAULT_PICKS, Addendum, AddendumKind, CorrectableField, Incident, Injury, InjuredPerson, InvolvedPupil,
    InvolvedStaff, PickKind, StaffRole,
)

LONDON = ZoneInfo("Europe/London")

# --- Who ------------------------------------------------------------------------------------
TOP_SHARE, MID_SHARE = 0.03, 0.08  # of a school's pupils: the very frequent and the frequent
RATE = {  # incidents per school day, drawn per pupil from these ranges
    "top": (0.55, 0.95), "mid": (0.12, 0.30), "sen": (0.02, 0.05), "none": (0.006, 0.010),
}
EARLIER_YEARS_RATE = 0.8  # earlier years were a little calmer
INTENSITY_WEIGHTS = {  # 1..5
    "top": [25, 36, 27, 8, 4], "mid": [32, 37, 23, 6, 2], "sen": [40, 37, 18, 4, 1], "none": [50, 35, 13, 2, 0],
}
FORCE_CHANCE = {4: 0.4, 5: 0.75}  # share of intensity 4 and 5 incidents where force was used

# --- When -----------------------------------------------------------------------------------
SLOTS = {  # share of a day's incidents by part of the day
    "registration": 6, "lesson": 30, "transition": 13, "break": 9, "lunch": 18, "after_lunch": 20, "end_of_day": 4,
}
WEEKDAY_RATE = [1.15, 1.0, 0.9, 1.0, 1.1]  # Monday..Friday
AFTER_LUNCH_MINUTES = 25
SIGNATURES = {
    # slot multipliers, favoured trigger, suspected function, where they have lunch trouble
    "noise": ({"lunch": 2.5, "transition": 1.8, "break": 1.2}, "Noise or crowding", "sensory", "dining"),
    "demands": ({"lesson": 2.2, "after_lunch": 1.3}, "Asked to start a task", "escape", "dining"),
    "transitions": ({"transition": 2.5, "after_lunch": 2.0, "registration": 1.5, "end_of_day": 2.0},
                    "Change of activity or routine", "escape", "dining"),
    "peers": ({"break": 2.5, "lunch": 1.8}, "Peer conflict", "attention", "outside"),
    "mornings": ({"registration": 3.0}, "Told 'no' or to wait", "tangible", "dining"),
}

# --- Where ----------------------------------------------------------------------------------
PLACES = {  # kind -> location names (accounts.demo's lists; the ones a school has are used)
    "corridor": ["Corridor", "Stairwell"],
    "cloakroom": ["Cloakroom", "Toilets", "Changing rooms"],
    "dining": ["Dining hall", "Canteen"],
    "outside": ["Playground", "Yard", "Field"],
    "hall": ["Hall", "Sports hall"],
    "quiet": ["Intervention room", "Nurture room", "Library", "Learning support base", "Inclusion room", "Sensory room"],
    "gate": ["School gate", "Bus bay", "Reception"],
    "secondary_classrooms": ["Classroom (English block)", "Classroom (maths block)", "Classroom (humanities block)",
                             "Science lab", "ICT suite", "DT workshop", "Art room", "Music room", "Drama studio",
                             "Food technology room"],
}
SLOT_PLACES = {  # slot -> [(kind, weight)]; "classroom" is the pupil's own
    "registration": [("classroom", 9), ("corridor", 1)],
    "lesson": [("classroom", 78), ("hall", 8), ("quiet", 14)],
    "transition": [("corridor", 70), ("cloakroom", 20), ("classroom", 10)],
    "break": [("outside", 90), ("corridor", 10)],
    "lunch_dining": [("dining", 100)],
    "lunch_outside": [("outside", 100)],
    "after_lunch": [("classroom", 62), ("corridor", 28), ("cloakroom", 10)],
    "end_of_day": [("gate", 50), ("cloakroom", 30), ("corridor", 20)],
}

# --- What -----------------------------------------------------------------------------------
ANTECEDENTS = {
    "registration": {"Change of activity or routine": 3, "Told 'no' or to wait": 2,
                     "Demand to stop a preferred activity": 2, "Noise or crowding": 1, "Unknown": 1},
    "lesson": {"Asked to start a task": 6, "Demand to stop a preferred activity": 2, "Told 'no' or to wait": 2,
               "Peer conflict": 1.5, "Noise or crowding": 1, "Change of activity or routine": 1, "Unknown": 1.5},
    "transition": {"Change of activity or routine": 6, "Noise or crowding": 5, "Peer conflict": 1.5,
                   "Demand to stop a preferred activity": 1},
    "break": {"Peer conflict": 5, "Unstructured time": 4, "Told 'no' or to wait": 1, "Noise or crowding": 1},
    "lunch_dining": {"Noise or crowding": 6, "Told 'no' or to wait": 2, "Peer conflict": 1.5, "Unstructured time": 1},
    "lunch_outside": {"Peer conflict": 5, "Unstructured time": 4, "Told 'no' or to wait": 1},
    "after_lunch": {"Change of activity or routine": 5, "Noise or crowding": 3, "Asked to start a task": 2.5,
                    "Peer conflict": 2},
    "end_of_day": {"Change of activity or routine": 4, "Noise or crowding": 3, "Told 'no' or to wait": 2},
}
BEHAVIOURS = {
    "low": {"Refusal": 5, "Shouting or swearing": 4, "Leaving the room": 3, "Hiding or shutting down": 3,
            "Throwing objects": 1},
    "mid": {"Shouting or swearing": 4, "Leaving the room": 3, "Throwing objects": 3, "Refusal": 2,
            "Damage to property": 1.5, "Hitting, kicking or biting": 1.5},
    "high": {"Hitting, kicking or biting": 5, "Throwing objects": 4, "Damage to property": 3,
             "Shouting or swearing": 2, "Self-harm": 1, "Leaving the room": 1},
}
CONSEQUENCES = {
    "low": {"Calm reminder": 4, "Given time and space": 4, "Task changed or reduced": 3, "Adult stayed close": 2},
    "mid": {"Given time and space": 4, "Moved to a quiet space": 3, "Adult stayed close": 3, "Peers moved away": 2,
            "Task changed or reduced": 1},
    "high": {"Peers moved away": 4, "Senior leader called": 4, "Moved to a quiet space": 3, "Adult stayed close": 2},
}
OUTCOMES = {  # intensity -> weights over DEFAULT_PICKS[OUTCOME]
    1: [9, 1, 0.3, 0], 2: [7, 2, 1, 0], 3: [4, 3, 2, 0.1], 4: [2, 4, 3, 0.5], 5: [1, 3, 3, 2],
}
DURATION = {1: (1, 5), 2: (3, 12), 3: (5, 25), 4: (10, 45), 5: (20, 75)}
BEHAVIOUR_TEXT = {
    "Refusal": ["Put head on the desk and said \"I'm not doing it\"; did not pick up the pencil.",
                "Folded arms and turned the chair to face the wall when the task was given out.",
                "Sat on the carpet and would not move to the table."],
    "Shouting or swearing": ["Shouted \"leave me alone\" several times, loud enough to stop the lesson.",
                             "Swore at the adult twice, then at another pupil.",
                             "Screamed and covered ears; kept shouting for about two minutes."],
    "Leaving the room": ["Walked out of the classroom without asking and went down the corridor.",
                         "Ran out of the door towards the toilets; an adult followed at a distance.",
                         "Left the line and went back into the building."],
    "Hiding or shutting down": ["Crawled under the table and pulled hood up; did not answer.",
                                "Went silent, head down, would not make eye contact or reply."],
    "Throwing objects": ["Threw a pencil pot across the table; it hit the floor near another pupil.",
                         "Threw a chair backwards (no one near).", "Threw lunch tray onto the floor."],
    "Damage to property": ["Ripped a display off the wall.", "Snapped a ruler and a glue stick; tore own book.",
                           "Kicked the classroom door repeatedly; the door stop broke."],
    "Hitting, kicking or biting": ["Kicked out at an adult's legs when guided away from the group.",
                                   "Hit another pupil on the arm with an open hand.",
                                   "Pushed and then kicked another pupil in the queue."],
    "Self-harm": ["Banged head on the wall twice.", "Scratched own forearm repeatedly."],
}
ANTECEDENT_TEXT = [
    "Had been unsettled since coming in from play.", "Was asked to put the tablet away and start writing.",
    "The class was told PE was cancelled because of the rain.", "A supply teacher was taking the class.",
    "The fire alarm test had just gone off.", "Another pupil took the seat they usually sit in.",
]
CONSEQUENCE_TEXT = [
    "Adult used few words and offered the quiet corner; the rest of the class carried on.",
    "Given a five-minute break with the TA, then a smaller piece of the task.",
    "Other pupils were moved to the carpet area; one adult stayed with the pupil.",
]
OUTCOME_TEXT = [
    "Calm after about ten minutes; rejoined the group for the end of the lesson.",
    "Stayed in the nurture room for the rest of the afternoon with an adult.",
    "Parent informed at the end of the day.",
]
SETTING_EVENTS = [
    "Poor night's sleep (mum's note in the reading record)", "Missed breakfast", "Supply teacher today",
    "Unwell: a cold coming on", "Contact visit with dad last night", "New baby at home",
    "Medication changed this week", "Came in upset after the journey to school",
]
MONDAY_SETTING_EVENT = "Weekend at the other parent's house"
ACTIVITIES = {
    "primary": {
        "registration": ["Morning register", "Handing in reading books", "Morning work"],
        "lesson": ["Phonics", "Guided reading", "Maths: place value", "Maths: times tables", "Writing a recount",
                   "Science experiment", "PE", "Art", "Topic: the Romans", "Music"],
        "transition": ["Lining up", "Moving to the hall", "Tidying up"],
        "break": ["Break-time play", "Football on the playground"],
        "lunch_dining": ["Queueing for lunch", "Eating lunch"],
        "lunch_outside": ["Lunchtime play", "Football at lunch"],
        "after_lunch": ["Coming in from lunch", "Afternoon register", "Quiet reading after lunch"],
        "end_of_day": ["Home time", "Waiting to be collected", "Story time"],
    },
    "secondary": {
        "registration": ["Form time", "Tutor reading"],
        "lesson": ["English: reading a novel", "Maths: algebra", "Science practical", "History: source work",
                   "Geography", "Computing", "PE", "Art", "French", "Design and technology"],
        "transition": ["Changing lessons", "On the way to the sports hall", "Leaving the classroom"],
        "break": ["Break time"],
        "lunch_dining": ["Queueing in the canteen", "Eating lunch"],
        "lunch_outside": ["Lunchtime on the yard", "Football at lunch"],
        "after_lunch": ["Coming in from lunch", "Start of period 5"],
        "end_of_day": ["Leaving school", "Waiting for the bus"],
    },
}
OTHER_PUPIL_PARTS = ["Argument over the ball", "Pushed in the queue", "Called names", "Was hit",
                     "Joined in the argument", "Was sitting next to them", "Took their pencil case"]
STRATEGY_TEXT = ["Offered a drink of water and a walk.", "Used the timer so they could see how long was left."]
NOTES = [
    "Spoke to mum at pick-up: had been up in the night.", "Pupil apologised and helped tidy up the next morning.",
    "Restorative conversation held the next day with the SENCo.",
    "Dad rang: similar behaviour at home over the weekend.",
    "Discussed with the class teacher: will seat nearer the door.",
]
WITNESS_TEXT = [
    "I was on the corridor and saw the pupil push past and run towards the hall; I stayed with the other pupils.",
    "I was in the room. The pupil shouted and threw the pencil pot before the adult spoke to them.",
]
REVIEW_TEXT = ["Reviewed.", "Reviewed. Strategies in the plan were used; no change needed.",
               "Reviewed: discuss lunchtimes at the next plan review.",
               "Reviewed. Parent to be invited in to talk about mornings."]
INJURIES = {
    InjuredPerson.PUPIL: [(["left_arm"], "Red mark on the upper arm where guided; no bruising seen"),
                          (["right_hand"], "Grazed knuckles from hitting the wall"),
                          (["left_arm", "right_arm"], "Scratches on both forearms (self-inflicted)")],
    InjuredPerson.STAFF: [(["right_hand"], "Scratch to the back of the hand"), (["left_leg"], "Kicked on the shin")],
    InjuredPerson.OTHER_PUPIL: [(["left_leg"], "Kicked on the shin; red mark"), (["face"], "Red mark on the cheek")],
}
FIRST_AID = ["Cold compress; checked by a first aider", "Cleaned and a plaster applied", "Ice pack for 10 minutes"]
CORRECTION_REASONS = {
    CorrectableField.LOCATION: "Wrong place picked in a hurry: it happened just outside, in the corridor.",
    CorrectableField.OCCURRED_AT: "I put the time I logged it, not when it happened.",
}


def seed(ctx) -> None:
    if Incident.objects.filter(school__in=ctx.schools).exists():
        return  # already seeded: never duplicate
    now = timezone.now()
    for school in ctx.schools:
        counts = _seed_school(ctx, school, now)
        ctx.log(f"  {school.name}: {counts['incidents']} incidents ({counts['force']} with force), "
                f"{counts['addenda']} addenda")


# --- Helpers ----------------------------------------------------------------------------------
def _weighted(rng, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def _poisson(rng, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def _school_days(terms, years_back: int, today: datetime.date) -> list[tuple[datetime.date, int]]:
    """[(day, years back)] of term-time weekdays up to today. Earlier years use this year's term
    pattern moved back 52 weeks at a time (same weekdays); the early May bank holiday is out."""
    out = []
    for back in range(years_back, -1, -1):
        shift = datetime.timedelta(weeks=52 * back)
        for term in terms:
            day, last = term.starts_on - shift, min(term.ends_on - shift, today)
            ht_from = term.half_term_starts_on and term.half_term_starts_on - shift
            ht_to = term.half_term_ends_on and term.half_term_ends_on - shift
            while day <= last:
                in_half_term = ht_from and ht_to and ht_from <= day <= ht_to
                may_day = day.month == 5 and day.weekday() == 0 and day.day <= 7
                if day.weekday() < 5 and not in_half_term and not may_day:
                    out.append((day, back))
                day += datetime.timedelta(days=1)
    return out


class _Day:
    """A school's day structure from its Period rows."""

    def __init__(self, periods: list[Period]):
        self.periods = periods
        by_name = {p.name.lower(): p for p in periods}
        self.registration = next((p for n, p in by_name.items() if n.startswith("registration")), None)
        self.brk = next((p for n, p in by_name.items() if n.startswith("break")), None)
        self.lunch = next((p for n, p in by_name.items() if n.startswith("lunch")), None)
        self.lessons = [p for p in periods if p not in (self.registration, self.brk, self.lunch)] or periods
        self.after_lunch = next((p for p in periods if self.lunch and p.starts_at >= self.lunch.ends_at), None)
        self.start, self.end = _minutes(periods[0].starts_at), _minutes(periods[-1].ends_at)
        self.boundaries = [_minutes(p.starts_at) for p in periods[1:]]

    def period_at(self, minute: int):
        return next((p for p in self.periods if _minutes(p.starts_at) <= minute < _minutes(p.ends_at)), None)

    def slot_minute(self, rng, slot: str, weekday: int) -> int:
        def within(period, first=None):
            a = _minutes(period.starts_at)
            b = _minutes(period.ends_at) if first is None else min(_minutes(period.ends_at), a + first)
            return rng.randrange(a, b)

        if slot == "registration" and self.registration:
            return within(self.registration)
        if slot == "break" and self.brk:
            return within(self.brk)
        if slot in ("lunch_dining", "lunch_outside") and self.lunch:
            return within(self.lunch)
        if slot == "after_lunch" and self.after_lunch:
            return within(self.after_lunch, AFTER_LUNCH_MINUTES)
        if slot == "transition" and self.boundaries:
            return min(max(rng.choice(self.boundaries) + rng.randrange(-4, 6), self.start), self.end - 1)
        if slot == "end_of_day":
            return rng.randrange(self.end - 15, self.end)
        weights = []
        for i, p in enumerate(self.lessons):
            w = _minutes(p.ends_at) - _minutes(p.starts_at)
            if weekday == 0 and i == 0:
                w *= 2.5  # Monday's first lesson
            if weekday == 4 and i == len(self.lessons) - 1:
                w *= 1.6  # Friday's last lesson
            weights.append(w)
        lesson = rng.choices(self.lessons, weights)[0]
        return within(lesson)


def _seed_school(ctx, school, now) -> dict:
    rng = ctx.rng
    phase = ctx.spec(school).phase
    lowest_year = min(ctx.spec(school).year_groups)
    pupils = list(ctx.pupils.get(school, []))
    staff = ctx.staff[school]
    terms = list(Term.objects.filter(school=school).order_by("starts_on"))
    periods = list(Period.objects.filter(school=school).order_by("starts_at"))
    locations = {loc.name: loc for loc in Location.objects.filter(school=school, is_active=True).order_by("name")}
    if not (pupils and terms and periods and locations):
        return {"incidents": 0, "force": 0, "addenda": 0}
    day_plan = _Day(periods)
    today = min(timezone.localdate(now), terms[-1].ends_on)
    days = [(d, back) for d, back in _school_days(terms, ctx.years - 1, today) if d >= ACADEMIC_YEAR_START
            or back > 0]

    # Who supports whom: caseload TAs (and other staff with pupils) and class teachers.
    users = {u.pk: u for role_users in staff.values() for u in role_users}
    adults_of, teacher_of_class = defaultdict(list), {}
    for user_id, pupil_id, class_id in (CaseloadEntry.objects.filter(school=school).order_by("id")
                                        .values_list("user_id", "pupil_id", "class_group_id")):
        if user_id not in users:
            continue
        if pupil_id:
            adults_of[pupil_id].append(users[user_id])
        else:
            teacher_of_class.setdefault(class_id, users[user_id])
    tas, teachers = staff[Role.TEACHING_ASSISTANT], staff[Role.TEACHER]
    trained = [users[uid] for uid in TrainingRecord.objects.filter(
        school=school, course="team_teach", expires_on__gte=today).order_by("id").values_list("user_id", flat=True)
        if uid in users] or tas
    strategies = {b.pupil_id: b.strategies() for b in BehaviourSupportPlan.objects.filter(
        pupil__school=school, status="in_force").order_by("id")}
    handling = set(PositiveHandlingPlan.objects.filter(pupil__school=school, status="in_force")
                   .values_list("pupil_id", flat=True))
    by_class = defaultdict(list)
    for p in pupils:
        by_class[p.class_group_id].append(p)

    # Tiers: the pupils who log most are those with a behaviour plan, then SEMH and autistic pupils.
    def rank(p):
        sen = p.sen_status != SENStatus.NONE
        return (0 if p.pk in strategies else 1 if p.primary_need in ("SEMH", "ASD") and sen else
                2 if p.sen_status == SENStatus.EHCP else 3 if sen else 4, rng.random())

    ordered = sorted(pupils, key=rank)
    n_top = max(2, round(len(pupils) * TOP_SHARE))
    n_mid = max(4, round(len(pupils) * MID_SHARE))
    profile = {}
    for i, p in enumerate(ordered):
        tier = "top" if i < n_top else "mid" if i < n_top + n_mid else (
            "sen" if p.sen_status != SENStatus.NONE else "none")
        signature = rng.choice(sorted(SIGNATURES)) if tier in ("top", "mid") else None
        profile[p.pk] = (tier, rng.uniform(*RATE[tier]), signature)
    improving, worsening = ordered[0].pk, ordered[1].pk
    senco = staff[Role.SENCO][0]
    senior = (staff[Role.SENIOR_LEADER] or [senco])[0]
    people = SimpleNamespace(
        school=school, phase=phase, day=day_plan, locations=locations, adults_of=adults_of,
        teacher_of_class=teacher_of_class, by_class=by_class, tas=tas or teachers, teachers=teachers,
        duty=list(dict.fromkeys(staff[Role.DSL][:1] + [senior, senco])), trained=trained, senco=senco, senior=senior)

    this_year = [d for d, back in days if back == 0]
    first_days = set(this_year[:5])
    back_days = {d for prev, d in zip([d for d, _ in days], [d for d, _ in days][1:]) if (d - prev).days > 4}
    half_term = next((t.half_term_ends_on for t in terms if t.half_term_ends_on), None)

    incidents, extras = [], []  # extras: per incident, what to add once it has a pk
    for day, back in days:
        weekday = day.weekday()
        day_rate = WEEKDAY_RATE[weekday] * (1.3 if day in first_days else 1.0) * (1.4 if day in back_days else 1.0)
        if back:
            day_rate *= EARLIER_YEARS_RATE
        for p in pupils:
            year_then = p.year_group - back
            if year_then < lowest_year:
                continue  # not at this school yet
            tier, rate, signature = profile[p.pk]
            lam = rate * day_rate
            if back == 0 and p.pk == improving:
                lam *= 1.5 - 0.9 * _fraction(this_year, day)
            elif back == 0 and p.pk == worsening and half_term:
                lam *= 1.7 if day > half_term else 0.6
            for _ in range(_poisson(rng, lam)):
                made = _incident(rng, people, p, year_then, tier, signature, day, weekday, now,
                                 strategies.get(p.pk), p.pk in handling)
                if made:
                    incidents.append(made[0])
                    extras.append(made[1])

    _repeated_force(incidents, extras, worsening, [d for d in this_year if d < timezone.localdate(now)])
    _corrections(rng, incidents, extras, locations, now)
    Incident.objects.bulk_create(incidents, batch_size=1000)

    involved_pupils, involved_staff, injuries, addenda = [], [], [], []
    for incident, extra in zip(incidents, extras):
        for other, part in extra.get("pupils", []):
            involved_pupils.append(InvolvedPupil(incident=incident, pupil=other, part=part))
        for user, role in extra.get("staff", []):
            involved_staff.append(InvolvedStaff(incident=incident, user=user, role=role))
        for person, who, regions, text in extra.get("injuries", []):
            injuries.append(Injury(incident=incident, person=person, staff_member=who, body_regions=regions,
                                   description=text, first_aid=rng.choice(FIRST_AID),
                                   first_aid_by=rng.choice(tas).full_name, recorded_by=incident.created_by,
                                   recorded_at=incident.recorded_at))
        for fields in extra.get("addenda", []):
            addenda.append(Addendum(incident=incident, **fields))
        if incident.reviewed_at:
            addenda.append(Addendum(incident=incident, kind=AddendumKind.REVIEW, author=incident.reviewed_by,
                                    created_at=incident.reviewed_at, text=rng.choice(REVIEW_TEXT)))
    InvolvedPupil.objects.bulk_create(involved_pupils, batch_size=2000)
    InvolvedStaff.objects.bulk_create(involved_staff, batch_size=2000)
    Injury.objects.bulk_create(injuries, batch_size=2000)
    addenda.sort(key=lambda a: (a.created_at, a.incident.pk))
    Addendum.objects.bulk_create(addenda, batch_size=2000)
    return {"incidents": len(incidents), "force": sum(i.physical_intervention for i in incidents),
            "addenda": len(addenda)}


def _fraction(days: list, day) -> float:
    return days.index(day) / max(1, len(days) - 1)


def _incident(rng, people, pupil, year_then, tier, signature, day, weekday, now, plan_strategies, has_handling_plan):
    """One incident (unsaved) and what hangs off it, or None if it would be after now."""
    school, phase, day_plan, locations = people.school, people.phase, people.day, people.locations
    tas, teachers, duty, trained = people.tas, people.teachers, people.duty, people.trained
    slot_mult, favoured, function, lunch_place = SIGNATURES[signature] if signature else ({}, None, "", "")
    weights = {s: w * slot_mult.get(s, 1.0) for s, w in SLOTS.items()}
    if weekday == 0:
        weights["registration"] *= 2.5  # Monday mornings
    slot = _weighted(rng, weights)
    if slot == "lunch":
        place = lunch_place or ("dining" if rng.random() < 0.55 else "outside")
        if lunch_place and rng.random() < 0.25:
            place = "outside" if place == "dining" else "dining"
        slot = f"lunch_{place}"
    minute = day_plan.slot_minute(rng, slot, weekday)
    occurred = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), tzinfo=LONDON)

    intensity = rng.choices([1, 2, 3, 4, 5], INTENSITY_WEIGHTS[tier])[0]
    force = intensity in FORCE_CHANCE and rng.random() < FORCE_CHANCE[intensity] * (1.25 if has_handling_plan else 0.9)
    full = intensity >= 4 or force or (intensity == 3 and rng.random() < 0.25)

    # Recorded a few minutes to a few hours later; full reports take longer.
    if full:
        delay = rng.uniform(45, 300)
    else:
        delay = rng.choices([rng.uniform(2, 30), rng.uniform(30, 150), rng.uniform(150, 300)], [6, 3, 1])[0]
    recorded = occurred + datetime.timedelta(minutes=delay, seconds=rng.randrange(60))
    if occurred > now - datetime.timedelta(minutes=3):
        return None
    recorded = min(recorded, now - datetime.timedelta(seconds=rng.randrange(30, 120)))

    # Who logged it: on the playground or at lunch often whoever was on duty.
    own = people.adults_of.get(pupil.pk, [])
    teacher = people.teacher_of_class.get(pupil.class_group_id) if year_then == pupil.year_group else None
    if slot in ("break", "lunch_dining", "lunch_outside", "end_of_day"):
        pool = [(tas, 45), (own, 40), (duty, 15)]
    else:
        pool = [(own, 60), ([teacher] if teacher else [], 30), (tas, 7), (duty[-1:], 3)]
    pool = [(people, w) for people, w in pool if people]
    author = rng.choice(rng.choices([people for people, _ in pool], [w for _, w in pool])[0])

    # ABC picks
    antecedents = dict(ANTECEDENTS[slot])
    if favoured:
        antecedents[favoured] = antecedents.get(favoured, 1) * 3
    ante = [_weighted(rng, antecedents)]
    if rng.random() < 0.3:
        second = _weighted(rng, antecedents)
        if second not in ante and "Unknown" not in (second, ante[0]):
            ante.append(second)
    band = "low" if intensity <= 2 else "mid" if intensity == 3 else "high"
    behaviours = [_weighted(rng, BEHAVIOURS[band])]
    for chance in (0.45, 0.15 if intensity >= 3 else 0):
        extra = _weighted(rng, BEHAVIOURS[band])
        if rng.random() < chance and extra not in behaviours:
            behaviours.append(extra)
    consequences = [_weighted(rng, CONSEQUENCES[band])]
    extra = _weighted(rng, CONSEQUENCES[band])
    if rng.random() < 0.4 and extra not in consequences:
        consequences.append(extra)
    if plan_strategies:
        used = rng.sample(plan_strategies, min(len(plan_strategies), rng.randint(1, 3)))
        if rng.random() < 0.3:
            used.append(rng.choice(DEFAULT_PICKS[PickKind.STRATEGY]))
    else:
        used = rng.sample(DEFAULT_PICKS[PickKind.STRATEGY], rng.randint(1, 2))
    used = list(dict.fromkeys(used))
    outcome = rng.choices(DEFAULT_PICKS[PickKind.OUTCOME], OUTCOMES[intensity])[0]
    low, high = DURATION[intensity]
    duration = None if intensity <= 2 and rng.random() < 0.1 else rng.randint(low, high)
    setting = ""
    if rng.random() < 0.15:
        setting = MONDAY_SETTING_EVENT if weekday == 0 and rng.random() < 0.5 else rng.choice(SETTING_EVENTS)

    location = _place(rng, slot, phase, year_then, locations)
    incident = Incident(
        school=school, pupil=pupil, occurred_at=occurred, recorded_at=recorded, created_by=author,
        location=location, period=day_plan.period_at(minute),
        activity=rng.choice(ACTIVITIES[phase][slot]),
        antecedent_picks=ante, antecedent=rng.choice(ANTECEDENT_TEXT) if full and rng.random() < 0.6 else "",
        behaviour_picks=behaviours,
        behaviour=rng.choice(BEHAVIOUR_TEXT[behaviours[0]]) if full or rng.random() < 0.55 else "",
        consequence_picks=consequences, consequence=rng.choice(CONSEQUENCE_TEXT) if full else "",
        strategy_picks=used, strategies=rng.choice(STRATEGY_TEXT) if full and rng.random() < 0.3 else "",
        intensity=intensity, duration_minutes=duration, outcome_picks=[outcome],
        outcome=rng.choice(OUTCOME_TEXT) if full else "",
        suspected_function=function if function and rng.random() < 0.6 else "",
        setting_events=setting,
        damage=("Damaged: " + rng.choice(["a display", "a chair", "a library book", "the door stop"])
                if "Damage to property" in behaviours else ""),
        physical_intervention=force, is_full_report=full,
    )
    extra = {"pupils": [], "staff": [], "injuries": [], "addenda": []}

    # Other pupils, staff, injuries
    if "Peer conflict" in ante or (intensity >= 4 and "Hitting, kicking or biting" in behaviours):
        peers = [o for o in people.by_class.get(pupil.class_group_id, []) if o.pk != pupil.pk]
        for other in rng.sample(peers, min(len(peers), 1 if rng.random() < 0.8 else 2)):
            extra["pupils"].append((other, rng.choice(OTHER_PUPIL_PARTS)))
    if force:
        helper = rng.choice([u for u in trained if u.pk != author.pk] or tas)
        extra["staff"] += [(author, StaffRole.INVOLVED)] + ([(helper, StaffRole.INVOLVED)] if helper != author else [])
        if rng.random() < 0.35:
            extra["injuries"].append((InjuredPerson.PUPIL, None, *rng.choice(INJURIES[InjuredPerson.PUPIL][:2])))
        if rng.random() < 0.2:
            extra["injuries"].append((InjuredPerson.STAFF, helper, *rng.choice(INJURIES[InjuredPerson.STAFF])))
    elif full and rng.random() < 0.3:
        extra["staff"].append((author, StaffRole.INVOLVED))
    if "Self-harm" in behaviours and rng.random() < 0.6:
        extra["injuries"].append((InjuredPerson.PUPIL, None, *INJURIES[InjuredPerson.PUPIL][2]))
    if intensity == 5 and "Hitting, kicking or biting" in behaviours and extra["pupils"] and rng.random() < 0.4:
        extra["injuries"].append((InjuredPerson.OTHER_PUPIL, None, *rng.choice(INJURIES[InjuredPerson.OTHER_PUPIL])))
    witness = None
    if rng.random() < (0.5 if full else 0.08):
        witness = rng.choice([u for u in tas + teachers if u.pk != author.pk] or tas)
        extra["staff"].append((witness, StaffRole.WITNESS))

    # Later notes, witness statements, review
    def later(low_minutes, high_minutes):
        at = recorded + datetime.timedelta(minutes=rng.uniform(low_minutes, high_minutes))
        return at if at < now else None

    if rng.random() < 0.03 and (at := later(60, 2880)):
        extra["addenda"].append({"kind": AddendumKind.NOTE, "text": rng.choice(NOTES),
                                 "author": rng.choice([author, people.senco]), "created_at": at})
    if witness and full and rng.random() < 0.3 and (at := later(30, 240)):
        extra["addenda"].append({"kind": AddendumKind.WITNESS, "text": rng.choice(WITNESS_TEXT), "author": witness,
                                 "created_at": at})
    if recorded < now - datetime.timedelta(days=2) and rng.random() < (0.97 if intensity >= 3 else 0.9):
        at = later(120, 2880) or now - datetime.timedelta(minutes=5)
        incident.reviewed_at = at
        incident.reviewed_by = people.senco if rng.random() < 0.8 else people.senior
    return incident, extra


def _place(rng, slot, phase, year_then, locations):
    kind = _weighted(rng, dict(SLOT_PLACES[slot]))
    if kind == "classroom":
        if phase == "primary":
            names = ["Reception classroom" if year_then == 0 else f"Year {year_then} classroom"]
        else:
            names = PLACES["secondary_classrooms"][:3] * 3 + PLACES["secondary_classrooms"][3:]
    else:
        names = PLACES[kind]
    found = [locations[n] for n in names if n in locations]
    if not found:
        found = [loc for name, loc in locations.items() if "classroom" in name.lower()] or list(locations.values())
    return rng.choice(found)


def _repeated_force(incidents, extras, pupil_id, school_days) -> None:
    """The pupil who gets worse after the October half-term needed holding in their three latest
    incidents of the last 4 school weeks, so the overview shows a repeated-physical-intervention
    alert in every demo school (dashboards.alerts: 3 in the last 20 school days). Chosen, not drawn:
    the rest of the data is the same as without it."""
    window = set(school_days[-20:])
    theirs = [i for i, inc in enumerate(incidents)
              if inc.pupil.pk == pupil_id and timezone.localdate(inc.occurred_at, LONDON) in window]
    for i in sorted(theirs, key=lambda i: incidents[i].occurred_at)[-3:]:
        incident = incidents[i]
        incident.physical_intervention, incident.is_full_report = True, True
        incident.intensity = max(incident.intensity, 4)
        if (incident.created_by, StaffRole.INVOLVED) not in extras[i]["staff"]:
            extras[i]["staff"].append((incident.created_by, StaffRole.INVOLVED))


def _corrections(rng, incidents, extras, locations, now):
    """Two corrections per school (a place, a time): the incident holds the corrected value, the
    addendum what it said before, as incidents.services.correct_fact writes them."""
    corridor = locations.get("Corridor") or next(iter(locations.values()))
    old = [i for i in range(len(incidents)) if incidents[i].recorded_at < now - datetime.timedelta(days=5)
           and incidents[i].location.pk != corridor.pk]
    if len(old) < 2:
        return
    first, second = rng.sample(old, 2)
    incident = incidents[first]
    wrong = incident.location  # what was picked in a hurry
    incident.location = corridor
    incident.corrected = True
    extras[first]["addenda"].append({
        "kind": AddendumKind.CORRECTION, "field": CorrectableField.LOCATION, "was": wrong.name, "now": corridor.name,
        "text": CORRECTION_REASONS[CorrectableField.LOCATION], "author": incident.created_by,
        "created_at": incident.recorded_at + datetime.timedelta(hours=rng.uniform(2, 30))})
    incident = incidents[second]
    typed = timezone.localtime(incident.recorded_at, LONDON).replace(second=0, microsecond=0)
    incident.corrected = True
    extras[second]["addenda"].append({
        "kind": AddendumKind.CORRECTION, "field": CorrectableField.OCCURRED_AT,
        "was": f"{typed:%-d %b %Y %H:%M}",
        "now": f"{timezone.localtime(incident.occurred_at, LONDON):%-d %b %Y %H:%M}",
        "text": CORRECTION_REASONS[CorrectableField.OCCURRED_AT], "author": incident.created_by,
        "created_at": incident.recorded_at + datetime.timedelta(hours=rng.uniform(1, 20))})
