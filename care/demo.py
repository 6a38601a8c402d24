"""Demo medication: healthcare plans, medicines, a term of doses, stock and expiry, per demo school.

Run through ``manage.py seed_demo`` after ``pupils.demo`` (medical alerts decide who has a plan)
and ``accounts.demo`` (the training register, staff by role).

What the data shows, on purpose:

- **Individual healthcare plans in force** for pupils whose medical alert names asthma, epilepsy,
  type 1 diabetes or anaphylaxis (up to three of each), with the emergency summary on their banner;
  one epilepsy plan is at version 2 (the nurse changed the rescue-medicine instructions).
- **Medicines with the parent's agreement**: salbutamol inhalers (PRN: at most 4 doses in 24 hours,
  4 hours apart), buccal midazolam (a controlled drug in the locked store, PRN, 1 dose), lamotrigine
  at 12:15, insulin at 12:00 with glucose gel as needed, adrenaline auto-injectors (PRN, expiring
  within 30 days for one pupil) and cetirizine; and for two pupils on the first TA's caseload
  (``ta@<school>.demo``) methylphenidate at 12:00, a scheduled controlled drug, so that TA's
  "due now" has something at lunchtime on any weekday.
- **Agreements**: every as-needed medicine's is in date, so each can be given on the demo day. One
  is past its review date on purpose: the second of those methylphenidate pupils' (review due
  yesterday), so at lunchtime that TA sees whom to ask and the office or SENCo a link to renew it.
- **A term of doses**: each school day from the autumn term's start to yesterday, scheduled doses
  mostly given within the window by the TA (about 2% refused, 1% not given because the pupil was
  out, 2% missed: flagged by the sweeper); controlled drugs witnessed by the office, confirmed on
  the same device; PRN doses now and then, some after a dose the parent reported at home. Parents
  were told of the refused and missed doses except those of the last week (the list to work on).
- **Stock and expiry**: the running count follows the doses; one medicine is low (3 left), one
  batch expires within 30 days, one stock check found a mismatch.

Everything random comes from ``ctx.rng``. Rows are written with ``bulk_create`` (doses, witness
confirmations, parents told); history triggers still record them. This seeder does nothing for a
school that already has medicines."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, Term
from plans.models import VersionStatus
from pupils.models import CaseloadEntry

from .models import (
    Administration, Batch, HealthcarePlan, Medicine, Outcome, ParentTold, StockCheck, WitnessConfirmation,
)
from .services import slot_at

D = datetime.date
T = datetime.time

PLANS = {
    "asthma": dict(
        condition="Asthma", symptoms="Cough, wheeze, tight chest, shortness of breath",
        triggers="Cold air, exercise, colds, pollen, dust", signs="Coughing, quiet, struggling to finish sentences",
        treatments="Blue reliever inhaler (salbutamol) via spacer when symptoms start; brown preventer at home",
        equipment="Inhaler and spacer in the class medical bag; spare in the office",
        daily_care="Inhaler before PE if wheezy", trips="Inhaler and spacer go with the pupil on every trip",
        emergency_signs="Inhaler not helping; too breathless to talk, eat or drink; lips blue; exhausted",
        emergency_action="Sit upright. 1 puff every 30-60 seconds up to 10 puffs. Call 999 if no better or worse. "
                         "Repeat after 15 minutes while waiting. Call parents.",
        emergency_responsible="Adult with the pupil; office calls 999 and parents",
        emergency_summary="Asthma attack: blue inhaler 1 puff every 30-60 s up to 10; no better, call 999",
        staff_training="Whole-school asthma awareness (annual)", developed_with="Parents, school nurse"),
    "epilepsy": dict(
        condition="Epilepsy (tonic-clonic seizures)", symptoms="Stiffening then jerking, loss of consciousness",
        triggers="Tiredness, missed medication, illness, flashing lights",
        signs="Goes quiet and vacant, may say they feel strange", treatments="Lamotrigine twice daily (one dose at school)",
        equipment="Buccal midazolam in the locked controlled-drugs store in the office",
        daily_care="Lunchtime dose 12:15 from the office", trips="Trained adult and buccal midazolam on every trip",
        emergency_signs="Seizure lasting 5 minutes, or a second seizure without recovery, or injury or breathing difficulty",
        emergency_action="Time the seizure. Protect the head, do not restrain. At 5 minutes give buccal midazolam "
                         "10 mg (trained staff) and call 999. Recovery position afterwards. Call parents.",
        emergency_responsible="Trained staff (midazolam); office calls 999 and parents",
        emergency_summary="Seizure over 5 min: buccal midazolam (office CD store, trained staff), call 999",
        staff_training="Epilepsy and buccal midazolam: 4 staff, by the epilepsy nurse specialist",
        developed_with="Parents, epilepsy nurse specialist"),
    "diabetes": dict(
        condition="Type 1 diabetes", symptoms="Hypo: shaky, pale, sweaty, hungry, irritable. Hyper: thirsty, tired",
        triggers="Exercise, missed or late snacks, illness", signs="Changes in behaviour or concentration",
        treatments="Insulin before lunch; blood glucose checks before break, lunch and PE",
        equipment="Glucose meter, insulin pen, hypo box (glucose gel, juice, biscuits) in class",
        daily_care="Check glucose before lunch; insulin 12:00 in the medical room", trips="Hypo box and meter on trips",
        emergency_signs="Hypo not improving after two treatments, drowsy or unconscious",
        emergency_action="Conscious: glucose gel or juice, recheck in 15 minutes. Unconscious: recovery position, "
                         "call 999, nothing by mouth. Call parents.",
        emergency_responsible="Class TA; office calls 999 and parents",
        emergency_summary="Hypo: glucose gel or juice, recheck in 15 min; unconscious: call 999, nothing by mouth",
        staff_training="Diabetes care by the paediatric diabetes nurse (3 staff)",
        developed_with="Parents, paediatric diabetes nurse"),
    "anaphylaxis": dict(
        condition="Severe allergy (anaphylaxis)", symptoms="Swelling of lips and face, hives, vomiting, wheeze",
        triggers="Peanuts and tree nuts", signs="Itchy mouth, coughing, sudden tiredness",
        treatments="Cetirizine for mild reactions; adrenaline auto-injector for anaphylaxis",
        equipment="Two adrenaline auto-injectors: one in class, one in the office", daily_care="Nut-free table at lunch",
        trips="Both auto-injectors go on trips with a trained adult",
        emergency_signs="Any difficulty breathing or swallowing, wheeze, pale and floppy, collapse",
        emergency_action="Give the adrenaline auto-injector into the outer thigh, call 999 (say anaphylaxis), "
                         "lie flat with legs raised. Second pen after 5 minutes if no better. Call parents.",
        emergency_responsible="Nearest trained adult; office calls 999 and parents",
        emergency_summary="Anaphylaxis: adrenaline pen into outer thigh, call 999, lie flat; 2nd pen after 5 min",
        staff_training="Auto-injector training for all staff (annual)", developed_with="Parents, school nurse"),
}

SALBUTAMOL = dict(name="Salbutamol 100 micrograms inhaler", strength="100 micrograms per puff", form="inhaler",
                  route="inhaled", dose_amount=Decimal("2"), unit="puffs", dose_notes="2 puffs via spacer",
                  as_needed=True, prn_reason="Wheeze, cough or tight chest", prn_max_doses_24h=4,
                  prn_min_gap_minutes=240, storage="classroom", low_stock_at=Decimal("40"))
MEDICINES = {
    "asthma": [SALBUTAMOL],
    "epilepsy": [
        dict(name="Lamotrigine 25 mg dispersible tablets", strength="25 mg", form="tablet", route="oral",
             dose_amount=Decimal("1"), unit="tablets", scheduled_times=[T(12, 15)], storage="office",
             side_effects="Rash: tell parents the same day", low_stock_at=Decimal("5")),
        dict(name="Buccal midazolam (Buccolam) 10 mg", strength="10 mg in 2 ml", form="buccal", route="buccal",
             dose_amount=Decimal("1"), unit="pre-filled syringes", as_needed=True,
             prn_reason="Tonic-clonic seizure lasting 5 minutes", prn_max_doses_24h=1, prn_min_gap_minutes=0,
             storage="cd_store", is_controlled=True, low_stock_at=Decimal("1")),
    ],
    "diabetes": [
        dict(name="NovoRapid FlexPen insulin aspart", strength="100 units/ml", form="injection", route="injection",
             dose_amount=Decimal("4"), unit="units", dose_notes="4 units before lunch (carb ratio on the plan)",
             scheduled_times=[T(12, 0)], storage="fridge", low_stock_at=Decimal("60")),
        dict(name="GlucoGel 40% dextrose gel", strength="10 g glucose per tube", form="other", route="oral",
             dose_amount=Decimal("1"), unit="tubes", as_needed=True, prn_reason="Blood glucose under 4 mmol/l",
             prn_max_doses_24h=3, prn_min_gap_minutes=15, storage="classroom", low_stock_at=Decimal("2")),
    ],
    "anaphylaxis": [
        dict(name="EpiPen Junior adrenaline auto-injector", strength="150 micrograms", form="auto_injector",
             route="injection", dose_amount=Decimal("1"), unit="pens", as_needed=True,
             prn_reason="Signs of anaphylaxis", prn_max_doses_24h=2, prn_min_gap_minutes=5, storage="classroom",
             low_stock_at=Decimal("2")),
        dict(name="Cetirizine 1 mg/ml oral solution", strength="1 mg/ml", form="liquid", route="oral",
             dose_amount=Decimal("5"), unit="ml", as_needed=True, prn_reason="Mild allergic reaction: itchy, hives",
             prn_max_doses_24h=1, prn_min_gap_minutes=0, storage="office", low_stock_at=Decimal("20")),
    ],
    "adhd": [
        dict(name="Methylphenidate 5 mg tablets", strength="5 mg", form="tablet", route="oral",
             dose_amount=Decimal("1"), unit="tablets", scheduled_times=[T(12, 0)], storage="cd_store",
             is_controlled=True, side_effects="Reduced appetite at lunch", low_stock_at=Decimal("5")),
    ],
}
KEYWORDS = {"asthma": "Asthma", "epilepsy": "Epilepsy", "diabetes": "diabetes", "anaphylaxis": "Anaphylaxis"}
REFUSALS = ["Refused: said it tastes horrible", "Refused: upset after lunchtime, would not take it",
            "Refused: said they had it at home"]
NOT_GIVEN = ["Pupil out on a school trip (parents gave it)", "Pupil went home ill before the dose"]


def seed(ctx) -> None:
    today = timezone.localdate()
    for school in ctx.schools:
        if Medicine.objects.filter(school=school).exists():
            continue
        _seed_school(ctx, school, today)


def _school_days(start: datetime.date, end: datetime.date, half_term):
    day = start
    while day <= end:
        if day.weekday() < 5 and not (half_term and half_term[0] <= day <= half_term[1]):
            yield day
        day += datetime.timedelta(days=1)


def _seed_school(ctx, school, today: datetime.date) -> None:
    rng = ctx.rng
    staff = ctx.staff[school]
    senco = staff[Role.SENCO][0]
    ta = (staff[Role.TEACHING_ASSISTANT] or staff[Role.TEACHER])[0]
    office = staff[Role.SCHOOL_ADMIN][0]
    autumn = Term.objects.filter(school=school, starts_on__lte=today).order_by("-starts_on").first()
    term_start = autumn.starts_on if autumn else today - datetime.timedelta(days=70)
    half_term = ((autumn.half_term_starts_on, autumn.half_term_ends_on)
                 if autumn and autumn.half_term_starts_on else None)
    received_on = term_start - datetime.timedelta(days=2)
    created = timezone.make_aware(datetime.datetime.combine(received_on, T(8, 30)))

    pupils = [p for p in ctx.pupils.get(school, []) if p.archived_at is None]
    chosen = {}  # pupil -> [kinds]
    for kind, word in KEYWORDS.items():
        for p in [p for p in pupils if word in p.medical_alerts][:3]:
            chosen.setdefault(p, []).append(kind)
    mine = set(CaseloadEntry.objects.filter(school=school, user=ta, pupil__isnull=False).values_list("pupil_id", flat=True))
    for p in [p for p in pupils if p.pk in mine and p not in chosen][:2]:
        chosen[p] = ["adhd"]

    medicines = []
    amended = False
    for pupil, kinds in chosen.items():
        # One plan in force per pupil: a pupil with two conditions has it for the first (the
        # other's medicines are still listed, with their own agreement).
        planned = next((k for k in kinds if k in PLANS), None)
        if planned:
            _plan(pupil, planned, senco, created, version_two=planned == "epilepsy" and not amended)
            amended = amended or planned == "epilepsy"
        for kind in kinds:
            for fields in MEDICINES[kind]:
                medicines.append(Medicine(
                    school=school, pupil=pupil, consent_from=f"Parent of {pupil.legal_first_name}",
                    consent_given_on=received_on, consent_review_on=received_on + datetime.timedelta(days=365),
                    created_by=office, created_at=created, **{"scheduled_times": [], **fields}))
    adhd = [m for m in medicines if m.name == MEDICINES["adhd"][0]["name"]]
    if len(adhd) > 1:  # set before saving, so its history holds the one agreement (an update would add a second)
        adhd[-1].consent_review_on = today - datetime.timedelta(days=1)
    Medicine.objects.bulk_create(medicines)

    days = list(_school_days(term_start, today - datetime.timedelta(days=1), half_term))
    recent = today - datetime.timedelta(days=7)
    batches, doses, witnessed, told = [], [], [], []
    low_done = False
    # An adrenaline pen (or else another as-needed medicine) has a batch expiring within 30 days.
    expiring = (next((m for m in medicines if m.form == "auto_injector"), None)
                or next((m for m in medicines if m.as_needed and not m.is_controlled), None))
    # The list of parents to tell always has something: the last school day's refusal, the one before's miss.
    scheduled = [m for m in medicines if m.scheduled_times]
    forced = {}
    if scheduled and len(days) >= 2:
        forced[(scheduled[0].pk, days[-1])] = 0.0  # refused
        forced[(scheduled[-1].pk, days[-2])] = 0.04  # missed
    for m in medicines:
        used = Decimal("0")
        m_doses = []
        for day in days:
            for t in m.scheduled_times:
                slot = slot_at(day, t)
                r = rng.random()
                r = forced.get((m.pk, day), r)
                if r < 0.02:
                    m_doses.append(Administration(outcome=Outcome.REFUSED, scheduled_for=slot,
                                                  at=slot + datetime.timedelta(minutes=rng.randint(0, 20)),
                                                  reason=rng.choice(REFUSALS), recorded_by=ta))
                elif r < 0.03:
                    m_doses.append(Administration(outcome=Outcome.NOT_GIVEN, scheduled_for=slot, at=slot,
                                                  reason=rng.choice(NOT_GIVEN), recorded_by=ta))
                elif r < 0.05:
                    m_doses.append(Administration(outcome=Outcome.MISSED, scheduled_for=slot, at=slot,
                                                  reason="Nothing was recorded before the dose's window closed."))
                else:
                    used += m.dose_amount
                    m_doses.append(Administration(
                        outcome=Outcome.GIVEN, scheduled_for=slot, dose_amount=m.dose_amount, recorded_by=ta,
                        at=slot + datetime.timedelta(minutes=rng.randint(-10, 25)), giver_trained=True,
                        witness=office if m.is_controlled else None))
            if m.as_needed and not m.is_controlled and m.form != "auto_injector" and rng.random() < 0.08:
                at = slot_at(day, T(rng.choice([10, 11, 13, 14]), rng.choice([0, 15, 30, 45])))
                if rng.random() < 0.3:  # the parent gave a dose before school: this one waits the gap
                    m_doses.append(Administration(outcome=Outcome.AT_HOME, at=slot_at(day, T(7, 30)),
                                                  dose_amount=m.dose_amount, recorded_by=office,
                                                  reason="Mum rang: dose given before school"))
                    at = max(at, slot_at(day, T(7, 30)) + datetime.timedelta(minutes=m.prn_min_gap_minutes))
                used += m.dose_amount
                m_doses.append(Administration(outcome=Outcome.GIVEN, at=at, dose_amount=m.dose_amount,
                                              recorded_by=ta, reason=m.prn_reason, giver_trained=True))
        # How much came in: enough for the term plus what is left now (one medicine is low).
        if not low_done and not m.as_needed and not m.is_controlled:
            left, low_done = Decimal("3"), True
        else:
            left = m.low_stock_at + m.dose_amount * rng.randint(8, 30)
        expires = today + datetime.timedelta(days=rng.randint(90, 400))
        if m is expiring:
            expires = today + datetime.timedelta(days=rng.randint(10, 25))
        batch = Batch(medicine=m, batch_number=f"{rng.choice('ABCDEFGHJK')}{rng.randint(10000, 99999)}",
                      expires_on=expires, received_on=received_on, quantity_received=used + left,
                      quantity_in_stock=left, received_by=office)
        batches.append(batch)
        stock = used + left
        for a in sorted(m_doses, key=lambda a: a.at):
            a.school, a.pupil, a.medicine = school, m.pupil, m
            a.recorded_at = a.at + datetime.timedelta(minutes=rng.randint(0, 5))
            if a.outcome == Outcome.GIVEN:
                stock -= a.dose_amount
                a.stock_after = stock
                a.batch = batch
        doses.extend(m_doses)
    Batch.objects.bulk_create(batches)
    for a in doses:
        a.batch_id = a.batch.pk if a.batch else None
    Administration.objects.bulk_create(doses)
    for a in doses:
        if a.witness_id:
            witnessed.append(WitnessConfirmation(administration=a, user=a.witness, same_device=True,
                                                 confirmed_at=a.recorded_at))
        if a.outcome in (Outcome.REFUSED, Outcome.NOT_GIVEN, Outcome.MISSED) and a.at.date() < recent:
            told.append(ParentTold(administration=a, told_by=office, told_at=a.at + datetime.timedelta(hours=3),
                                   how=rng.choice(["Phone call", "Note in the home-school book", "Told at pick-up"])))
    WitnessConfirmation.objects.bulk_create(witnessed)
    ParentTold.objects.bulk_create(told)
    cd = next((b for b in batches if b.medicine.is_controlled and not b.medicine.as_needed), None)
    if cd is not None:  # a stock check that found one tablet short, then the count corrected
        StockCheck.objects.create(batch=cd, expected=cd.quantity_in_stock + 1, counted=cd.quantity_in_stock,
                                  note="One tablet short: dropped on the floor on Tuesday and binned, not recorded",
                                  checked_by=office, checked_at=timezone.now() - datetime.timedelta(days=3))
    ctx.log(f"  care: {school.name}: {len(medicines)} medicines for {len(chosen)} pupils, {len(doses)} dose records")


def _plan(pupil, kind, senco, created, version_two=False):
    fields = PLANS[kind]
    review = (created + datetime.timedelta(days=365)).date()
    first = HealthcarePlan.objects.create(pupil=pupil, created_by=senco, created_at=created,
                                          status=VersionStatus.IN_FORCE if not version_two else VersionStatus.SUPERSEDED,
                                          in_force_from=created, signed_off_by=senco, review_on=review, **fields)
    current = first
    if version_two:
        later = created + datetime.timedelta(days=30)
        HealthcarePlan.objects.filter(pk=first.pk).update(superseded_at=later)
        current = HealthcarePlan.objects.create(
            pupil=pupil, lineage=first.lineage, version=2, created_by=senco, created_at=later,
            status=VersionStatus.IN_FORCE, in_force_from=later, signed_off_by=senco, review_on=review,
            **{**fields, "emergency_action": fields["emergency_action"] + " If a second seizure starts within "
               "the hour, call 999 again: no second dose of midazolam at school."})
    pupil.healthcare_emergency = current.emergency_summary
    type(pupil).objects.filter(pk=pupil.pk).update(healthcare_emergency=current.emergency_summary)
