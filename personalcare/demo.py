"""Demo intimate and personal care: plans for a few pupils per school and a term of care logs.

Run through ``manage.py seed_demo`` after ``pupils.demo`` (caseloads) and ``safeguarding.demo``.

What the data shows, on purpose:

- **Plans in force** for up to two pupils with profound and multiple or severe learning
  difficulties or a physical disability (pads changed on a changing bed with a hoist: a second
  adult is required), and, in primary schools, one or two Reception children still learning to use
  the toilet (prompted toileting, pull-ups, steps to independence). Each names two or three staff
  (TAs whose caseload has the pupil first; the first TA, ``ta@<school>.demo``, is named on one
  plan in each school so their home page shows "Personal care"), records the parents' consent in
  September and a review date in the spring; one plan's review is due within a fortnight. One
  Reception plan has been amended once (version 1 superseded at half-term, when the child became
  dry in the mornings: progress moved from emerging to developing).
- **A term of logs** on school days from the plan's start up to now (none in half-term): each
  plan's usual times, with occasional extra care; the second adult on every log where the plan
  requires one; now and then a mild observation (redness after a long day, upset at a new member
  of staff); low supplies about once a fortnight.
- **One observation of concern** per school a few days ago, logged through ``services.record_care`` with
  the concern raised in the same step: the DSL team sees it in their list and the TA sees only
  that it was received.
- **One second adult not named on the plan** per school yesterday (or the last weekday before):
  an extra change on the plan needing two adults (else the first plan) where a named adult was
  off sick and a colleague not on the plan helped (one with current moving and handling training
  where the plan involves it), logged through ``services.record_care`` with the reason, so the
  SENCo has the "second adult not named on the plan" notice and the log shows why.

Everything random comes from ``ctx.rng``; rows are written with ``bulk_create`` except the concern
and the unnamed second adult.
The seeder does nothing for a school that already has care plans.
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.access import StaffContext
from accounts.models import Membership, Role, Term
from plans.models import Rating, VersionStatus
from pupils.models import CaseloadEntry, Need
from sendsupport.demo import ACADEMIC_YEAR_START

from . import services
from .models import CareGiven, CareLog, CarePlan, CarePlanStaff, Observation
from .selectors import has_current_moving_and_handling

LONDON = ZoneInfo("Europe/London")
D = datetime.date

HOIST_PLAN = {
    "needs": "{name} has profound and multiple learning difficulties and is not continent. Pads are changed "
             "three times a day and whenever needed. {name} cannot stand and is moved with the ceiling hoist.",
    "how_care_is_given": "1. Tell {name} it is time for a change (say \"changing time\" and show the towel).\n"
                         "2. Hoist from the wheelchair to the changing bed using the blue sling (size M).\n"
                         "3. Gloves and apron on. Change the pad, clean with wipes front to back, check the skin.\n"
                         "4. Barrier cream if the skin is red (prescribed: see the medication plan).\n"
                         "5. Dress, hoist back, wash hands. Log the change.",
    "usual_times": "10:30, 12:45, 14:40",
    "care_location": "Hygiene room next to Class 2",
    "communication": "{name} does not use words. Smiles and vocalises for yes; turns the head away and tenses "
                     "for no or stop. Uses an object of reference (the small towel) for changing time.",
    "preferences": "Prefers staff {pronoun} knows well; a new adult should watch two changes first. Likes the "
                   "music box on the shelf during changes. Room warm; curtain drawn.",
    "equipment": "Height-adjustable changing bed, ceiling hoist with blue sling (size M), size 6 all-in-one pads, "
                 "wipes, barrier cream, gloves, aprons, clinical waste bin.",
    "equipment_supplier": "NHS continence service (pads); hoist serviced by Arjo every six months",
    "second_adult_required": True,
    "second_adult_notes": "Every change: two adults for the hoist (moving and handling risk assessment).",
    "moving_and_handling": "Ceiling hoist only; never lift by hand. Both staff trained in moving and handling "
                           "(see the training register). Check the sling for wear before each use.",
    "infection_control": "Gloves and apron for each change; clean the bed with the green wipes afterwards; "
                         "soiled pads in the clinical waste bin; wash hands.",
    "steps_to_independence": "Rolls towards the adult when asked to help; holds the towel. Next: lifting the arm "
                             "for the sleeve when dressing.",
    "independence_progress": Rating.EMERGING,
}
TOILETING_PLAN = {
    "needs": "{name} is in Reception and is not yet dry in the day. Wears pull-ups; needs prompting to use the "
             "toilet and help to clean and dress.",
    "how_care_is_given": "1. Prompt with the toilet symbol at the usual times and when {name} looks uncomfortable.\n"
                         "2. Encourage {name} to pull down their own clothes; help only with what they can't do.\n"
                         "3. If wet or soiled: change the pull-up in the disabled toilet, clean with wipes, "
                         "spare clothes from the named bag.\n"
                         "4. Praise every try, wet or dry. Log each time.",
    "usual_times": "After morning play, before lunch, after lunch, 14:30",
    "care_location": "Disabled toilet by the Reception classroom",
    "communication": "{name} talks in short sentences and knows the toilet symbol. Says \"no\" clearly; stop if "
                     "{pronoun} says no and try again later.",
    "preferences": "Likes to choose the sticker for the chart. Prefers {ta_name} or the class teacher.",
    "equipment": "Pull-ups (from home), wipes, spare clothes in the named bag, gloves, aprons, step and toilet seat.",
    "equipment_supplier": "Parents send pull-ups and spare clothes on Mondays",
    "second_adult_required": False,
    "moving_and_handling": "",
    "infection_control": "Gloves and apron; soiled clothes double-bagged to go home; wash hands, and {name}'s.",
    "steps_to_independence": "Tells an adult when wet; sits on the toilet when prompted. Next: asking to go before "
                             "an accident; pulling clothes up without help.",
    "independence_progress": Rating.DEVELOPING,
}
MILD = [
    (Observation.SORENESS, "Slight redness on the bottom after the long afternoon; barrier cream applied."),
    (Observation.DISTRESS, "Upset at the start because a supply TA was in the room; settled once she left."),
    (Observation.SORENESS, "Nappy area a little red; told the class teacher to mention it to parents at pick-up."),
]
CONCERN_NOTE = ("Three small round bruises, each about 1 cm, purple-blue, in a row on the inside of the left upper "
                "arm. Not there at yesterday's 14:40 change. No incident logged at school.")


def seed(ctx) -> None:
    now = timezone.now()
    for school in ctx.schools:
        if CarePlan.objects.filter(pupil__school=school).exists():
            continue
        _seed_school(ctx, school, now)


def _seed_school(ctx, school, now):
    rng = ctx.rng
    staff = ctx.staff[school]
    senco = staff[Role.SENCO][0]
    tas = staff.get(Role.TEACHING_ASSISTANT) or staff.get(Role.TEACHER) or [senco]
    pupils = [p for p in ctx.pupils.get(school, []) if p.archived_at is None]
    autumn = Term.objects.filter(school=school, starts_on__gte=ACADEMIC_YEAR_START).order_by("starts_on").first()
    term_start = autumn.starts_on if autumn else ACADEMIC_YEAR_START
    half_term = ((autumn.half_term_starts_on, autumn.half_term_ends_on)
                 if autumn and autumn.half_term_starts_on else (D(2026, 10, 26), D(2026, 10, 30)))

    supporters = defaultdict(list)  # pupil id -> TAs whose caseload has them (directly)
    for user_id, pupil_id in (CaseloadEntry.objects.filter(school=school, pupil__isnull=False)
                              .order_by("id").values_list("user_id", "pupil_id")):
        supporters[pupil_id].append(user_id)
    ta_by_id = {u.pk: u for u in tas}

    complex_needs = [p for p in pupils if p.primary_need in (Need.PMLD, Need.SLD, Need.PD)][:2]
    reception = [p for p in pupils if p.year_group == 0 and p not in complex_needs]
    reception = rng.sample(reception, min(2 if ctx.spec(school).phase == "primary" else 0, len(reception)))
    chosen = [(p, HOIST_PLAN) for p in complex_needs] + [(p, TOILETING_PLAN) for p in reception]
    if not chosen:
        return

    plans, logs = [], []
    for i, (pupil, spec) in enumerate(chosen):
        named = [ta_by_id[u] for u in supporters.get(pupil.pk, []) if u in ta_by_id][:2]
        if i == 0 and tas[0] not in named:
            named = [tas[0], *named][:2]  # the plain-login TA is named on one plan
        for extra in rng.sample(tas, min(len(tas), 3)):
            if len(named) >= (3 if spec["second_adult_required"] else 2):
                break
            if extra not in named:
                named.append(extra)
        plan_versions = _plans(ctx, pupil, spec, named, senco, term_start, half_term, now, due_soon=(i == 1))
        plans += plan_versions
        for plan in plan_versions:
            logs += _logs(ctx, plan, named, term_start, half_term, now)
    CareLog.objects.bulk_create(logs, batch_size=1000)

    concerned = next(p for p in plans if p.is_in_force)
    _concern(ctx, school, concerned, now)
    covered = next((p for p in plans if p.is_in_force and p.second_adult_required), concerned)
    unnamed = _unnamed_second_adult(ctx, school, covered, tas, now)
    ctx.log(f"  {school.name}: {len({p.pupil_id for p in plans})} personal care plans, "
            f"{len(logs) + 1 + bool(unnamed)} care logs")


def _fill(text, pupil, named):
    name = pupil.preferred_name or pupil.legal_first_name
    ta_name = named[0].full_name if named else "the class teacher"
    return text.format(name=name, pronoun="they", ta_name=ta_name)


def _plans(ctx, pupil, spec, named, senco, term_start, half_term, now, *, due_soon):
    start = datetime.datetime.combine(term_start + datetime.timedelta(days=3), datetime.time(9), LONDON)
    review = (now + datetime.timedelta(days=10)).date() if due_soon else D(2027, 3, 19)
    fields = {k: _fill(v, pupil, named) if isinstance(v, str) else v for k, v in spec.items()}
    consent = f"{ctx.fake.first_name()} {pupil.legal_last_name} (parent)"
    amended = spec is TOILETING_PLAN
    first = CarePlan(pupil=pupil, version=1, created_by=senco, created_at=start - datetime.timedelta(days=5),
                     signed_off_by=senco, in_force_from=start, consent_given_by=consent,
                     consent_given_on=(start - datetime.timedelta(days=6)).date(), review_date=review, **fields)
    if not amended:
        first.status = VersionStatus.IN_FORCE
        CarePlan.objects.bulk_create([first])
        CarePlanStaff.objects.bulk_create([CarePlanStaff(plan=first, user=u) for u in named])
        return [first]
    after_half_term = datetime.datetime.combine(half_term[1] + datetime.timedelta(days=3), datetime.time(8, 30), LONDON)
    first.status, first.superseded_at = VersionStatus.SUPERSEDED, after_half_term
    first.independence_progress = Rating.EMERGING
    second = CarePlan(pupil=pupil, lineage=first.lineage, version=2, status=VersionStatus.IN_FORCE, created_by=senco,
                      created_at=after_half_term - datetime.timedelta(days=2), signed_off_by=senco,
                      in_force_from=after_half_term, consent_given_by=consent,
                      consent_given_on=(after_half_term - datetime.timedelta(days=1)).date(), review_date=review,
                      **(fields | {"needs": fields["needs"] + " Now usually dry in the mornings."}))
    CarePlan.objects.bulk_create([first, second])
    CarePlanStaff.objects.bulk_create([CarePlanStaff(plan=p, user=u) for p in (first, second) for u in named])
    return [first, second]


def _times(plan):
    if plan.second_adult_required:
        return [(10, 30), (12, 45), (14, 40)]
    return [(10, 40), (11, 55), (13, 10), (14, 30)]


def _logs(ctx, plan, named, term_start, half_term, now):
    rng = ctx.rng
    first_day = plan.in_force_from.date()
    last_day = plan.superseded_at.date() - datetime.timedelta(days=1) if plan.superseded_at else now.date()
    rows, day = [], max(first_day, term_start)
    while day <= last_day:
        if day.weekday() < 5 and not (half_term[0] <= day <= half_term[1]):
            for hour, minute in _times(plan):
                if not plan.second_adult_required and rng.random() < 0.35:
                    continue  # prompted, stayed dry: nothing to log
                at = datetime.datetime.combine(day, datetime.time(hour, minute), LONDON) + datetime.timedelta(
                    minutes=rng.randint(-10, 15))
                if at >= now:
                    continue
                rows.append(_log(rng, plan, named, at))
        day += datetime.timedelta(days=1)
    return rows


def _log(rng, plan, named, at):
    giver = rng.choice(named)
    second = rng.choice([u for u in named if u != giver]) if plan.second_adult_required else None
    if plan.second_adult_required:
        care = [CareGiven.PAD_CHANGE] + ([CareGiven.CLOTHES] if rng.random() < 0.08 else [])
    else:
        care = [CareGiven.TOILETING] + ([CareGiven.CLOTHES, CareGiven.WASHING] if rng.random() < 0.3 else [])
    observations, notes = [Observation.NONE], ""
    if rng.random() < 0.04:
        kind, notes = rng.choice(MILD)
        observations = [kind]
    low = rng.random() < 0.03
    return CareLog(school=plan.pupil.school, pupil=plan.pupil, plan=plan, occurred_at=at, care_given=care,
                   given_by=giver, second_adult=second, second_adult_required=plan.second_adult_required,
                   observations=observations, observation_notes=notes, low_supplies=low,
                   supplies_note=rng.choice(["Size 6 pads: one pack left", "Wipes nearly gone", "Spare trousers"])
                   if low else "", recorded_at=at + datetime.timedelta(minutes=rng.randint(1, 6)))


def _concern(ctx, school, plan, now):
    """The one observation of concern, logged as a TA would: through the service, in one step."""
    named = list(plan.named_staff.order_by("id"))
    membership = Membership.objects.get(school=school, user=named[0])
    staff = StaffContext(user=named[0], school=school, membership=membership, roles=frozenset(membership.roles))
    day = (now - datetime.timedelta(days=3)).date()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    at = datetime.datetime.combine(day, datetime.time(10, 35), LONDON)
    services.record_care(
        staff=staff, pupil=plan.pupil, occurred_at=at, care_given=_log(ctx.rng, plan, named, at).care_given,
        second_adult=named[1] if plan.second_adult_required else None, observations=[Observation.MARKS],
        observation_notes=CONCERN_NOTE, raise_concern=True,
        child_words="" if plan.second_adult_required else "Don't tell. It was an accident.")


def _unnamed_second_adult(ctx, school, plan, tas, now):
    """An extra change yesterday (or the last weekday before) with a colleague the plan doesn't name
    as the second adult, logged as a TA would, with the reason: the SENCo is told. Someone with
    current moving and handling training where the plan involves it. None when the school has no
    one else to ask."""
    named = list(plan.named_staff.order_by("id"))
    colleagues = list(dict.fromkeys(tas + ctx.staff[school].get(Role.TEACHER, [])))
    others = [u for u in colleagues if u not in named]
    if plan.moving_and_handling.strip():
        others.sort(key=lambda u: not has_current_moving_and_handling(u, school))  # trained first
    if not others or len(named) < 2:
        return None
    giver, absent, helper = named[0], named[1], others[0]
    membership = Membership.objects.get(school=school, user=giver)
    staff = StaffContext(user=giver, school=school, membership=membership, roles=frozenset(membership.roles))
    day = (now - datetime.timedelta(days=1)).date()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    at = datetime.datetime.combine(day, datetime.time(11, 50), LONDON)
    return services.record_care(
        staff=staff, pupil=plan.pupil, occurred_at=at,
        care_given=[CareGiven.PAD_CHANGE if plan.second_adult_required else CareGiven.TOILETING, CareGiven.CLOTHES],
        care_notes="Extra change after an accident in the playground.", second_adult=helper,
        second_adult_reason=f"{absent.full_name} was off sick and no other named adult was free; "
                            f"{helper.full_name} from the next class helped"
                            f"{' with the hoist' if plan.second_adult_required else ''}.")
