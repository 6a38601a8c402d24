"""Bench data: one school of N pupils (plus a second school whose pupils must never show).

Runs inside a Django process configured with the app's settings and pointed at a bench database
(never the app's own). Rows are made with ``bulk_create`` in one transaction, deterministic for a
given N. The history triggers (django-pghistory) of the filled tables are disabled for the fill and
re-enabled before commit, so the fill writes no history rows (allowed in a bench database:
/work/shared/DECISIONS.md, "Bench data").
"""

from __future__ import annotations

import datetime
import math
import random

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, School, User
from pupils.models import CaseloadEntry, ClassGroup, Contact, KeyAdult, Pupil, SENStatus
from pupils.upn import make_upn
from plans.models import (
    BehaviourSupportPlan, Outcome, Plan, PositiveHandlingPlan, ProgressEvidence, Provision, ProvisionOutcome, Risk,
    Target,
)

FILL_VERSION = "bench-fill-v2"  # stored in School.local_authority: a changed generator re-fills
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


def is_filled(size: int) -> str:
    """'yes' when the bench data for ``size`` is there, 'no' when the DB is empty, 'stale' otherwise."""
    school = School.objects.filter(urn=SCHOOL_URN).first()
    if school is None:
        return "no"
    if school.local_authority != FILL_VERSION:
        return "stale"
    return "yes" if Pupil.objects.filter(school=school).count() == size else "stale"


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
                                         BehaviourSupportPlan, PositiveHandlingPlan, Risk)]
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

        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred FK checks before ALTER TABLE
        _set_user_triggers(tables, enabled=True)

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "pupils": size, "other_school_pupils": size, "classes": n_classes, "staff": len(users),
        "contacts": Contact.objects.count(), "caseload_entries": CaseloadEntry.objects.count(),
        "ta_direct": len(direct),
    }


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
