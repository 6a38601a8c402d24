"""What tests/test_permissions.py walks: who reaches which objects (SCOPES) and the objects of each
kind (KINDS), built once per test through the apps' factories and services.

A target is (labels, values): the labels say whose object it is, in the order the view looks
things up (a pupil, then their plan...); the values fill the URL's parameters. Labels "in",
"class" and "out" are the pupils of `world` (the TA's caseload, the teacher's class, nobody's),
"other" is anything of another school (a 404 for everyone), "mismatch" another pupil's object
under a pupil's URL (a 404 for everyone)."""

import datetime
import hashlib
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()

DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

ROLES = ["ta", "teacher", "senco", "dsl", "senior", "admin"]
OURS = {"in", "class", "out"}
CASELOAD = {"ta": {"in"}, "teacher": {"class"}, "senco": OURS, "dsl": OURS, "senior": OURS, "admin": OURS}

# Whose objects each role reaches, by label (before any ability is asked for).
SCOPES = {
    "pupils": CASELOAD,
    # incidents: everyone reads what they wrote; the records here are written by another TA, and
    # office staff read no one else's
    "incidents": {**CASELOAD, "admin": set()},
    "school": {role: OURS for role in ROLES},  # any pupil or row of one's own school
    "own": {role: {"mine"} for role in ROLES},  # one's own drafts, notifications, concerns raised, doses witnessed
    # intimate care: staff named on the pupil's plan (here the TA on Amelia's, the teacher on
    # Oliver's, another TA on Isla's), and the SENCo and DSL for every pupil
    "care_named": {"ta": {"in"}, "teacher": {"class"}, "senco": OURS, "dsl": OURS, "senior": set(), "admin": set()},
    # intervention groups: the ones a person runs; all of the school's for the SENCo and senior leaders
    "groups": {"ta": {"ta_group"}, "teacher": {"teacher_group"}, "dsl": set(), "admin": set(),
               **{r: {"ta_group", "teacher_group", "other_ta_group"} for r in ("senco", "senior")}},
    # contributions: the person asked, the person who asked (the SENCo) and those who make packs
    "contributions": {"ta": {"asked_ta"}, "teacher": {"asked_teacher"}, "dsl": set(), "admin": set(),
                      **{r: {"asked_ta", "asked_teacher", "asked_other_ta"} for r in ("senco", "senior")}},
}


def per_pupil(world):
    """(label, pupil, the adult who records things about them in their school)."""
    return [("in", world.pupil_in, world.people["other_ta"]), ("class", world.pupil_class, world.people["other_ta"]),
            ("out", world.pupil_out, world.people["other_ta"]),
            ("other", world.pupil_other_school, world.people["other_school_senco"])]


def labelled_pupils(world):
    return [(label, pupil) for label, pupil, _ in per_pupil(world)]


def senco_of(world, pupil):
    return world.people["senco"] if pupil.school_id == world.school.pk else world.people["other_school_senco"]


def stored(name, data=PDF):
    """A private file in storage (tests point MEDIA_ROOT at a temporary folder)."""
    return default_storage.save(f"private/permissions/{uuid.uuid4().hex}-{name}", ContentFile(data))


def staff_ctx(user, school=None):
    from accounts.middleware import staff_context_for

    return staff_context_for(user, school.pk if school else None)


# --- builders: each returns [(labels, values)] -----------------------------------------------------

def no_object(world, role):
    return [((), {})]


def pupils(world, role):
    return [((label,), {"pupil_id": p.pk}) for label, p, _ in per_pupil(world)]


def pupils_with_photos(world, role):
    """Each pupil with a photo the parents agreed to."""
    for _, pupil, _ in per_pupil(world):
        type(pupil).objects.filter(pk=pupil.pk).update(photo=stored("photo.jpg", b"\xff\xd8\xff\xe0"),
                                                       photo_consent=True)
    return pupils(world, role)


def memberships(world, role):
    own = world.school.memberships.get(user=world.people["other_ta"])
    theirs = world.other_school.memberships.get(user=world.people["other_school_senco"])
    return [(("in",), {"membership_id": own.pk}), (("other",), {"membership_id": theirs.pk})]


def _mine_theirs_other(world, role, make):
    """Targets of one's own (made for the role), another person's, and another school's."""
    return [(("mine",), make(world.people[role], world.school)),
            (("theirs",), make(world.people["other_ta"], world.school)),
            (("other",), make(world.people["other_school_senco"], world.other_school))]


def drafts(world, role):
    from incidents.models import IncidentDraft

    return _mine_theirs_other(world, role, lambda user, school: {
        "key": IncidentDraft.objects.create(school=school, author=user).key})


def notifications(world, role):
    from sendsupport.models import Notification

    return _mine_theirs_other(world, role, lambda user, school: {
        "notification_id": Notification.objects.create(user=user, school=school, subject="Private", url="/").pk})


def own_concerns(world, role):
    from safeguarding import services

    def raised_by(user, school):
        pupil = world.pupil_out if school == world.school else world.pupil_other_school
        concern = services.raise_concern(staff=staff_ctx(user, school), pupil=pupil, incident=None,
                                         occurred_at=timezone.now() - datetime.timedelta(hours=1), place="Playground",
                                         facts="Bruise on the left arm.")
        return {"concern_id": concern.pk}

    return _mine_theirs_other(world, role, raised_by)


def concerns(world, role):
    from safeguarding import services

    out = []
    for label, pupil, _ in per_pupil(world):
        by = world.people["other_ta"] if label != "other" else world.people["other_school_senco"]
        concern = services.raise_concern(staff=staff_ctx(by, pupil.school), pupil=pupil, incident=None,
                                         occurred_at=timezone.now() - datetime.timedelta(hours=1), place="Hall",
                                         facts="Said she was hungry every morning.")
        out.append(((label,), {"concern_id": concern.pk, "kind": "action", "pupil_id": pupil.pk}))
    return out


def incidents(world, role):
    from incidents.factories import IncidentFactory

    return [((label,), {"incident_id": IncidentFactory(pupil=p, created_by=by).pk})
            for label, p, by in per_pupil(world)]


def restrictive_records(world, role):
    from restrictive.tests.helpers import force_incident, make_record

    out = []
    for label, p, by in per_pupil(world):
        ri = make_record(world, incident=force_incident(world, pupil=p, author=by), author=by)
        out.append(((label,), {"incident_id": ri.incident_id, "ri_id": ri.pk}))
    return out


def plans(world, role):
    from plans.models import (
        AnnualReview, BehaviourSupportPlan, EvidenceFile, Outcome, Plan, PositiveHandlingPlan, ProgressEvidence,
        Provision,
    )

    out = []
    for label, pupil, _ in per_pupil(world):
        senco = senco_of(world, pupil)
        ehcp = Plan.objects.create(pupil=pupil, kind="ehcp", status="in_force", created_by=senco,
                                   date_issued=today() - 100 * DAY)
        outcome = Outcome.objects.create(plan=ehcp, area_of_need="ci", text="Asks for help with a card")
        evidence = ProgressEvidence.objects.create(pupil=pupil, outcome=outcome, outcome_lineage=outcome.lineage,
                                                   note="Used the card twice", rating=2, recorded_by=senco)
        file = EvidenceFile.objects.create(evidence=evidence, file=stored("card.pdf"), original_name="card.pdf",
                                           content_type="application/pdf", size=len(PDF))
        review = AnnualReview.objects.create(pupil=pupil, plan=ehcp, meeting_date=today() + 20 * DAY, created_by=senco)
        draft = Plan.objects.create(pupil=pupil, kind="sen_support", created_by=senco)
        draft_outcome = Outcome.objects.create(plan=draft, area_of_need="ci", text="Outcome")
        draft_provision = Provision.objects.create(plan=draft, description="Provision", delivered_by="TA",
                                                   frequency="daily")
        bsp = BehaviourSupportPlan.objects.create(pupil=pupil, created_by=senco, behaviours_of_concern="Runs off",
                                                  review_date=today() + 90 * DAY)
        php = PositiveHandlingPlan.objects.create(pupil=pupil, created_by=senco, approved_techniques="Single elbow",
                                                  review_date=today() + 90 * DAY)
        out.append(((label,), {
            "pupil_id": pupil.pk, "kind": "ehcp", "ehcp": ehcp.pk, "outcome": outcome.pk, "file": file.pk,
            "review": review.pk, "draft": draft.pk, "draft_outcome": draft_outcome.pk,
            "draft_provision": draft_provision.pk, "bsp": bsp.pk, "php": php.pk}))
    return out


def medicines(world, role):
    from care.factories import BatchFactory, HealthcarePlanFactory, MedicineFactory
    from care.models import Administration

    out = []
    for label, pupil, by in per_pupil(world):
        medicine = MedicineFactory(pupil=pupil, created_by=by)
        batch = BatchFactory(medicine=medicine, received_by=by)
        refused = Administration.objects.create(school=pupil.school, pupil=pupil, medicine=medicine, outcome="refused",
                                                at=timezone.now() - datetime.timedelta(hours=1), reason="Spat it out",
                                                recorded_by=by)
        HealthcarePlanFactory(pupil=pupil, created_by=by)  # a draft, for the sign-off page
        out.append(((label,), {"pupil_id": pupil.pk, "medicine_id": medicine.pk, "batch_id": batch.pk,
                               "administration_id": refused.pk}))
    return out


def witnessed_doses(world, role):
    """A controlled drug given to Isla (nobody's caseload) naming the person as witness: they open
    it from their own login without otherwise seeing her."""
    from care.factories import MedicineFactory
    from care.models import Administration

    def dose(witness, school):
        pupil = world.pupil_out if school == world.school else world.pupil_other_school
        medicine = MedicineFactory(pupil=pupil, controlled=True, created_by=world.people["other_ta"])
        return {"administration_id": Administration.objects.create(
            school=school, pupil=pupil, medicine=medicine, outcome="given", dose_amount=1, witness=witness,
            at=timezone.now() - datetime.timedelta(hours=1), recorded_by=world.people["other_ta"]).pk}

    return _mine_theirs_other(world, role, dose)


def personal_care(world, role):
    from personalcare.factories import in_force_plan
    from personalcare.models import CareLog

    named = {"in": "ta", "class": "teacher", "out": "other_ta", "other": "other_school_senco"}
    out = []
    for label, pupil, _ in per_pupil(world):
        person = world.people[named[label]]
        plan = in_force_plan(pupil=pupil, senco=senco_of(world, pupil), named=[person])
        log = CareLog.objects.create(school=pupil.school, pupil=pupil, plan=plan, given_by=person,
                                     occurred_at=timezone.now() - datetime.timedelta(hours=1),
                                     care_given=["pad_change"])
        out.append(((label,), {"pupil_id": pupil.pk, "plan": plan.pk, "log": log.pk}))
    return out


def personal_care_list(world, role):
    from personalcare.models import CarePlan

    if not CarePlan.objects.exists():  # the plans naming the TA and the teacher, if not there yet
        personal_care(world, role)
    return no_object(world, role)


def catalogue(world, role):
    from interventions.tests.test_placements import make_intervention

    return [(("in",), {"pk": make_intervention(world.school, name="Catalogue ELSA").pk}),
            (("other",), {"pk": make_intervention(world.other_school, name="Catalogue ELSA").pk})]


def groups(world, role):
    from interventions.models import Session
    from interventions.tests.test_placements import make_group

    out = []
    for label, staff, school in [("ta_group", ("ta",), None), ("teacher_group", ("teacher",), None),
                                 ("other_ta_group", ("other_ta",), None), ("other", (), world.other_school)]:
        group = make_group(world, school=school, staff=staff, intervention_name=label)
        day = group.start_date + DAY
        Session.objects.create(group=group, date=day, recorded_by=group.created_by, minutes=30)
        out.append(((label,), {"pk": group.pk, "group_id": group.pk, "date": day.isoformat()}))
    return out


def placements(world, role):
    """Amelia's and Isla's placements on the TA's group (Isla is on its register, but her placement
    is hers: a 404 off one's caseload), Oliver's on another TA's."""
    from interventions.tests.test_placements import make_group, place

    ta_group = make_group(world, staff=("ta",), intervention_name="Placed ELSA")
    other_ta_group = make_group(world, staff=("other_ta",), intervention_name="Placed Lego")
    theirs = make_group(world, school=world.other_school, staff=(), intervention_name="Placed ELSA")
    on = {"in": ta_group, "class": other_ta_group, "out": ta_group, "other": theirs}
    return [((label,), {"pk": place(world, on[label], p).pk}) for label, p, _ in per_pupil(world)]


def programmes(world, role):
    from interventions.tests.test_programmes import make_programme

    staff = {"in": ("ta",), "class": ("teacher",), "out": ("other_ta",), "other": ()}
    out = []
    for label, pupil, _ in per_pupil(world):
        programme = make_programme(world, pupil=pupil, staff=staff[label])
        programme.report.save("report", ContentFile(PDF))
        out.append(((label,), {"pk": programme.pk}))
    return out


def alerts(world, role):
    from dashboards.models import PatternAlert

    out = []
    for label, pupil, _ in per_pupil(world):
        alert = PatternAlert.objects.create(
            school=pupil.school, kind="pupil_rise", pupil=pupil, recent_from=today() - 28 * DAY,
            recent_to=today() - DAY, recent_count=9, recent_days=20, baseline_from=today() - 90 * DAY, baseline_count=3,
            baseline_days=40, first_seen_on=today() - 7 * DAY, last_seen_on=today())
        out.append(((label,), {"alert_id": alert.pk}))
    return out


def _ready_pack(world, pupil, batch=None):
    from reviews.models import EvidencePack

    name = stored("pack.pdf")
    return EvidencePack.objects.create(
        school=pupil.school, pupil=pupil, batch=batch, version=1, period_start=today() - 100 * DAY, period_end=today(),
        requested_by=senco_of(world, pupil), status="ready", file=name, sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF), page_count=1, started_at=timezone.now(), finished_at=timezone.now())


def packs(world, role):
    return [((label,), {"pack_id": _ready_pack(world, p).pk}) for label, p, _ in per_pupil(world)]


def batches(world, role):
    from reviews.models import PackBatch

    out = []
    for label, pupil in [("in", world.pupil_in), ("other", world.pupil_other_school)]:
        batch = PackBatch.objects.create(school=pupil.school, due_by=today() + 56 * DAY,
                                         requested_by=senco_of(world, pupil))
        _ready_pack(world, pupil, batch)
        out.append(((label,), {"batch_id": batch.pk}))
    return out


def contributions(world, role):
    from reviews import services_contributions as services

    out = []
    for label, pupil, asked in [("asked_ta", world.pupil_in, "ta"), ("asked_teacher", world.pupil_class, "teacher"),
                                ("asked_other_ta", world.pupil_out, "other_ta"),
                                ("other", world.pupil_other_school, "other_school_senco")]:
        senco, person = senco_of(world, pupil), world.people[asked]
        (contribution,) = services.ask_for_contributions(staff=staff_ctx(senco, pupil.school), pupil=pupil,
                                                         asked=[person], due_on=today() + 14 * DAY)
        services.submit_contribution(staff=staff_ctx(person, pupil.school), contribution=contribution,
                                     progress="Reads two-word phrases now")
        out.append(((label,), {"contribution_id": contribution.pk}))
    return out


# kind -> (builder, scope, built per role?, the URL parameter looked up first when there are more)
KINDS = {
    None: (no_object, "school", False, None),
    "pupil": (pupils, "pupils", False, None),
    "pupil_photo": (pupils_with_photos, "pupils", False, None),
    "membership": (memberships, "school", False, None),
    "draft": (drafts, "own", True, None),
    "notification": (notifications, "own", True, None),
    "own_concern": (own_concerns, "own", True, None),
    "concern": (concerns, "school", False, None),
    "incident": (incidents, "incidents", False, None),
    "restrictive": (restrictive_records, "incidents", False, "incident_id"),
    "plans": (plans, "pupils", False, "pupil_id"),
    "medicine": (medicines, "pupils", False, None),
    "witnessed_dose": (witnessed_doses, "own", True, None),
    "personal_care": (personal_care, "care_named", False, None),
    "personal_care_list": (personal_care_list, "care_named", False, None),
    "intervention": (catalogue, "school", False, None),
    "group": (groups, "groups", False, None),
    "placement": (placements, "pupils", False, None),
    "programme": (programmes, "pupils", False, None),
    "alert": (alerts, "pupils", False, None),
    "pack": (packs, "pupils", False, None),
    "pack_batch": (batches, "school", False, None),
    "contribution": (contributions, "contributions", False, None),
}


def targets(kind, world, role, params):
    """The kind's targets, plus (where the URL looks up a pupil or incident, then one of its
    objects) Amelia's pupil or incident with Isla's object: never found."""
    build, _, _, outer = KINDS[kind]
    found = build(world, role)
    if outer and set(params) - {outer, "kind"}:
        values = dict(found)
        mixed = {**values[("out",)], outer: values[("in",)][outer]}
        found.append((("in", "mismatch"), mixed))
    return found


# --- every record of every pupil, for the lists -----------------------------------------------------

def marker(app, label):
    """A word written into one app's record of one pupil: a page showing it shows that record."""
    return f"Zq{app}{label}Zq"


# app -> (its scope, the roles that read it)
READS = {
    "incident": ("incidents", {"ta", "teacher", "senco", "dsl", "senior"}),
    "restrictive": ("incidents", {"ta", "teacher", "senco", "dsl", "senior"}),
    # an incident about Isla in Amelia's behaviour timeline (she was involved; Isla isn't named)
    "involved": ("incidents", {"ta", "teacher", "senco", "dsl", "senior"}),
    "plan": ("pupils", {"ta", "teacher", "senco", "dsl", "senior"}),
    "concern": ("school", {"dsl"}),
    "sen": ("pupils", {"ta", "teacher", "senco", "dsl", "senior"}),  # what helps, triggers...
    "bsp": ("pupils", {"ta", "teacher", "senco", "dsl", "senior"}),  # behaviour support plan strategies
    "php": ("pupils", {"ta", "teacher", "senco", "dsl", "senior"}),  # positive-handling plan holds
    "medicine": ("pupils", {"ta", "teacher", "senco", "senior", "admin"}),
    "care": ("care_named", set(ROLES)),
    "placement": ("pupils", {"ta", "teacher", "senco", "senior"}),
    "attendance": ("pupils", {"ta", "teacher", "senco", "senior"}),  # why a pupil missed a session
    "programme": ("pupils", {"ta", "teacher", "senco", "senior"}),
    "contribution": ("school", {"senco", "senior"}),  # asked of another TA, by the SENCo
}


def may_read(role, app, label):
    scope, readers = READS[app]
    return role in readers and label in SCOPES[scope][role]


def behaviour_plans(world):
    """Each pupil's behaviour support and positive-handling plans in force, and SEN detail, marked."""
    from plans.models import BehaviourSupportPlan, PositiveHandlingPlan

    for label, pupil, _ in per_pupil(world):
        senco = senco_of(world, pupil)
        BehaviourSupportPlan.objects.create(
            pupil=pupil, created_by=senco, behaviours_of_concern="Runs off", status="in_force",
            review_date=today() + 90 * DAY, deescalation_strategies=marker("bsp", label))
        PositiveHandlingPlan.objects.create(pupil=pupil, created_by=senco, status="in_force",
                                            approved_techniques=marker("php", label), review_date=today() + 90 * DAY)
        type(pupil).objects.filter(pk=pupil.pk).update(what_helps=marker("sen", label))


def school_records(world):
    """Each pupil's record in every app, written by someone else (another TA, the SENCo), each
    with its marker; Isla is involved in Amelia's incident and placed on the TA's group."""
    from care.factories import BatchFactory, MedicineFactory
    from care.models import Administration
    from dashboards.models import PatternAlert
    from incidents.factories import IncidentFactory
    from incidents.models import InvolvedPupil
    from interventions.models import Attendance, Session
    from interventions.tests.test_placements import make_group, place
    from interventions.tests.test_programmes import make_programme
    from personalcare.factories import in_force_plan
    from plans.models import Outcome, Plan
    from restrictive.tests.helpers import force_incident, make_record
    from reviews import services_contributions
    from safeguarding import services as safeguarding

    now = timezone.now()
    behaviour_plans(world)
    groups = {world.school: make_group(world, staff=("ta",)),
              world.other_school: make_group(world, school=world.other_school, staff=())}
    named = {"in": "ta", "class": "teacher", "out": "other_ta", "other": "other_school_senco"}
    placed, made = {}, {}
    for label, pupil, by in per_pupil(world):
        senco, school = senco_of(world, pupil), pupil.school
        incident = IncidentFactory(pupil=pupil, created_by=by, behaviour_picks=[marker("incident", label)])
        if label == "in":  # Isla was involved in Amelia's incident, and Amelia in one about Isla
            InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out, part="Joined in")
            made["incident"] = incident
            about_isla = IncidentFactory(pupil=world.pupil_out, created_by=by,
                                         behaviour_picks=[marker("involved", "in")])
            InvolvedPupil.objects.create(incident=about_isla, pupil=pupil, part="Joined in")
        make_record(world, incident=force_incident(world, pupil=pupil, author=by), author=by,
                    technique=marker("restrictive", label))
        plan = Plan.objects.create(pupil=pupil, kind="ehcp", status="in_force", created_by=senco,
                                   date_issued=today() - 100 * DAY)
        Outcome.objects.create(plan=plan, area_of_need="ci", text=marker("plan", label))
        safeguarding.raise_concern(staff=staff_ctx(by, school), pupil=pupil, incident=None, place="Hall",
                                   occurred_at=now - datetime.timedelta(hours=1), facts=marker("concern", label))
        medicine = MedicineFactory(pupil=pupil, created_by=by, name=marker("medicine", label), consent_from="Mother",
                                   scheduled_times=[])
        BatchFactory(medicine=medicine, received_by=by)
        Administration.objects.create(school=school, pupil=pupil, medicine=medicine, outcome="refused",
                                      at=now - datetime.timedelta(hours=1), reason="Spat it out", recorded_by=by)
        in_force_plan(pupil=pupil, senco=senco, named=[world.people[named[label]]], needs=marker("care", label),
                      care_location=marker("care", label), usual_times=marker("care", label))
        if label != "class":  # Amelia and Isla share the TA's group
            placed[label] = place(world, groups[school], pupil, smart_target=marker("placement", label))
        programme = make_programme(world, pupil=pupil, staff=("ta",) if label == "in" else ())
        programme.therapist = marker("programme", label)
        programme.save()
        PatternAlert.objects.create(
            school=school, kind="pupil_rise", pupil=pupil, recent_from=today() - 28 * DAY, recent_to=today() - DAY,
            recent_count=9, recent_days=20, baseline_from=today() - 90 * DAY, first_seen_on=today() - 7 * DAY,
            last_seen_on=today())
        _ready_pack(world, pupil)
        asked = world.people["other_ta"] if label != "other" else senco
        (contribution,) = services_contributions.ask_for_contributions(
            staff=staff_ctx(senco, school), pupil=pupil, asked=[asked], due_on=today() + 14 * DAY,
            question=marker("contribution", label))
        services_contributions.submit_contribution(staff=staff_ctx(asked, school), contribution=contribution,
                                                   progress="Reads two-word phrases", answer="Yes")
    for group in groups.values():
        session = Session.objects.create(group=group, date=group.start_date + DAY, recorded_by=group.created_by,
                                         minutes=30)
        Attendance.objects.bulk_create([Attendance(session=session, placement=p, status="absent",
                                                   absence_reason=marker("attendance", label))
                                        for label, p in placed.items() if p.group_id == group.pk])
    # The TA raised a concern about Isla: they see that it was received, nothing more.
    safeguarding.raise_concern(staff=staff_ctx(world.people["ta"]), pupil=world.pupil_out, incident=None,
                               place="Gate", occurred_at=now - datetime.timedelta(hours=2),
                               facts=marker("concern", "out"))
    return {**made, "group": groups[world.school], "session_day": groups[world.school].start_date + DAY}
