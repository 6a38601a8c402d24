"""Every dose rule, proven: the time window, PRN maximum and gap (counting doses given at home),
expiry, consent, stock, controlled drugs' witness, refusals and missed doses telling the SENCo,
stock arithmetic and stock checks, append-only records."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction
from django.utils import timezone

from accounts.factories import TrainingRecordFactory
from care import services
from care.factories import BatchFactory, MedicineFactory
from care.models import Administration, Outcome, StockCheck, WitnessConfirmation
from sendsupport.models import Notification


def yesterday():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate() - datetime.timedelta(days=1)


def at(hh, mm=0, day=None):
    return services.slot_at(day or yesterday(), datetime.time(hh, mm))


def refusals(**kw):
    with pytest.raises(ValidationError) as exc:
        services.record_administration(**kw)
    return exc.value.message_dict


@pytest.fixture
def scheduled(world):
    """Amelia's noon dose: 2 puffs, 200 in stock."""
    medicine = MedicineFactory(pupil=world.pupil_in, scheduled_times=[datetime.time(12, 0)])
    return medicine, BatchFactory(medicine=medicine)


@pytest.fixture
def prn(world):
    medicine = MedicineFactory(pupil=world.pupil_in, prn=True)
    return medicine, BatchFactory(medicine=medicine)


@pytest.fixture
def cd(world):
    medicine = MedicineFactory(pupil=world.pupil_in, controlled=True)
    return medicine, BatchFactory(medicine=medicine, quantity_received=Decimal("2"))


def give(world, medicine, batch, when, slot=None, who="ta", **kw):
    return services.record_administration(medicine=medicine, outcome=kw.pop("outcome", Outcome.GIVEN), at=when,
                                          scheduled_for=slot, batch=batch, acting_user=world.people[who], **kw)


# --- scheduled doses and the window -----------------------------------------------------------------

def test_scheduled_dose_in_window_is_recorded_and_stock_falls(world, scheduled):
    medicine, batch = scheduled
    record = give(world, medicine, batch, at(12, 10), slot=at(12))
    batch.refresh_from_db()
    assert batch.quantity_in_stock == Decimal("198") and record.stock_after == Decimal("198")
    assert record.dose_amount == Decimal("2") and record.recorded_by == world.people["ta"]
    assert record.giver_trained is False  # no training record: warned, not refused


def test_giver_training_is_copied_onto_the_record(world, scheduled):
    TrainingRecordFactory(school=world.school, user=world.people["ta"], course="medication",
                          completed_on=yesterday() - datetime.timedelta(days=100),
                          expires_on=yesterday() + datetime.timedelta(days=265))  # not the factory's fixed 2027 date
    record = give(world, *scheduled, at(12), slot=at(12))
    assert record.giver_trained is True


def test_too_early_is_refused_with_when_it_may_be_given(world, scheduled):
    medicine, batch = scheduled
    problems = refusals(medicine=medicine, outcome="given", at=at(11, 29), scheduled_for=at(12), batch=batch,
                        acting_user=world.people["ta"])
    assert problems == {"at": ["Too early: the 12:00 dose can be given from 11:30."]}
    assert give(world, medicine, batch, at(11, 30), slot=at(12))  # the window's first minute is fine
    batch.refresh_from_db()
    assert batch.quantity_in_stock == Decimal("198")  # the refused attempt took nothing


def test_too_late_is_refused(world, scheduled):
    problems = refusals(medicine=scheduled[0], outcome="given", at=at(13, 1), scheduled_for=at(12),
                        batch=scheduled[1], acting_user=world.people["ta"])
    assert "window for the 12:00 dose closed at 13:00" in problems["at"][0]


def test_a_scheduled_dose_is_recorded_once(world, scheduled):
    give(world, *scheduled, at(12), slot=at(12))
    problems = refusals(medicine=scheduled[0], outcome="given", at=at(12, 5), scheduled_for=at(12),
                        batch=scheduled[1], acting_user=world.people["senco"])
    assert problems["__all__"] == ["The 12:00 dose was already recorded as given by Ta Person."]


def test_a_time_not_on_the_schedule_is_refused(world, scheduled):
    problems = refusals(medicine=scheduled[0], outcome="given", at=at(15), scheduled_for=at(15),
                        batch=scheduled[1], acting_user=world.people["ta"])
    assert "no dose scheduled at 15:00" in problems["__all__"][0]


def test_a_future_time_is_refused(world, scheduled):
    later = timezone.now() + datetime.timedelta(hours=2)
    problems = refusals(medicine=scheduled[0], outcome="refused", at=later, scheduled_for=None, reason="x",
                        acting_user=world.people["ta"])
    assert problems["at"] == ["That time is in the future."]


# --- consent, expiry, stock, dose -----------------------------------------------------------------

def test_no_consent_means_it_cannot_be_given(world):
    medicine = MedicineFactory(pupil=world.pupil_in, consent_given_on=None, consent_from="")
    batch = BatchFactory(medicine=medicine)
    problems = refusals(medicine=medicine, outcome="given", at=at(12), scheduled_for=at(12), batch=batch,
                        acting_user=world.people["ta"])
    assert problems["__all__"] == ["There is no written agreement from a parent for this medicine. "
                                   "Without it the medicine can't be given."]


def test_consent_past_its_review_date_means_it_cannot_be_given(world):
    medicine = MedicineFactory(pupil=world.pupil_in, consent_review_on=yesterday() - datetime.timedelta(days=1))
    problems = refusals(medicine=medicine, outcome="given", at=at(12), scheduled_for=at(12),
                        batch=BatchFactory(medicine=medicine), acting_user=world.people["ta"])
    assert "due for review" in problems["__all__"][0]


def test_expired_batch_is_refused(world, scheduled):
    medicine, _ = scheduled
    old = BatchFactory(medicine=medicine, expires_on=yesterday() - datetime.timedelta(days=1))
    problems = refusals(medicine=medicine, outcome="given", at=at(12), scheduled_for=at(12), batch=old,
                        acting_user=world.people["ta"])
    assert problems["batch"] == [f"This batch expired on {old.expires_on:%-d %B %Y}: expired medicine can't be given."]


def test_not_enough_stock_is_refused(world, scheduled):
    medicine, _ = scheduled
    low = BatchFactory(medicine=medicine, quantity_received=Decimal("1"))
    problems = refusals(medicine=medicine, outcome="given", at=at(12), scheduled_for=at(12), batch=low,
                        acting_user=world.people["ta"])
    assert problems["batch"] == ["Not enough stock: 1 puffs left in this batch, the dose is 2."]


def test_more_than_the_agreed_dose_is_refused(world, scheduled):
    problems = refusals(medicine=scheduled[0], outcome="given", at=at(12), scheduled_for=at(12),
                        batch=scheduled[1], dose_amount=Decimal("3"), acting_user=world.people["ta"])
    assert problems["dose_amount"] == ["More than the agreed dose (2 puffs)."]


def test_a_batch_of_another_medicine_is_refused(world, scheduled, prn):
    problems = refusals(medicine=scheduled[0], outcome="given", at=at(12), scheduled_for=at(12), batch=prn[1],
                        acting_user=world.people["ta"])
    assert problems["batch"] == ["That batch is not this medicine."]


def test_stopped_medicine_is_refused(world, scheduled):
    medicine, batch = scheduled
    medicine.stopped_on = yesterday() - datetime.timedelta(days=3)
    medicine.save()
    problems = refusals(medicine=medicine, outcome="given", at=at(12), scheduled_for=at(12), batch=batch,
                        acting_user=world.people["ta"])
    assert "stopped" in problems["__all__"][0]


def test_all_reasons_come_back_together(world):
    medicine = MedicineFactory(pupil=world.pupil_in, consent_given_on=None, consent_from="")
    old = BatchFactory(medicine=medicine, expires_on=yesterday() - datetime.timedelta(days=1),
                       quantity_received=Decimal("1"))
    problems = refusals(medicine=medicine, outcome="given", at=at(11), scheduled_for=at(12), batch=old,
                        acting_user=world.people["ta"])
    assert set(problems) == {"__all__", "at", "batch"} and len(problems["batch"]) == 2


# --- PRN ------------------------------------------------------------------------------------------

def test_prn_needs_a_reason(world, prn):
    problems = refusals(medicine=prn[0], outcome="given", at=at(10), batch=prn[1], acting_user=world.people["ta"])
    assert problems["reason"] == ["Say why it was needed (Wheeze, cough or tight chest)."]


def test_prn_minimum_gap_counts_a_dose_given_at_home(world, prn):
    medicine, batch = prn
    services.record_administration(medicine=medicine, outcome=Outcome.AT_HOME, at=at(8), dose_amount=Decimal("2"),
                                   reason="Mum gave it before school", acting_user=world.people["admin"])
    problems = refusals(medicine=medicine, outcome="given", at=at(11, 59), batch=batch, reason="Wheezy",
                        acting_user=world.people["ta"])
    assert problems["at"] == ["Too soon: a dose was given at home (reported by the parent) at "
                              f"{at(8):%-d %b} 08:00; doses must be at least 240 minutes apart, so not before "
                              f"{at(8):%-d %b} 12:00."]
    assert give(world, medicine, batch, at(12), reason="Wheezy")
    batch.refresh_from_db()
    assert batch.quantity_in_stock == Decimal("198")  # the home dose took nothing from school stock


def test_prn_maximum_in_24_hours(world, prn):
    medicine, batch = prn
    medicine.prn_min_gap_minutes = 60
    medicine.save()
    day_before = yesterday() - datetime.timedelta(days=1)
    services.record_administration(medicine=medicine, outcome=Outcome.AT_HOME, at=at(18, 0, day_before),
                                   dose_amount=Decimal("2"), acting_user=world.people["admin"])
    for hh in (9, 11, 13):
        give(world, medicine, batch, at(hh), reason="Wheezy")
    problems = refusals(medicine=medicine, outcome="given", at=at(15), batch=batch, reason="Wheezy",
                        acting_user=world.people["ta"])
    assert problems["__all__"] == ["Already 4 doses in the 24 hours before 15:00 (most allowed: 4). "
                                   f"The next may be given from {at(18):%-d %b} 18:00."]
    assert give(world, medicine, batch, at(18, 1), reason="Wheezy")  # the home dose has dropped out of the 24 h


# --- refusals and missed doses ---------------------------------------------------------------------

def test_refusal_needs_a_reason_takes_no_stock_and_tells_the_senco(world, scheduled, django_capture_on_commit_callbacks):
    medicine, batch = scheduled
    problems = refusals(medicine=medicine, outcome="refused", at=at(12), scheduled_for=at(12), batch=batch,
                        acting_user=world.people["ta"])
    assert problems == {"reason": ["Say why the dose was refused."]}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record = give(world, medicine, batch, at(12), slot=at(12), outcome="refused", reason="Spat it out")
    assert record.batch is None and record.dose_amount is None
    batch.refresh_from_db()
    assert batch.quantity_in_stock == Decimal("200")
    told = Notification.objects.filter(subject__startswith="Medicine refused")
    assert [n.user for n in told] == [world.people["senco"]]
    assert callbacks  # the email goes out after commit


def test_missed_doses_are_flagged_once_and_tell_the_senco(world, scheduled):
    medicine, _ = scheduled
    other = MedicineFactory(pupil=world.pupil_class, name="Methylphenidate", scheduled_times=[datetime.time(12)])
    day = _weekday()
    now = services.slot_at(day, datetime.time(13, 1))
    created = services.flag_missed_doses(now=now)
    assert {(a.medicine_id, a.outcome) for a in created} == {(medicine.pk, "missed"), (other.pk, "missed")}
    assert services.flag_missed_doses(now=now + datetime.timedelta(minutes=15)) == []
    assert Administration.objects.filter(outcome="missed").count() == 2
    notes = Notification.objects.filter(subject="2 missed doses of medicine")
    assert [n.user for n in notes] == [world.people["senco"]]


def test_a_dose_recorded_in_time_is_not_flagged_missed(world, scheduled):
    day = _weekday()
    give(world, *scheduled, services.slot_at(day, datetime.time(12, 10)), slot=services.slot_at(day, datetime.time(12)))
    assert services.flag_missed_doses(now=services.slot_at(day, datetime.time(13, 30))) == []


def test_window_still_open_is_not_missed(world, scheduled):
    assert services.flag_missed_doses(now=services.slot_at(_weekday(), datetime.time(12, 59))) == []


def test_no_missed_doses_at_weekends(world, scheduled):
    saturday = _weekday() + datetime.timedelta(days=(5 - _weekday().weekday()))
    assert services.flag_missed_doses(now=services.slot_at(saturday, datetime.time(18))) == []


def _weekday():
    """The most recent weekday on or before yesterday (the medicine's agreement covers it)."""
    day = yesterday()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def test_parent_told_is_marked_once(world, scheduled):
    record = give(world, *scheduled, at(12), slot=at(12), outcome="not_given", reason="Pupil absent from class")
    first = services.mark_parent_told(administration=record, how="Phone call", acting_user=world.people["admin"])
    assert services.mark_parent_told(administration=record, acting_user=world.people["senco"]) == first
    given = give(world, *scheduled, at(12, 0, yesterday() - datetime.timedelta(days=1)),
                 slot=at(12, 0, yesterday() - datetime.timedelta(days=1)))
    with pytest.raises(ValidationError):
        services.mark_parent_told(administration=given, acting_user=world.people["admin"])


# --- controlled drugs -----------------------------------------------------------------------------

def test_controlled_drug_needs_a_witness_who_is_someone_else_who_may_give(world, cd):
    medicine, batch = cd
    base = dict(medicine=medicine, outcome="given", at=at(10), batch=batch, reason="Seizure over 5 minutes",
                acting_user=world.people["ta"])
    assert refusals(**base)["witness"] == ["A controlled drug needs a second member of staff to witness the dose."]
    assert refusals(**base, witness=world.people["ta"])["witness"] == [
        "The witness must be someone other than the person giving the dose."]
    assert refusals(**base, witness=world.people["dsl"])["witness"] == [  # DSL may not give medicines
        "The witness must be a member of staff at this school who may give medicines."]
    assert refusals(**base, witness=world.people["other_school_senco"])["witness"]


def test_controlled_drug_witnessed_on_the_same_device(world, cd):
    medicine, batch = cd
    record = give(world, medicine, batch, at(10), reason="Seizure over 5 minutes", witness=world.people["admin"],
                  witness_confirmed=True)
    confirmation = WitnessConfirmation.objects.get(administration=record)
    assert confirmation.user == world.people["admin"] and confirmation.same_device
    assert record.stock_after == Decimal("1")
    assert not Notification.objects.filter(subject__startswith="Witness needed").exists()


def test_controlled_drug_witness_confirms_from_their_own_login(world, cd):
    medicine, batch = cd
    record = give(world, medicine, batch, at(10), reason="Seizure", witness=world.people["other_ta"])
    note = Notification.objects.get(subject__startswith="Witness needed")
    assert note.user == world.people["other_ta"] and note.url == f"/care/doses/{record.pk}/witness/"
    with pytest.raises(ValidationError):
        services.confirm_witness(administration=record, witness=world.people["senco"])
    first = services.confirm_witness(administration=record, witness=world.people["other_ta"])
    assert not first.same_device
    assert services.confirm_witness(administration=record, witness=world.people["other_ta"]) == first


def test_controlled_drug_running_count_refuses_the_dose_that_is_not_there(world, cd):
    medicine, batch = cd
    medicine.prn_max_doses_24h = 3
    medicine.save()
    give(world, medicine, batch, at(9), reason="Seizure", witness=world.people["admin"], witness_confirmed=True)
    give(world, medicine, batch, at(10), reason="Seizure", witness=world.people["admin"], witness_confirmed=True)
    problems = refusals(medicine=medicine, outcome="given", at=at(11), batch=batch, reason="Seizure",
                        witness=world.people["admin"], acting_user=world.people["ta"])
    assert problems["batch"] == ["Not enough stock: 0 pre-filled syringes left in this batch, the dose is 1."]


# --- stock checks ---------------------------------------------------------------------------------

def test_stock_check_that_matches_changes_nothing_and_tells_nobody(world, cd):
    check = services.record_stock_check(batch=cd[1], counted=Decimal("2"), acting_user=world.people["admin"])
    assert check.expected == check.counted == Decimal("2") and check.discrepancy == 0
    assert not Notification.objects.exists()


def test_stock_check_mismatch_is_recorded_and_flagged_to_senco_and_senior(world, cd):
    medicine, batch = cd
    give(world, medicine, batch, at(10), reason="Seizure", witness=world.people["admin"], witness_confirmed=True)
    with pytest.raises(ValidationError) as exc:
        services.record_stock_check(batch=batch, counted=Decimal("0"), acting_user=world.people["admin"])
    assert "note" in exc.value.message_dict  # a difference needs an explanation
    check = services.record_stock_check(batch=batch, counted=Decimal("0"), note="Box empty",
                                        acting_user=world.people["admin"])
    assert (check.expected, check.counted, check.discrepancy) == (Decimal("1"), Decimal("0"), Decimal("-1"))
    batch.refresh_from_db()
    assert batch.quantity_in_stock == Decimal("0")
    told = Notification.objects.filter(subject__startswith="Stock mismatch: controlled drug")
    assert {n.user for n in told} == {world.people["senco"], world.people["senior"]}


def test_returning_a_batch_closes_it(world, scheduled):
    medicine, batch = scheduled
    give(world, medicine, batch, at(12), slot=at(12))
    services.return_batch(batch=batch, acting_user=world.people["admin"])
    services.return_batch(batch=batch, acting_user=world.people["admin"])  # second click: no-op
    batch.refresh_from_db()
    assert (batch.quantity_returned, batch.quantity_in_stock) == (Decimal("198"), Decimal("0"))
    problems = refusals(medicine=medicine, outcome="given", at=at(12, 0, timezone.localdate() - datetime.timedelta(days=2)),
                        scheduled_for=at(12, 0, timezone.localdate() - datetime.timedelta(days=2)), batch=batch,
                        acting_user=world.people["ta"])
    assert problems["batch"] == ["That batch was returned to the parent."]


# --- evidence -------------------------------------------------------------------------------------

def test_dose_records_are_append_only_and_corrected_by_addenda(world, scheduled):
    record = give(world, *scheduled, at(12), slot=at(12))
    with pytest.raises(ProgrammingError), transaction.atomic():
        Administration.objects.filter(pk=record.pk).update(reaction="edited")
    with pytest.raises(ProgrammingError), transaction.atomic():
        Administration.objects.filter(pk=record.pk).delete()
    services.add_addendum(administration=record, text="Time was 12:20, not 12:00", acting_user=world.people["ta"])
    assert record.addenda.get().author == world.people["ta"]
    with pytest.raises(ProgrammingError), transaction.atomic():
        StockCheck.objects.create(batch=scheduled[1], expected=1, counted=1, checked_by=world.people["admin"]).delete()


def test_history_names_who_gave_the_dose(world, scheduled):
    record = give(world, *scheduled, at(12), slot=at(12))
    event = apps.get_model("care", "AdministrationEvent").objects.get(pgh_obj_id=record.pk)
    assert event.pgh_context.metadata == {"user": world.people["ta"].pk, "action": "medicine.given"}
    stock_event = apps.get_model("care", "BatchEvent").objects.filter(pgh_obj_id=scheduled[1].pk).latest("pgh_id")
    assert (stock_event.quantity_in_stock, stock_event.pgh_context.metadata["action"]) == (198, "medicine.given")


def test_a_medicine_reads_as_on_the_container_once_and_doses_in_good_english():
    from decimal import Decimal

    from care.models import Medicine

    pen = Medicine(name="EpiPen 300 micrograms auto-injector", strength="300 micrograms", unit="pens",
                   dose_amount=Decimal("1.00"))
    assert pen.label == "EpiPen 300 micrograms auto-injector" and pen.dose_label == "1 pen"
    syrup = Medicine(name="Calpol", strength="120 mg/5 ml", unit="ml", dose_amount=Decimal("5.00"))
    assert syrup.label == "Calpol 120 mg/5 ml" and syrup.dose_label == "5 ml"
    tablets = Medicine(name="Lamotrigine", strength="25 mg", unit="tablets", dose_amount=Decimal("2"))
    assert tablets.dose_label == "2 tablets"
