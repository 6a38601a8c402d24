"""Demo interventions: a term of them per demo school.

Run through ``manage.py seed_demo`` after ``plans.demo`` (placements serve outcomes and provision of
the pupils' plans in force) and after ``pupils.demo`` (TAs' caseloads decide who is in their groups).

What the data shows, on purpose:

- **A catalogue** of nine realistic interventions, each with its area of need, usual length and
  frequency, group size, the measure it uses (reading age in months for the reading catch-up,
  SDQ, Spence anxiety scale...) and a cost per session or per hour.
- **Groups** run by the school's TAs on set days and times from the second or third week of the
  autumn term (``ACADEMIC_YEAR_START`` / the school's autumn ``Term``), some since October
  half-term, planned to end in December or February; three ended in the first half-term or early
  and were reviewed (continue, change, stop); one group of three is waiting for its review (overdue).
  The first TA (``ta@<school>.demo``) runs sensory circuits every morning, a reading 1:1 on
  Tuesdays and Thursdays and the anxiety group on Tuesdays: "my sessions today" has something on
  any weekday.
- **Placements** of pupils from the TA's own caseload (so the TA sees all of their group), with
  SMART targets, linked where the pupil has a plan in force to an outcome of the same area of
  need (and the provision item that names the intervention), entry scores on the measure, exit
  scores and reviews for the ended ones, a progress rating on most.
- **Sessions** on each group's planned dates up to yesterday (today's are left for the TA to
  record): most delivered; the October half-term days cancelled ("School closed: half-term", as
  planned dates do not know the school's holidays); about 1 in 20 cancelled with a reason; about
  1 in 25 not recorded at all (missed), including one in the last week. Attendance per pupil on
  the placement that day: mostly present, some absent with a reason; a rating of the session
  target where the intervention rates sessions (rising over the term), the pupil's response where
  it records regulation (sensory circuits, Zones). Rated sessions of placements linked to an
  outcome leave progress evidence on that outcome now and then, as recording a session does.
- **Therapy programmes**: SALT (two) and OT (one) programmes set by named therapists in
  September/October with targets, activities, frequency and a review date in the spring, and a
  delivery log the TAs filled in (about 85% of the due sessions).

Everything random comes from ``ctx.rng``; dates from the school's terms and today. Rows are written
with ``bulk_create``. ``seed_demo`` never seeds twice; this seeder also does nothing for a school
that already has a catalogue.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Role, Term
from plans.demo import AREA_FOR_NEED
from plans.models import Outcome, ProgressEvidence, Provision, Rating
from pupils.models import CaseloadEntry, SENStatus
from sendsupport.demo import ACADEMIC_YEAR_START

from .models import (
    Attendance, AttendanceStatus, Group, Intervention, Placement, ProgrammeDelivery, Regulation, ReviewDecision,
    Session, SessionStatus, TherapyProgramme, TherapyService,
)

LONDON = ZoneInfo("Europe/London")
D = datetime.date
SenNone = SENStatus.NONE

# key -> catalogue entry. Costs: a TA's time at about £16-18 an hour with on-costs; ELSA and the
# anxiety group are run by trained staff; the reading and maths catch-up buy in a licensed scheme.
CATALOGUE = {
    "elsa": dict(
        name="ELSA (emotional literacy support)", area_of_need="semh", usual_weeks=6, sessions_per_week=1,
        minutes_per_session=30, max_group_size=1, measure="SDQ total difficulties", measure_min=Decimal(0),
        measure_max=Decimal(40), higher_is_better=False, cost_per_hour=Decimal("19.50"),
        description="Weekly 1:1 sessions with a trained ELSA on recognising and managing feelings, friendships "
                    "and self-esteem. SDQ (teacher version) before and after."),
    "lego": dict(
        name="Lego-based therapy", area_of_need="ci", usual_weeks=12, sessions_per_week=2, minutes_per_session=45,
        max_group_size=3, measure="Social communication checklist (0-30)", measure_min=Decimal(0),
        measure_max=Decimal(30), rates_sessions=True, cost_per_hour=Decimal("16.50"),
        description="Three pupils build a set together as engineer, supplier and builder, taking turns and "
                    "asking for what they need. Checklist of social communication skills before and after."),
    "zones": dict(
        name="Zones of Regulation", area_of_need="semh", usual_weeks=12, sessions_per_week=1,
        minutes_per_session=30, max_group_size=5, measure="Self-regulation checklist (0-20)",
        measure_min=Decimal(0), measure_max=Decimal(20), records_regulation=True, rates_sessions=True,
        cost_per_hour=Decimal("16.50"),
        description="A small group learning the four zones, their own signs and the tools that help them "
                    "move back to green."),
    "sensory": dict(
        name="Sensory circuits", area_of_need="sp", usual_weeks=20, sessions_per_week=5, minutes_per_session=15,
        max_group_size=6, records_regulation=True, cost_per_session=Decimal("4.50"),
        description="Alerting, organising and calming activities (trampette, crawling through the tunnel, "
                    "wall push-ups, a quiet finish) before lessons. The response after each session tunes the "
                    "sensory diet."),
    "talkabout": dict(
        name="Talkabout social skills", area_of_need="ci", usual_weeks=20, sessions_per_week=1,
        minutes_per_session=45, max_group_size=6, measure="Talkabout assessment (0-40)", measure_min=Decimal(0),
        measure_max=Decimal(40), rates_sessions=True, cost_per_hour=Decimal("16.50"),
        description="Alex Kelly's Talkabout programme: self-awareness, body language, conversation and "
                    "friendship skills in a small group."),
    "anxiety": dict(
        name="Worry busters (anxiety group)", area_of_need="semh", usual_weeks=6, sessions_per_week=1,
        minutes_per_session=40, max_group_size=5, measure="Spence Children's Anxiety Scale", measure_min=Decimal(0),
        measure_max=Decimal(114), higher_is_better=False, cost_per_session=Decimal("28.00"),
        description="Six weeks of CBT-based activities ('Starving the Anxiety Gremlin') with the learning "
                    "mentor: noticing worries, breathing, worry time and small brave steps."),
    "reading": dict(
        name="1:1 reading catch-up", area_of_need="cl", usual_weeks=12, sessions_per_week=2,
        minutes_per_session=20, max_group_size=1, measure="Reading age (months)", measure_min=Decimal(48),
        measure_max=Decimal(192), rates_sessions=True, cost_per_hour=Decimal("24.00"),
        description="Twice-weekly 1:1 reading with a trained TA: a familiar book, a new book, word work. "
                    "Reading age (Salford) in months before and after."),
    "maths": dict(
        name="1:1 maths catch-up", area_of_need="cl", usual_weeks=12, sessions_per_week=3, minutes_per_session=30,
        max_group_size=1, measure="Number assessment (0-50)", measure_min=Decimal(0), measure_max=Decimal(50),
        rates_sessions=True, cost_per_session=Decimal("9.50"),
        description="Short 1:1 sessions on number sense with concrete resources, three times a week."),
    "precision": dict(
        name="Precision teaching", area_of_need="cl", usual_weeks=8, sessions_per_week=4, minutes_per_session=10,
        max_group_size=1, measure="Correct in one minute", measure_min=Decimal(0), measure_max=Decimal(60),
        rates_sessions=True, cost_per_hour=Decimal("16.50"),
        description="Daily one-minute probes of a small set of words or number facts, charted, with teaching "
                    "in between."),
}

# (intervention, group name, days, time, minutes, pupils, TA index, start, planned end, ended on)
# Dates are relative: ("autumn", weeks) = the Monday of that week of the autumn term (plus days),
# ("spring", d) = that date in the spring term, a plain date = that date.
AUTUMN_END = D(2026, 12, 18)
GROUPS = [
    ("sensory", "Sensory circuits (morning)", [0, 1, 2, 3, 4], (8, 50), 15, 5, 0, 1, D(2027, 2, 12), None),
    ("reading", "Reading 1:1 (Tue/Thu)", [1, 3], (9, 20), 20, 1, 0, 2, AUTUMN_END, None),
    ("anxiety", "Worry busters (Tuesday)", [1], (14, 15), 40, 4, 0, "after_half_term", D(2026, 12, 15), None),
    ("lego", "Lego club (Tue/Thu)", [1, 3], (13, 15), 45, 3, 1, 2, D(2027, 2, 11), None),
    ("elsa", "ELSA 1:1 (Monday)", [0], (10, 50), 30, 1, 1, 2, D(2026, 10, 19), D(2026, 10, 19)),
    ("sensory", "Sensory circuits (after lunch)", [0, 1, 2, 3, 4], (13, 5), 15, 4, 1, "after_half_term",
     D(2027, 2, 12), None),
    ("zones", "Zones of Regulation (Wednesday)", [2], (14, 0), 30, 4, 2, 2, D(2026, 12, 16), None),
    ("maths", "Maths 1:1 (Mon/Wed/Fri)", [0, 2, 4], (11, 0), 30, 1, 2, 2, AUTUMN_END, None),
    ("elsa", "ELSA 1:1 (Thursday)", [3], (10, 50), 30, 1, 2, "after_half_term", D(2027, 2, 11), None),
    ("talkabout", "Talkabout (Friday)", [4], (13, 30), 45, 5, 3, 2, D(2027, 2, 12), None),
    ("precision", "Precision teaching (Mon-Thu)", [0, 1, 2, 3], (9, 0), 10, 1, 3, 3, D(2026, 11, 26), D(2026, 11, 12)),
    ("reading", "Reading 1:1 (Mon/Wed)", [0, 2], (14, 30), 20, 1, 3, 2, D(2026, 10, 21), D(2026, 10, 21)),
    ("zones", "Zones of Regulation (Friday)", [4], (10, 0), 30, 3, 4, 2, D(2026, 10, 23), D(2026, 10, 23)),
]
# Ended groups: how their review went, in GROUPS order of the ended ones (one left unreviewed: overdue).
REVIEWS = {
    "ELSA 1:1 (Monday)": (ReviewDecision.CONTINUE, 4, Rating.SECURE,
                          "Good progress: names feelings and uses the calm box. Continue for a second block in "
                          "the spring, fortnightly."),
    "Precision teaching (Mon-Thu)": (ReviewDecision.STOP, 5, Rating.ACHIEVED,
                                     "Target met early: bonds to 10 fluent for three weeks running. Stop; "
                                     "check again at half-term."),
    "Reading 1:1 (Mon/Wed)": (ReviewDecision.CHANGE, 2, Rating.EMERGING,
                              "Reading age up 3 months only; decoding is the barrier. Change to a small phonics "
                              "catch-up group in the spring."),
    # "Zones of Regulation (Friday)" ended at half-term and has not been reviewed yet: overdue.
}

SMART = {
    "elsa": "By {end}, {name} will name four feelings and the body signs of each, and tell an adult when they "
            "feel worried, in 4 of 5 sessions.",
    "lego": "By {end}, {name} will take turns as engineer, supplier and builder, asking for a piece with words "
            "rather than taking it, in 3 of 4 sessions.",
    "zones": "By {end}, {name} will say which zone they are in at check-in and choose a tool from their card "
             "when in yellow, with one prompt.",
    "sensory": "By {end}, {name} will complete the circuit and go to class calm and ready to learn on 4 of 5 "
               "mornings.",
    "talkabout": "By {end}, {name} will start a conversation with a peer and keep it going for 3 turns in the "
                 "group, without adult prompts.",
    "anxiety": "By {end}, {name} will use worry time and one breathing strategy, and rate their worry lower on "
               "the worry thermometer in 3 of the last 4 sessions.",
    "reading": "By {end}, {name} will read a book at the next colour band with 95% accuracy and raise their "
               "reading age by 6 months.",
    "maths": "By {end}, {name} will recall number bonds to 10 and use them to add within 20 with a number line.",
    "precision": "By {end}, {name} will read 40 number facts (bonds to 10) correctly in one minute on three "
                 "days running.",
}
PROVISION_WORDS = {"elsa": "ELSA", "lego": "Lego", "sensory": "Sensory circuit", "precision": "Precision teaching"}
# Entry score range and the usual change by the end (measure units), per intervention with a measure.
SCORES = {
    "elsa": ((18, 27), (-7, -3)), "lego": ((8, 15), (3, 8)), "zones": ((6, 11), (2, 6)),
    "talkabout": ((12, 22), (3, 9)), "anxiety": ((45, 70), (-18, -6)), "reading": ((62, 90), (4, 11)),
    "maths": ((12, 22), (5, 12)), "precision": ((8, 18), (18, 30)),
}
CANCEL_REASONS = ["TA covering a class (staff absence)", "Whole-school assembly rehearsal", "Class trip",
                  "Room needed for assessments", "Fire drill", "TA on training"]
HALF_TERM_REASON = "School closed: half-term"
ABSENCE_REASONS = ["Absent from school (ill)", "Medical appointment", "Refused to come today",
                   "In a class assessment", "With the school nurse", "Late: arrived after the session"]
SESSION_NOTES = {
    "elsa": ["Worked on the feelings thermometer; good focus.", "Made a calm box together.",
             "Talked about a falling-out at lunch; rehearsed what to say."],
    "lego": ["Built the space shuttle; roles swapped twice with reminders.", "Good turn-taking today.",
             "Some arguing over pieces at the start; settled with the rule card."],
    "zones": ["Check-in chart used by everyone.", "Practised 'wall push' and 'five breaths' as green tools.",
              "Group made their own zones posters."],
    "sensory": ["Full circuit.", "Short circuit: hall in use, used the corridor.", "Calm finish with the weighted cushion."],
    "talkabout": ["Body language: eye contact and distance.", "Conversation starters game.",
                  "Role play: joining a game at break."],
    "anxiety": ["Worry monster and worry time.", "Breathing with the 'take five' hand.", "Small brave steps ladder."],
    "reading": ["Read the new book well; worked on 'ai' and 'ay'.", "Familiar read fluent; tricky words practised.",
                "Tired today; shorter new read."],
    "maths": ["Number bonds with the rekenrek.", "Adding on a number line to 20.", "Word problems with cubes."],
    "precision": ["Probe done and charted.", "Best score yet on the probe.", "Same score as yesterday; more practice."],
}
PUPIL_NOTES = ["Needed a movement break half-way.", "Really engaged today.", "Quiet today; joined in by the end.",
               "Helped another pupil without being asked.", "Needed two prompts to stay with the group."]

THERAPY = [
    (TherapyService.SALT, "ci", "NHS Children's Speech and Language Therapy",
     "Use 'first/then' and 'who/what/where' questions about a picture; understand two-key-word instructions; "
     "use three-word sentences to request.",
     "Blank level questions with picture books (Levels 1-2); barrier games with two-part instructions; "
     "modelling and expanding three-word sentences during play.", "3 times a week, 15 minutes", 3, 15),
    (TherapyService.SALT, "ci", "NHS Children's Speech and Language Therapy",
     "Produce /k/ and /g/ at the start of words in sentences; follow a three-part instruction in class.",
     "Auditory discrimination game (/t/ v /k/), word cards at word then phrase level, 'listening ears' "
     "routine before instructions.", "Twice a week, 20 minutes", 2, 20),
    (TherapyService.OT, "sp", "Children's Occupational Therapy Service",
     "Hold a pencil with a tripod grip; copy a short sentence on the line; fasten the coat zip independently.",
     "Theraputty and pegboard warm-up, 'Write from the start' tasks, zip board practice before home time.",
     "3 times a week, 10 minutes", 3, 10),
]
THERAPY_NOTES = ["Completed all activities.", "Good effort; needed modelling for the last part.",
                 "Short session (tired).", "Did this independently for the first time.", "Worked well with the cards."]


def seed(ctx) -> None:
    today = timezone.localdate()
    for school in ctx.schools:
        if Intervention.objects.filter(school=school).exists():
            continue
        _seed_school(ctx, school, today)


def _seed_school(ctx, school, today: datetime.date) -> None:
    rng = ctx.rng
    staff = ctx.staff[school]
    senco = staff[Role.SENCO][0]
    tas = staff[Role.TEACHING_ASSISTANT] or staff[Role.TEACHER] or [senco]
    autumn = (Term.objects.filter(school=school, starts_on__gte=ACADEMIC_YEAR_START).order_by("starts_on").first())
    term_start = autumn.starts_on if autumn else ACADEMIC_YEAR_START
    half_term = ((autumn.half_term_starts_on, autumn.half_term_ends_on)
                 if autumn and autumn.half_term_starts_on else (D(2026, 10, 26), D(2026, 10, 30)))
    first_monday = term_start - datetime.timedelta(days=term_start.weekday())

    def start_of(when, days):
        if when == "after_half_term":
            day = half_term[1] + datetime.timedelta(days=3)  # the Monday after half-term
        else:
            day = first_monday + datetime.timedelta(weeks=when)
        while day.weekday() not in days:
            day += datetime.timedelta(days=1)
        return day

    catalogue = Intervention.objects.bulk_create(
        [Intervention(school=school, **fields) for fields in CATALOGUE.values()])
    interventions = dict(zip(CATALOGUE, catalogue))

    # Who is on each TA's caseload (directly or through a class): their groups come from there.
    pupils = [p for p in ctx.pupils.get(school, []) if p.archived_at is None]
    by_class = defaultdict(list)
    for p in pupils:
        by_class[p.class_group_id].append(p)
    by_id = {p.pk: p for p in pupils}
    caseload = defaultdict(list)
    for user_id, pupil_id, class_id in (CaseloadEntry.objects.filter(school=school)
                                        .order_by("id").values_list("user_id", "pupil_id", "class_group_id")):
        if pupil_id in by_id:
            caseload[user_id].append(by_id[pupil_id])
        elif class_id:
            caseload[user_id] += by_class.get(class_id, [])
    outcomes = defaultdict(list)
    for outcome in (Outcome.objects.filter(plan__pupil__school=school, plan__status="in_force")
                    .select_related("plan").order_by("id")):
        outcomes[outcome.plan.pupil_id].append(outcome)
    provision = defaultdict(list)
    for item_id, pupil_id, description in (Provision.objects.filter(plan__pupil__school=school,
                                                                    plan__status="in_force")
                                           .order_by("id").values_list("id", "plan__pupil_id", "description")):
        provision[pupil_id].append((item_id, description))

    # Groups (repeated for bigger schools, run by further TAs).
    reps = 1 + len([p for p in pupils if p.sen_status != SenNone]) // 120
    groups, group_specs = [], []
    for rep in range(reps):
        for key, name, days, (hh, mm), minutes, size, ta_index, when, planned_end, ended in GROUPS:
            start = start_of(when, days)
            if planned_end < start:
                continue
            lead = tas[(ta_index + rep * 4) % len(tas)]
            group = Group(school=school, intervention=interventions[key], name=name + (f" {rep + 1}" if rep else ""),
                          days=days, starts_at=datetime.time(hh, mm), minutes_per_session=minutes,
                          start_date=start, planned_end_date=planned_end,
                          ended_on=ended if ended and ended < today else None, created_by=senco)
            if group.ended_on:
                group.ended_by = senco
                group.end_reason = "Target met early" if ended < planned_end else "Ran to its planned end"
            groups.append(group)
            group_specs.append((key, size, lead))
    Group.objects.bulk_create(groups)
    through = Group.staff.through
    links = []
    for group, (_, _, lead) in zip(groups, group_specs):
        links.append(through(group_id=group.pk, user_id=lead.pk))
        if group.intervention.name.startswith("Worry") and senco.pk != lead.pk:
            links.append(through(group_id=group.pk, user_id=senco.pk))  # the SENCo co-runs the anxiety group
    through.objects.bulk_create(links)

    # Placements: from the lead TA's caseload, SEN pupils first and the intervention's area of need first.
    load = defaultdict(int)
    placements, spec_of = [], {}
    for group, (key, size, lead) in zip(groups, group_specs):
        area = group.intervention.area_of_need
        pool = list(dict.fromkeys(caseload.get(lead.pk, []))) or [p for p in pupils if p.sen_status != SenNone]
        rng.shuffle(pool)
        pool.sort(key=lambda p: (p.sen_status == SenNone,
                                 AREA_FOR_NEED.get(p.primary_need) != area and AREA_FOR_NEED.get(p.secondary_need) != area,
                                 load[p.pk]))
        chosen = [p for p in pool if load[p.pk] < 3][:size]
        last = group.ended_on or group.planned_end_date
        for pupil in chosen:
            load[pupil.pk] += 1
            name = pupil.preferred_name or pupil.legal_first_name
            start = group.start_date
            if size > 1 and len(placements) % 7 == 3:  # joined a few weeks in
                start = min(last, start + datetime.timedelta(weeks=rng.randint(1, 3)))
            linked = [o for o in outcomes.get(pupil.pk, []) if o.area_of_need == area]
            outcome = linked[0] if linked and rng.random() < 0.85 else None
            word = PROVISION_WORDS.get(key)
            item = next((pk for pk, text in provision.get(pupil.pk, []) if word and word in text), None)
            review_due = group.planned_end_date + datetime.timedelta(days=7)
            if key in ("lego", "talkabout", "sensory") and group.start_date < half_term[0]:
                review_due = half_term[1] + datetime.timedelta(days=rng.choice([14, 21, 28]))  # a half-term check
            p = Placement(group=group, pupil=pupil, smart_target=SMART[key].format(end=f"{last:%-d %B}", name=name),
                          outcome=outcome, provision_id=item, start_date=start, end_date=group.planned_end_date,
                          review_due=review_due, created_by=senco,
                          created_at=timezone.make_aware(datetime.datetime.combine(
                              start - datetime.timedelta(days=rng.randint(3, 10)), datetime.time(16, 10)), LONDON))
            if key in SCORES:
                (low, high), _ = SCORES[key]
                p.entry_score = Decimal(rng.randint(low, high))
                p.entry_date = start - datetime.timedelta(days=rng.choice([0, 1, 3, 4]))
            if group.ended_on:
                _end_placement(rng, p, key, group, senco, today)
            elif rng.random() < 0.6 and start < today - datetime.timedelta(weeks=3):
                p.target_progress = rng.choice([Rating.EMERGING, Rating.DEVELOPING, Rating.DEVELOPING, Rating.SECURE])
            placements.append(p)
            spec_of[id(p)] = key
    Placement.objects.bulk_create(placements)

    # Sessions up to yesterday, with attendance.
    by_group = defaultdict(list)
    for p in placements:
        by_group[p.group_id].append(p)
    yesterday = today - datetime.timedelta(days=1)
    sessions, session_rows = [], []
    recent_missed = set()
    for group, (key, _, lead) in zip(groups, group_specs):
        dates = group.planned_dates(until=yesterday)
        for day in dates:
            if half_term[0] <= day <= half_term[1]:
                sessions.append(_session(group, day, lead, SessionStatus.CANCELLED, HALF_TERM_REASON))
                continue
            r = rng.random()
            if day >= today - datetime.timedelta(days=7) and group.pk not in recent_missed and r < 0.25 and \
                    len(recent_missed) < 2:
                recent_missed.add(group.pk)  # not recorded: shows on the SENCo's "missed sessions"
                continue
            if r < 0.05:
                sessions.append(_session(group, day, lead, SessionStatus.CANCELLED, rng.choice(CANCEL_REASONS)))
            elif r < 0.09:
                continue  # missed: never recorded
            else:
                session = _session(group, day, lead, SessionStatus.DELIVERED, "")
                if rng.random() < 0.1:
                    session.minutes = max(5, group.minutes_per_session - rng.choice([5, 10]))
                if rng.random() < 0.4:
                    session.note = rng.choice(SESSION_NOTES[key])
                sessions.append(session)
                session_rows.append((session, key))
    for s in sessions:
        s.recorded_at = timezone.make_aware(
            datetime.datetime.combine(s.date, s.group.starts_at)
            + datetime.timedelta(minutes=(s.minutes or s.group.minutes_per_session) + rng.randint(2, 45)), LONDON)
    Session.objects.bulk_create(sessions, batch_size=2000)

    attendance, evidence = [], []
    for session, key in session_rows:
        intervention = interventions[key]
        for p in by_group[session.group_id]:
            if not (p.start_date <= session.date <= (p.ended_on or p.end_date)):
                continue
            row = Attendance(session=session, placement=p, status=AttendanceStatus.PRESENT)
            if rng.random() < 0.08:
                row.status = AttendanceStatus.ABSENT
                row.absence_reason = rng.choice(ABSENCE_REASONS)
            else:
                span = max(1, ((p.ended_on or p.end_date) - p.start_date).days)
                done = (session.date - p.start_date).days / span
                if intervention.rates_sessions:
                    row.rating = max(0, min(4, round(0.8 + done * 2.6 + rng.uniform(-0.9, 0.9))))
                if intervention.records_regulation:
                    row.regulation = rng.choices([Regulation.MORE, Regulation.SAME, Regulation.LESS], [62, 28, 10])[0]
                if rng.random() < 0.1:
                    row.note = rng.choice(PUPIL_NOTES)
                if row.rating is not None and p.outcome_id and rng.random() < 0.2:
                    evidence.append(ProgressEvidence(
                        pupil_id=p.pupil_id, outcome=p.outcome, outcome_lineage=p.outcome.lineage,
                        observed_on=session.date, rating=row.rating, recorded_by_id=session.recorded_by_id,
                        recorded_at=session.recorded_at,
                        note=f"{intervention.name}: {Rating(row.rating).label.lower()} against the session target."
                             + (f" {session.note}" if session.note else "")))
            attendance.append(row)
    Attendance.objects.bulk_create(attendance, batch_size=5000)
    ProgressEvidence.objects.bulk_create(evidence, batch_size=2000)

    programmes, deliveries = _therapy(ctx, school, pupils, caseload, outcomes, tas, senco, half_term, today)
    ctx.log(f"  {school.name}: {len(catalogue)} interventions, {len(groups)} groups, {len(placements)} placements, "
            f"{len(sessions)} sessions, {len(attendance)} attendance marks, {programmes} therapy programmes "
            f"({deliveries} deliveries)")


def _session(group, day, lead, status, reason):
    return Session(group=group, date=day, status=status, cancel_reason=reason, recorded_by=lead,
                   minutes=group.minutes_per_session if status == SessionStatus.DELIVERED else None)


def _end_placement(rng, p, key, group, senco, today):
    """An ended group: exit score, progress and (for all but one) the review."""
    p.ended_on = group.ended_on
    if p.entry_score is not None:
        _, (low, high) = SCORES[key]
        intervention = group.intervention
        exit_score = p.entry_score + rng.randint(low, high)
        p.exit_score = max(intervention.measure_min, min(intervention.measure_max, exit_score))
        p.exit_date = group.ended_on + datetime.timedelta(days=rng.randint(0, 3))
    review = REVIEWS.get(group.name.rsplit(" ", 1)[0] if group.name[-1].isdigit() else group.name)
    if review:
        decision, score, progress, notes = review
        p.target_progress = progress
        p.reviewed_on = min(today, group.ended_on + datetime.timedelta(days=rng.randint(3, 8)))
        p.review_decision, p.review_score, p.review_notes, p.reviewed_by = decision, score, notes, senco
        p.review_due = max(p.review_due, p.reviewed_on) if p.review_due < p.reviewed_on else p.review_due
    else:
        p.target_progress = Rating.DEVELOPING  # ended, exit score in, review not held yet: overdue


def _therapy(ctx, school, pupils, caseload, outcomes, tas, senco, half_term, today):
    rng = ctx.rng
    spec = ctx.spec(school)
    on_caseload = {p.pk: user_id for user_id, ps in caseload.items() if user_id in {t.pk for t in tas} for p in ps}
    programmes, chosen = [], set()
    for service, area, service_name, targets, activities, frequency, per_week, minutes in THERAPY:
        needs = [n for n, a in AREA_FOR_NEED.items() if a == area]
        pool = [p for p in pupils if p.pk in on_caseload and p.pk not in chosen and p.primary_need in needs]
        pool = pool or [p for p in pupils if p.pk in on_caseload and p.pk not in chosen and p.sen_status != SenNone]
        if not pool:
            continue
        pupil = rng.choice(pool)
        chosen.add(pupil.pk)
        set_on = D(2026, 9, rng.randint(21, 30))
        linked = [o for o in outcomes.get(pupil.pk, []) if o.area_of_need == area]
        title = "Speech and language therapist" if service == TherapyService.SALT else "Occupational therapist"
        programme = TherapyProgramme(
            school=school, pupil=pupil, therapist=f"{ctx.fake.name()} ({title})", service=service,
            service_name=f"{service_name} ({spec.local_authority})", set_on=set_on, targets=targets,
            activities=activities, frequency=frequency, review_on=D(2027, 1, rng.randint(18, 29)),
            outcome=linked[0] if linked else None, created_by=senco,
            created_at=timezone.make_aware(datetime.datetime.combine(set_on + datetime.timedelta(days=2),
                                                                     datetime.time(15, 40)), LONDON))
        programme._ta = next(t for t in tas if t.pk == on_caseload[pupil.pk])
        programme._plan = (per_week, minutes)
        programmes.append(programme)
    TherapyProgramme.objects.bulk_create(programmes)
    through = TherapyProgramme.staff.through
    through.objects.bulk_create([through(therapyprogramme_id=p.pk, user_id=p._ta.pk) for p in programmes])
    deliveries = []
    for programme in programmes:
        per_week, minutes = programme._plan
        days = {3: [0, 2, 4], 2: [1, 3]}.get(per_week, [0, 2, 4])
        day, rating = programme.set_on + datetime.timedelta(days=3), 1
        while day < today:
            if day.weekday() in days and not (half_term[0] <= day <= half_term[1]) and rng.random() < 0.85:
                if rng.random() < 0.12:
                    rating = min(4, rating + 1)
                deliveries.append(ProgrammeDelivery(
                    programme=programme, delivered_on=day, minutes=minutes, rating=rating,
                    note=rng.choice(THERAPY_NOTES) if rng.random() < 0.5 else "", delivered_by=programme._ta,
                    recorded_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 30)), LONDON)))
            day += datetime.timedelta(days=1)
    ProgrammeDelivery.objects.bulk_create(deliveries, batch_size=2000)
    return len(programmes), len(deliveries)
