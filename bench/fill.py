"""Bench data: one school of N pupils (plus a second school whose pupils must never show), and
their behaviour incidents: 50,000 at 300 pupils, 500,000 at 3,000 (``incidents_for``); and a year of
interventions: N/12 groups running at a time, three runs of about 14 weeks over the last year, with
their placements, sessions and attendance (``fill_interventions``: about 2,600 sessions at 300 pupils,
26,000 at 3,000).

Runs inside a Django process configured with the app's settings and pointed at a bench database
(never the app's own). Schools, staff, pupils and plans are made with ``bulk_create``; the
incidents with one ``INSERT ... SELECT ... FROM generate_series`` (``fill_incidents``); all in one
transaction, deterministic for a given N. The history triggers (django-pghistory, and the
incidents' never-deleted trigger) of the filled tables are disabled for the fill and re-enabled
before commit, so the fill writes no history rows (allowed in a bench database:
/work/shared/DECISIONS.md, "Bench data").
"""

from __future__ import annotations

import datetime
import math
import random
import time
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Location, Membership, Period, School, User
from incidents import tallies
from incidents.models import DEFAULT_PICKS, Incident, PickKind
from interventions.models import (
    Attendance, Group, Intervention, Placement, ProgrammeDelivery, Session, TherapyProgramme,
)
from pupils.models import CaseloadEntry, ClassGroup, Contact, KeyAdult, Pupil, SENStatus
from pupils.upn import make_upn
from plans.models import (
    BehaviourSupportPlan, Outcome, Plan, PositiveHandlingPlan, ProgressEvidence, Provision, ProvisionOutcome, Risk,
    Target,
)

FILL_VERSION = "bench-fill-v4"  # stored in School.local_authority: a changed generator re-fills
SCHOOL_URN = "900001"
OTHER_SCHOOL_URN = "900002"
OTHER_SURNAME = "Aaa-Otherschool"  # sorts first: a scoping leak would show on page 1
SENCO_EMAIL = "senco@bench.example"
TA_EMAIL = "ta@bench.example"
OTHER_SENCO_EMAIL = "senco@other.bench.example"
CLASS_SIZE = 30
TA_DIRECT_PUPILS = 25  # the bench TA: 25 pupils directly plus one whole class (fixed, whatever N)
OTHER_TA_PUPILS = 8  # every other TA: 8 pupils directly (so the caseload table grows with N)

FIRST = ("Amelia Olivia Isla Ava Mia Ivy Lily Freya Florence Grace Evie Willow Rosie Sophia Ella Poppy Harper "
         "Oliver George Noah Arthur Leo Muhammad Harry Oscar Archie Henry Theo Jack Charlie Freddie Alfie Jacob "
         "Thomas Finley Ezra Arlo Luca Tommy Reuben Mohammed Aisha Zara Priya Kofi Amara Dylan Cerys Rhys "
         "Niamh Callum Eilidh Ruairi Bethan Owain Siobhan Tariq Yusuf Hana").split()
LAST = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
        "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
        "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
        "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
        "Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Ali Hussain Ahmed Shah "
        "O'Brien McDonald Campbell Stewart Reid Murray Quinn Kaur Okafor Mensah Kowalski Nowak").split()
NEEDS = ["SLCN", "ASD", "SPLD", "MLD", "SLD", "SEMH", "VI", "HI", "PD", "OTH"]
HELPS = [
    "Calm voice and fewer words; give time to process before repeating.",
    "A movement break every 20 minutes; a fidget in the pocket.",
    "Visual timetable on the desk, with changes shown in advance.",
    "Sit near the door; a quiet space to go to (the library corner).",
    "Now-and-next board; praise privately, not in front of the class.",
]
TRIGGERS = [
    "Loud noise in the hall; fire drills; hand dryers.",
    "Changes to routine without warning, supply teachers.",
    "Being touched unexpectedly; queues; crowded corridors.",
    "Losing at games; feeling that work is too hard.",
]


def _text(rng: random.Random, options: list[str], k: int = 2) -> str:
    return " ".join(rng.sample(options, k))


def incidents_for(size: int) -> int:
    """Incidents of the bench school: 50,000 at 300 pupils, 500,000 at 3,000 (about 167 a pupil:
    five school years at a busy school's rate), at least 1,000."""
    return max(1000, round(size * 500 / 3))


def other_incidents_for(size: int) -> int:
    return incidents_for(size) // 10


def fill_last_id(size: int) -> int:
    """The fill writes ids 1..this into a fresh table; anything above was added by a bench run."""
    return incidents_for(size) + other_incidents_for(size)


def is_filled(size: int) -> str:
    """'yes' when the bench data for ``size`` is there, 'no' when the DB is empty, 'stale' otherwise."""
    school = School.objects.filter(urn=SCHOOL_URN).first()
    if school is None:
        return "no"
    if school.local_authority != FILL_VERSION:
        return "stale"
    if Pupil.objects.filter(school=school).count() != size:
        return "stale"
    return "yes" if Incident.objects.filter(pk=fill_last_id(size)).exists() else "stale"


def _set_user_triggers(tables: list[str], enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f'ALTER TABLE "{table}" {verb} TRIGGER USER')


def _pupils(rng: random.Random, school: School, classes: list[ClassGroup], count: int, *, establishment: int,
            surname: str | None = None) -> list[Pupil]:
    out = []
    now = timezone.now()
    for i in range(count):
        cls = classes[i % len(classes)]
        status = rng.choices([SENStatus.EHCP, SENStatus.SEN_SUPPORT, SENStatus.NONE], [10, 60, 30])[0]
        primary = rng.choice(NEEDS) if status != SENStatus.NONE else ""
        secondary = rng.choice([n for n in NEEDS if n != primary]) if primary and rng.random() < 0.2 else ""
        out.append(Pupil(
            school=school,
            legal_first_name=rng.choice(FIRST),
            legal_last_name=surname or rng.choice(LAST),
            preferred_name=rng.choice(FIRST) if rng.random() < 0.15 else "",
            date_of_birth=datetime.date(2020 - max(cls.year_group, 0), 9, 1) + datetime.timedelta(days=rng.randint(0, 364)),
            upn=make_upn(383, establishment + i // 1000, 17, i % 1000),
            year_group=cls.year_group,
            class_group=cls,
            sen_status=status,
            primary_need=primary,
            secondary_need=secondary,
            diagnoses="Autism (CAMHS, 2024)" if primary == "ASD" else "",
            communication=["speech"] if rng.random() < 0.9 else ["pecs", "makaton"],
            sensory_profile="Seeks movement; sensitive to noise." if rng.random() < 0.3 else "",
            known_triggers=_text(rng, TRIGGERS),
            early_warning_signs="Goes quiet, pulls hood up, taps the desk." if rng.random() < 0.5 else "",
            what_helps=_text(rng, HELPS),
            strengths_interests="Lego, drawing dragons, football.",
            likes="Being a helper; the computer.",
            dislikes="Writing tasks; the hall at lunch.",
            medical_alerts="Epilepsy: see healthcare plan" if rng.random() < 0.05 else "",
            allergies="Peanuts" if rng.random() < 0.05 else "",
            archived_at=now - datetime.timedelta(days=30) if rng.random() < 0.02 else None,
        ))
    return Pupil.objects.bulk_create(out, batch_size=1000)


def _contacts(rng: random.Random, pupils: list[Pupil]) -> None:
    rows = []
    for p in pupils:
        for priority, rel in ((1, "Mother"), (2, rng.choice(["Father", "Grandparent", "Foster carer"]))):
            rows.append(Contact(
                pupil=p, name=f"{rng.choice(FIRST)} {p.legal_last_name}", relationship=rel, priority=priority,
                phone=f"07700 9{rng.randint(0, 99999):05d}", email=f"parent{p.pk}-{priority}@example.com",
                lives_with_pupil=priority == 1,
            ))
    Contact.objects.bulk_create(rows, batch_size=2000)


def fill(size: int) -> dict:
    """Create both schools, staff, classes, ``size`` pupils per school, contacts, key adults, caseloads."""
    rng = random.Random(size)
    tables = [m._meta.db_table for m in (School, User, Membership, ClassGroup, Pupil, Contact, KeyAdult, CaseloadEntry,
                                         Plan, Outcome, Target, Provision, ProvisionOutcome, ProgressEvidence,
                                         BehaviourSupportPlan, PositiveHandlingPlan, Risk, Location, Period, Incident,
                                         Intervention, Group, Group.staff.through, Placement, Session, Attendance,
                                         TherapyProgramme, TherapyProgramme.staff.through, ProgrammeDelivery)]
    with transaction.atomic():
        _set_user_triggers(tables, enabled=False)

        school = School.objects.create(name="Bench Primary", urn=SCHOOL_URN, local_authority=FILL_VERSION)
        other = School.objects.create(name="Bench Other Academy", urn=OTHER_SCHOOL_URN, local_authority=FILL_VERSION)

        n_classes = max(2, math.ceil(size / CLASS_SIZE))
        n_tas = max(5, size // 40)
        users = [
            User(email=SENCO_EMAIL, full_name="Sam Senco", password="!bench"),
            User(email=TA_EMAIL, full_name="Tia Assistant", password="!bench"),
            User(email=OTHER_SENCO_EMAIL, full_name="Otto Senco", password="!bench"),
        ]
        users += [User(email=f"teacher{i}@bench.example", full_name=f"Teacher {i}", password="!bench")
                  for i in range(n_classes)]
        users += [User(email=f"ta{i}@bench.example", full_name=f"Assistant {i}", password="!bench")
                  for i in range(n_tas)]
        users = User.objects.bulk_create(users, batch_size=1000)
        senco, ta, other_senco = users[:3]
        teachers = users[3:3 + n_classes]
        other_tas = users[3 + n_classes:]

        Membership.objects.bulk_create(
            [Membership(school=school, user=senco, roles=["senco"], job_title="SENCo"),
             Membership(school=school, user=ta, roles=["ta"], job_title="Teaching assistant"),
             Membership(school=other, user=other_senco, roles=["senco"], job_title="SENCo")]
            + [Membership(school=school, user=u, roles=["teacher"], job_title="Class teacher") for u in teachers]
            + [Membership(school=school, user=u, roles=["ta"], job_title="Teaching assistant") for u in other_tas]
        )

        classes = ClassGroup.objects.bulk_create(
            [ClassGroup(school=school, name=f"Y{i % 7}-{i:03d}", year_group=i % 7) for i in range(n_classes)]
        )
        other_classes = ClassGroup.objects.bulk_create(
            [ClassGroup(school=other, name=f"Y{i % 7}-{i:03d}", year_group=i % 7) for i in range(n_classes)]
        )

        pupils = _pupils(rng, school, classes, size, establishment=4000)
        other_pupils = _pupils(rng, other, other_classes, size, establishment=5000, surname=OTHER_SURNAME)
        _contacts(rng, pupils)
        _contacts(rng, other_pupils)

        staff = teachers + other_tas
        KeyAdult.objects.bulk_create([KeyAdult(pupil=p, user=staff[i % len(staff)]) for i, p in enumerate(pupils)],
                                     batch_size=2000)

        # The bench TA: TA_DIRECT_PUPILS pupils spread over the school, and the whole of class 1
        # (whose members are not among the direct ones: i % n_classes == 1 is avoided below).
        candidates = [p for i, p in enumerate(pupils) if i % n_classes != 1 and p.archived_at is None]
        direct = candidates[:: max(1, len(candidates) // TA_DIRECT_PUPILS)][:TA_DIRECT_PUPILS]
        entries = [CaseloadEntry(school=school, user=ta, pupil=p) for p in direct]
        entries.append(CaseloadEntry(school=school, user=ta, class_group=classes[1]))
        entries += [CaseloadEntry(school=school, user=t, class_group=c) for t, c in zip(teachers, classes)]
        for k, t in enumerate(other_tas):
            for j in range(OTHER_TA_PUPILS):
                entries.append(CaseloadEntry(school=school, user=t, pupil=pupils[(k * OTHER_TA_PUPILS + j) % size]))
        CaseloadEntry.objects.bulk_create(entries, batch_size=2000)
        _plans(rng, pupils, senco)
        _plans(rng, other_pupils, other_senco)

        places = _school_day(school)
        other_places = _school_day(other)
        t0 = time.perf_counter()
        authors = [ta.pk] * 3 + [u.pk for u in teachers + other_tas]
        with _bulk_load(Incident._meta.db_table):
            fill_incidents(school, incidents_for(size), [p.pk for p in pupils], authors, senco.pk, *places,
                           seed=0.25)
            # The other school's incidents are all from last week: a scoping leak shows on page 1.
            fill_incidents(other, other_incidents_for(size), [p.pk for p in other_pupils], [other_senco.pk],
                           other_senco.pk, *other_places, seed=0.75, weeks=1)
        incident_seconds = time.perf_counter() - t0

        t0 = time.perf_counter()
        ta_pupils = [p for p in pupils if p.archived_at is None and (p in direct or p.class_group_id == classes[1].pk)]
        interventions = fill_interventions(random.Random(size + 1), school, pupils, ta, ta_pupils, other_tas, senco,
                                           slots=max(8, size // 12))
        # The other school's groups are current too: a scoping leak would show on the map.
        fill_interventions(random.Random(size + 2), other, other_pupils, other_senco, other_pupils[:10],
                           [other_senco], other_senco, slots=max(3, size // 120))
        intervention_seconds = time.perf_counter() - t0

        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred FK checks before ALTER TABLE
        _set_user_triggers(tables, enabled=True)
        tallies.rebuild()  # the dashboards' counts: their triggers were off with the rest
        last = Incident.objects.order_by("-pk").values_list("pk", flat=True).first()
        assert last == fill_last_id(size), (last, fill_last_id(size))  # the bench's clean-up relies on it

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE incidents_incident")  # as autovacuum would have by now
        cur.execute("VACUUM ANALYZE interventions_session")
        cur.execute("VACUUM ANALYZE interventions_attendance")
        cur.execute("ANALYZE")
    return {
        "pupils": size, "other_school_pupils": size, "classes": n_classes, "staff": len(users),
        "contacts": Contact.objects.count(), "caseload_entries": CaseloadEntry.objects.count(),
        "ta_direct": len(direct), "incidents": incidents_for(size), "other_school_incidents": other_incidents_for(size),
        "incident_seconds": incident_seconds, **interventions, "intervention_seconds": intervention_seconds,
    }


@contextmanager
def _bulk_load(table: str):
    """Drop the table's secondary indexes and foreign keys for a bulk insert and put them back after,
    in the same transaction, from their own definitions: building an index once and checking each
    foreign key in one join is much faster than maintaining 9 indexes and 6 deferred checks per row.
    Re-adding a foreign key validates every row, so nothing unchecked is left behind."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks may be left on tables we ALTER
        cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname""", [table])
        fks = cur.fetchall()
        cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                       ORDER BY i.relname""", [table])
        indexes = cur.fetchall()
        for name, _ in fks:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cur.execute(definition)
        for name, definition in fks:
            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


# The school day and places of the bench schools (as accounts.demo sets up a primary).
PERIODS = [("Registration", (8, 45), (9, 0)), ("Lesson 1", (9, 0), (10, 0)), ("Lesson 2", (10, 0), (10, 45)),
           ("Break", (10, 45), (11, 0)), ("Lesson 3", (11, 0), (12, 0)), ("Lunch", (12, 0), (13, 0)),
           ("Lesson 4", (13, 0), (14, 0)), ("Lesson 5", (14, 0), (15, 15))]
LOCATIONS = ["Dining hall", "Playground", "Corridor", "Year 1 classroom", "Year 2 classroom", "Year 3 classroom",
             "Year 4 classroom", "Year 5 classroom", "Year 6 classroom", "Reception classroom", "Hall", "Field",
             "Library", "Sensory room", "Nurture room", "Intervention room", "Toilets", "Cloakroom", "School office",
             "School gate"]


def _school_day(school: School) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Create the school's locations and periods; returns (location ids, [(period id, from, to)]) with
    from/to in minutes after the start of the day."""
    locations = Location.objects.bulk_create([Location(school=school, name=name) for name in LOCATIONS])
    periods = Period.objects.bulk_create([
        Period(school=school, name=name, starts_at=datetime.time(*a), ends_at=datetime.time(*b))
        for name, a, b in PERIODS])
    start = PERIODS[0][1][0] * 60 + PERIODS[0][1][1]
    spans = [(p.pk, a[0] * 60 + a[1] - start, b[0] * 60 + b[1] - start) for p, (_, a, b) in zip(periods, PERIODS)]
    return [loc.pk for loc in locations], spans


BEHAVIOUR_TEXT = ["Put head on the desk and said he would not do it.", "Walked out of the classroom without asking.",
                  "Shouted at another pupil across the room, then threw a pencil pot.",
                  "Hid under the table and pulled hood up; did not answer."]


def fill_incidents(school: School, n: int, pupil_ids: list[int], author_ids: list[int], reviewer_id: int,
                   location_ids: list[int], periods: list[tuple[int, int, int]], *, seed: float,
                   weeks: int = 261) -> None:
    """``n`` incidents in one INSERT ... SELECT ... FROM generate_series, in time order (ids grow with
    occurred_at, as they would in use): school days (Monday to Friday) of the last ``weeks`` weeks
    before this one, 08:45-15:15 Europe/London with a peak after lunch; a tenth of the pupils have
    80% of the incidents; picks from DEFAULT_PICKS; intensity mostly 1-3;
    4% with force; reviewed by the SENCo when older than a week. Deterministic (setseed)."""
    rng = random.Random(seed)
    pupils = list(pupil_ids)
    rng.shuffle(pupils)  # which pupils are the busy ones
    day_minutes = periods[-1][2]
    period_case = " ".join(f"WHEN m >= {a} AND m < {b} THEN {pk}" for pk, a, b in periods)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(weeks=weeks)
    params = {
        "school": school.pk, "n": n, "pupils": pupils, "np": len(pupils), "busy": max(1, len(pupils) // 10),
        "authors": author_ids, "na": len(author_ids), "reviewer": reviewer_id, "locations": location_ids, "nl": len(location_ids),
        "monday": monday, "weeks": weeks, "minutes": day_minutes,
        "start": datetime.time(8, 45), "lunch_end": 255,  # 13:00, minutes after 08:45
        "ante": DEFAULT_PICKS[PickKind.ANTECEDENT], "beh": DEFAULT_PICKS[PickKind.BEHAVIOUR],
        "cons": DEFAULT_PICKS[PickKind.CONSEQUENCE], "strat": DEFAULT_PICKS[PickKind.STRATEGY],
        "outc": DEFAULT_PICKS[PickKind.OUTCOME], "text": BEHAVIOUR_TEXT,
        "week_ago": timezone.now() - datetime.timedelta(days=7),
    }
    sql = f"""
        WITH r AS MATERIALIZED (
            SELECT (%(pupils)s::bigint[])[1 + floor(random() * CASE WHEN random() < 0.8 THEN %(busy)s
                                                                         ELSE %(np)s END)::int] AS pupil,
                   (%(authors)s::bigint[])[1 + floor(random() * %(na)s)::int] AS author,
                   (%(locations)s::bigint[])[1 + floor(power(random(), 1.6) * %(nl)s)::int] AS location,
                   floor(random() * %(weeks)s)::int * 7 + floor(random() * 5)::int AS day,
                   CASE WHEN random() < 0.2 THEN %(lunch_end)s + floor(random() * 25)::int
                        ELSE floor(random() * %(minutes)s)::int END AS m,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
            FROM generate_series(1, %(n)s)
        ), t AS MATERIALIZED (
            SELECT r.*, ((%(monday)s::date + day) + %(start)s::time + make_interval(mins => m))
                        AT TIME ZONE 'Europe/London' AS ts,
                   CASE WHEN r1 < 0.34 THEN 1 WHEN r1 < 0.70 THEN 2 WHEN r1 < 0.90 THEN 3
                        WHEN r1 < 0.97 THEN 4 ELSE 5 END AS intensity
            FROM r
        )
        INSERT INTO incidents_incident (
            school_id, pupil_id, occurred_at, recorded_at, created_by_id, location_id, period_id, activity,
            antecedent_picks, antecedent, behaviour_picks, behaviour, consequence_picks, consequence,
            strategy_picks, strategies, intensity, duration_minutes, outcome_picks, outcome, suspected_function,
            setting_events, damage, physical_intervention, is_full_report, corrected, reviewed_at, reviewed_by_id,
            local_date, local_weekday, local_hour)
        SELECT %(school)s, pupil, ts, ts + (3 + r2 * 120) * interval '1 minute', author, location,
               CASE {period_case} END, '',
               ARRAY[(%(ante)s::text[])[1 + floor(r2 * 8)::int]]::varchar(60)[], '',
               ARRAY[(%(beh)s::text[])[1 + floor(r3 * 8)::int]]::varchar(60)[],
               CASE WHEN r4 < 0.5 THEN (%(text)s::text[])[1 + floor(r4 * 8)::int] ELSE '' END,
               ARRAY[(%(cons)s::text[])[1 + floor(r4 * 7)::int]]::varchar(60)[], '',
               ARRAY[(%(strat)s::text[])[1 + floor(r5 * 7)::int]]::varchar(200)[], '',
               intensity, 1 + floor(r5 * 30)::int,
               ARRAY[(%(outc)s::text[])[1 + floor(r3 * 4)::int]]::varchar(60)[], '', '', '', '',
               intensity >= 4 AND r5 < 0.4, intensity >= 4, r3 < 0.002,
               CASE WHEN ts < %(week_ago)s AND r4 < 0.95 THEN ts + interval '1 day' END,
               CASE WHEN ts < %(week_ago)s AND r4 < 0.95 THEN %(reviewer)s::bigint END,
               (ts AT TIME ZONE 'Europe/London')::date, extract(isodow FROM ts AT TIME ZONE 'Europe/London'),
               extract(hour FROM ts AT TIME ZONE 'Europe/London')
        FROM t ORDER BY ts
    """
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed])
        cur.execute(sql, params)


PLAN_EVERY = 3  # every third pupil has an EHCP in force (plus a behaviour plan; every ninth a handling plan)


def _plans(rng: random.Random, pupils: list[Pupil], senco: User) -> None:
    """EHCPs with 4 outcomes x 3 targets, 3 provision items serving 2 outcomes each, 5 evidence entries per
    outcome; behaviour support plans; positive-handling plans with 2 risks."""
    now = timezone.now()
    today = timezone.localdate()
    chosen = [p for i, p in enumerate(pupils) if i % PLAN_EVERY == 0]
    plans = Plan.objects.bulk_create([
        Plan(pupil=p, kind="ehcp", status="in_force", created_by=senco, signed_off_by=senco, in_force_from=now,
             local_authority="Leeds", date_issued=today - datetime.timedelta(days=400),
             last_annual_review=today - datetime.timedelta(days=rng.randint(200, 380)),
             section_a="Wants to be a vet.", section_b="Autism; speech and language needs.")
        for p in chosen], batch_size=2000)
    outcomes = Outcome.objects.bulk_create([
        Outcome(plan=plan, area_of_need=["ci", "cl", "semh", "sp"][k], order=k, text=f"Outcome {k + 1} for the pupil")
        for plan in plans for k in range(4)], batch_size=2000)
    Target.objects.bulk_create([Target(outcome=o, text=f"Step {j + 1}", order=j) for o in outcomes for j in range(3)],
                               batch_size=5000)
    provision = Provision.objects.bulk_create([
        Provision(plan=plan, description=f"Provision {j + 1}", delivered_by="TA", frequency="Daily", minutes=20)
        for plan in plans for j in range(3)], batch_size=2000)
    by_plan = {}
    for o in outcomes:
        by_plan.setdefault(o.plan_id, []).append(o)
    ProvisionOutcome.objects.bulk_create([
        ProvisionOutcome(provision=item, outcome=o) for item in provision for o in by_plan[item.plan_id][:2]],
        batch_size=5000)
    ProgressEvidence.objects.bulk_create([
        ProgressEvidence(pupil_id=o.plan.pupil_id, outcome=o, outcome_lineage=o.lineage, note="Progress seen",
                         rating=min(4, j), observed_on=today - datetime.timedelta(days=30 * (5 - j)),
                         recorded_by=senco)
        for o in outcomes for j in range(5)], batch_size=5000)
    BehaviourSupportPlan.objects.bulk_create([
        BehaviourSupportPlan(pupil=p, status="in_force", created_by=senco, signed_off_by=senco, in_force_from=now,
                             behaviours_of_concern="Leaves class", early_warning_signs="Pacing",
                             triggers="Noise", deescalation_strategies="Few words\nQuiet corner\nChoice of two",
                             reactive_strategies="Clear the room", review_date=today, parents_agreed_on=today)
        for p in chosen], batch_size=2000)
    phps = PositiveHandlingPlan.objects.bulk_create([
        PositiveHandlingPlan(pupil=p, status="in_force", created_by=senco, signed_off_by=senco, in_force_from=now,
                             approved_techniques="Single elbow", training_scheme="team_teach", review_date=today)
        for i, p in enumerate(chosen) if i % 3 == 0], batch_size=2000)
    Risk.objects.bulk_create([Risk(plan=php, hazard="Throwing", who_is_at_risk="Peers", likelihood=3, severity=3,
                                   control_measures="Early de-escalation") for php in phps for _ in range(2)])


# --- interventions --------------------------------------------------------------------------------

# The bench TA's own groups (the same slots in every run): on any weekday they have 3-4 sessions.
TA_GROUP_PREFIX = "TA group: "
OTHER_GROUP_PREFIX = "Run"  # other groups: "Run<k>-<slot> <intervention>": never on the bench TA's page
TA_GROUPS = [  # (catalogue key, days, (hour, minute), minutes, pupils)
    ("sensory", [0, 1, 2, 3, 4], (8, 50), 15, 5),
    ("reading", [0, 1, 2, 3, 4], (9, 20), 20, 1),
    ("precision", [0, 1, 2, 3, 4], (11, 0), 10, 1),
    ("lego", [1, 3], (13, 15), 45, 3),
    ("zones", [2], (14, 0), 30, 4),
    ("talkabout", [4], (13, 30), 45, 5),
]
DAYS_FOR = {1: [[0], [1], [2], [3], [4]], 2: [[0, 2], [1, 3], [1, 4]], 3: [[0, 2, 4]], 4: [[0, 1, 2, 3]],
            5: [[0, 1, 2, 3, 4]]}
RUNS = 3  # runs of each group slot over the last year: the current one and two ended ones
RUN_WEEKS, RUN_GAP_WEEKS = 14, 17


def fill_interventions(rng: random.Random, school: School, pupils: list[Pupil], ta: User, ta_pupils: list[Pupil],
                       other_tas: list[User], senco: User, *, slots: int) -> dict:
    """A year of interventions for the school: the demo's catalogue; ``slots`` groups running at a
    time (the first six the bench TA's, the rest the other TAs'), each run three times (the current
    run started 10 weeks ago and ends 8 weeks from now; the two before it ended, with exit scores and
    reviews); placements of SEN pupils (the bench TA's groups: pupils on their caseload); then, in SQL,
    a session on every planned date up to yesterday (4% never recorded, 5% cancelled) and attendance
    for each pupil on the placement that day (8% absent; ratings and regulation where the
    intervention uses them); a therapy programme per 60 pupils with a delivery log. Groups, placements
    and programmes with ``bulk_create``; sessions and attendance by ``INSERT ... SELECT``."""
    from interventions.demo import CATALOGUE, SCORES, SMART

    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    current_start = monday - datetime.timedelta(weeks=10)
    catalogue = Intervention.objects.bulk_create([Intervention(school=school, **f) for f in CATALOGUE.values()])
    by_key = dict(zip(CATALOGUE, catalogue))
    keys = list(CATALOGUE)
    sen = [p for p in pupils if p.archived_at is None and p.sen_status != SENStatus.NONE] or pupils
    mine = [p for p in ta_pupils if p.archived_at is None] or sen

    groups, specs = [], []
    for run in range(RUNS):
        start = current_start - datetime.timedelta(weeks=RUN_GAP_WEEKS * run)
        end = (today + datetime.timedelta(weeks=8)) if run == 0 else start + datetime.timedelta(weeks=RUN_WEEKS, days=-3)
        for slot in range(slots):
            if slot < len(TA_GROUPS):
                key, days, (hh, mm), minutes, size = TA_GROUPS[slot]
                name, lead, pool = f"{TA_GROUP_PREFIX}{by_key[key].name} ({run + 1})", ta, mine
            else:
                key = keys[slot % len(keys)]
                entry = CATALOGUE[key]
                days = rng.choice(DAYS_FOR[entry["sessions_per_week"]])
                hh, mm = rng.choice([(8, 50), (9, 15), (10, 50), (11, 30), (13, 15), (14, 0), (14, 30)])
                minutes, size = entry["minutes_per_session"], min(entry["max_group_size"], 5)
                name = f"{OTHER_GROUP_PREFIX}{run + 1}-{slot:03d} {by_key[key].name}"
                lead, pool = other_tas[slot % len(other_tas)], sen
            groups.append(Group(school=school, intervention=by_key[key], name=name, days=days,
                                starts_at=datetime.time(hh, mm), minutes_per_session=minutes, start_date=start,
                                planned_end_date=end, ended_on=None if run == 0 else end, created_by=senco))
            specs.append((key, lead, pool, size, run))
    Group.objects.bulk_create(groups, batch_size=2000)
    through = Group.staff.through
    through.objects.bulk_create([through(group_id=g.pk, user_id=lead.pk) for g, (_, lead, _, _, _) in zip(groups, specs)],
                                batch_size=5000)

    placements, cursor = [], {}
    for group, (key, lead, pool, size, run) in zip(groups, specs):
        at = cursor.get(id(pool), rng.randrange(len(pool)))
        chosen = [pool[(at + k) % len(pool)] for k in range(min(size, len(pool)))]
        cursor[id(pool)] = at + len(chosen)
        measured = key in SCORES
        for pupil in chosen:
            p = Placement(group=group, pupil=pupil, start_date=group.start_date, end_date=group.planned_end_date,
                          smart_target=SMART[key].format(end=f"{group.planned_end_date:%-d %B}",
                                                         name=pupil.preferred_name or pupil.legal_first_name),
                          review_due=group.planned_end_date + datetime.timedelta(days=7), created_by=senco)
            if measured:
                (low, high), (d_low, d_high) = SCORES[key]
                p.entry_score, p.entry_date = rng.randint(low, high), group.start_date
            if run:
                p.ended_on = group.ended_on
                if measured:
                    p.exit_score, p.exit_date = p.entry_score + rng.randint(d_low, d_high), group.ended_on
                if rng.random() < 0.9:  # a tenth not reviewed yet: overdue
                    p.reviewed_on = group.ended_on + datetime.timedelta(days=5)
                    p.review_decision = rng.choice(["continue", "change", "stop"])
                    p.review_score, p.target_progress, p.reviewed_by = rng.randint(1, 5), rng.randint(1, 4), senco
            elif rng.random() < 0.1:
                p.review_due = today - datetime.timedelta(days=rng.randint(1, 20))  # a half-term check overdue
            placements.append(p)
    Placement.objects.bulk_create(placements, batch_size=2000)

    params = {"school": school.pk, "yesterday": today - datetime.timedelta(days=1), "seed": rng.random()}
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%(seed)s)", params)
        cur.execute("""
            WITH d AS MATERIALIZED (
                SELECT g.id AS group_id, day::date AS day, g.starts_at, g.minutes_per_session AS minutes,
                       (SELECT min(s.user_id) FROM interventions_group_staff s WHERE s.group_id = g.id) AS staff,
                       random() AS r
                FROM interventions_group g,
                     generate_series(g.start_date, LEAST(COALESCE(g.ended_on, g.planned_end_date), %(yesterday)s),
                                     interval '1 day') AS day
                WHERE g.school_id = %(school)s AND (extract(isodow FROM day)::int - 1) = ANY(g.days)
            )
            INSERT INTO interventions_session (group_id, date, status, cancel_reason, minutes, note, recorded_by_id,
                                               recorded_at)
            SELECT group_id, day, CASE WHEN r < 0.05 THEN 'cancelled' ELSE 'delivered' END,
                   CASE WHEN r < 0.05 THEN 'TA covering a class (staff absence)' ELSE '' END,
                   CASE WHEN r < 0.05 THEN NULL ELSE minutes END,
                   CASE WHEN r > 0.6 THEN 'Full session; good focus from the group.' ELSE '' END, staff,
                   (day + starts_at + make_interval(mins => minutes + 5)) AT TIME ZONE 'Europe/London'
            FROM d WHERE r < 0.96 ORDER BY day, group_id""", params)
        sessions = cur.rowcount
        cur.execute("""
            WITH a AS MATERIALIZED (
                SELECT s.id AS session_id, p.id AS placement_id, i.rates_sessions, i.records_regulation,
                       random() AS r, random() AS r2
                FROM interventions_session s
                JOIN interventions_group g ON g.id = s.group_id
                JOIN interventions_intervention i ON i.id = g.intervention_id
                JOIN interventions_placement p ON p.group_id = s.group_id
                     AND s.date BETWEEN p.start_date AND COALESCE(p.ended_on, p.end_date)
                WHERE g.school_id = %(school)s AND s.status = 'delivered'
            )
            INSERT INTO interventions_attendance (session_id, placement_id, status, absence_reason, rating,
                                                  regulation, note)
            SELECT session_id, placement_id, CASE WHEN r < 0.08 THEN 'absent' ELSE 'present' END,
                   CASE WHEN r < 0.08 THEN 'Absent from school (ill)' ELSE '' END,
                   CASE WHEN r >= 0.08 AND rates_sessions THEN LEAST(4, floor(r2 * 5))::int END,
                   CASE WHEN r >= 0.08 AND records_regulation
                        THEN (ARRAY['more', 'more', 'same', 'less'])[1 + floor(r2 * 4)::int] ELSE '' END, ''
            FROM a ORDER BY session_id, placement_id""", params)
        attendance = cur.rowcount

    n_programmes = max(1, len(pupils) // 60)
    programmes = TherapyProgramme.objects.bulk_create([
        TherapyProgramme(school=school, pupil=pupil, therapist="Jo Therapist", service=rng.choice(["salt", "ot"]),
                         set_on=current_start, targets="Two-key-word instructions", activities="Barrier games",
                         frequency="3 times a week, 15 minutes", review_on=today + datetime.timedelta(weeks=8),
                         created_by=senco)
        for pupil in sen[:: max(1, len(sen) // n_programmes)][:n_programmes]])
    TherapyProgramme.staff.through.objects.bulk_create([
        TherapyProgramme.staff.through(therapyprogramme_id=t.pk, user_id=other_tas[i % len(other_tas)].pk)
        for i, t in enumerate(programmes)])
    deliveries = [ProgrammeDelivery(programme=t, delivered_on=day, minutes=15, delivered_by=other_tas[i % len(other_tas)])
                  for i, t in enumerate(programmes)
                  for day in (current_start + datetime.timedelta(days=k) for k in range((today - current_start).days))
                  if day.weekday() in (0, 2, 4)]
    ProgrammeDelivery.objects.bulk_create(deliveries, batch_size=5000)
    return {"groups": len(groups), "placements": len(placements), "sessions": sessions, "attendance": attendance,
            "programmes": len(programmes), "ta_groups": sum(1 for _, lead, *_ in specs if lead == ta)}
