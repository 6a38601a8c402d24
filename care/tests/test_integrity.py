"""Holes closed by review: services check the acting person's school and ability whoever calls
them (tasks, commands, the shell); ids posted or in the URL from another pupil, medicine, caseload
or school are refused; stock amounts keep two decimal places; signed-off plans, whose medicine it
is and what a batch was on receipt never change; sensitive lists are logged."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import ProgrammingError, transaction
from django.utils import timezone

from accounts.models import Membership
from care import services
from care.factories import BatchFactory, HealthcarePlanFactory, MedicineFactory
from care.models import Administration, Batch, HealthcarePlan, Medicine
from sendsupport.models import AccessLog


def earlier(minutes=30):
    return timezone.now() - datetime.timedelta(minutes=minutes)


@pytest.fixture
def stock(world):
    prn = MedicineFactory(pupil=world.pupil_in, prn=True)
    cd = MedicineFactory(pupil=world.pupil_in, controlled=True)
    return {"prn": prn, "batch": BatchFactory(medicine=prn), "cd": cd,
            "cd_batch": BatchFactory(medicine=cd, quantity_received=Decimal("2")),
            "other_batch": BatchFactory(medicine=MedicineFactory(pupil=world.pupil_in, prn=True, name="Cetirizine"))}


def refused(world, stock, **kw):
    base = dict(medicine=stock["prn"], outcome="given", at=earlier(), batch=stock["batch"], reason="Wheezy",
                acting_user=world.people["ta"])
    with pytest.raises(ValidationError) as exc:
        services.record_administration(**{**base, **kw})
    return exc.value.message_dict


# --- services check the acting person, whoever calls ---------------------------------------------

@pytest.mark.parametrize("who", ["other_school_senco", "dsl"])
def test_only_staff_of_the_school_who_may_give_can_record_a_dose(world, stock, who):
    assert refused(world, stock, acting_user=world.people[who])["__all__"] == [
        "Only staff of this school who may give medicines can record a dose."]
    assert not Administration.objects.exists()


def test_management_services_refuse_another_schools_staff_and_those_without_the_ability(world, stock):
    dose = services.record_administration(medicine=stock["prn"], outcome="refused", at=earlier(), reason="No",
                                          acting_user=world.people["ta"])
    plan = HealthcarePlanFactory(pupil=world.pupil_in, created_by=world.people["senco"])
    calls = {
        "receive": lambda u: services.receive_batch(medicine=stock["prn"], batch_number="X", quantity=Decimal("5"),
                                                    expires_on=timezone.localdate() + datetime.timedelta(days=90),
                                                    acting_user=u),
        "return": lambda u: services.return_batch(batch=stock["batch"], acting_user=u),
        "count": lambda u: services.record_stock_check(batch=stock["batch"], counted=Decimal("1"), note="?",
                                                       acting_user=u),
        "parent told": lambda u: services.mark_parent_told(administration=dose, acting_user=u),
        "sign off": lambda u: services.sign_off_plan(plan=plan, acting_user=u),
    }
    for name, call in calls.items():
        for who in ("other_school_senco", "ta", "senior"):  # another school; may give or read, not manage
            with pytest.raises(PermissionDenied), transaction.atomic():
                call(world.people[who])
    with pytest.raises(PermissionDenied):
        services.add_addendum(administration=dose, text="x", acting_user=world.people["other_school_senco"])
    assert not Batch.objects.filter(batch_number="X").exists() and Batch.objects.get(pk=stock["batch"].pk).is_open
    assert HealthcarePlan.objects.get(pk=plan.pk).is_draft and not hasattr(dose, "parent_told")


def test_a_witness_who_has_left_the_school_cannot_confirm(world, stock):
    record = services.record_administration(medicine=stock["cd"], outcome="given", at=earlier(), batch=stock["cd_batch"],
                                            reason="Seizure", witness=world.people["other_ta"],
                                            acting_user=world.people["ta"])
    Membership.objects.filter(user=world.people["other_ta"]).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.confirm_witness(administration=record, witness=world.people["other_ta"])


def test_a_witness_cannot_be_the_giver_nor_from_another_school(world, stock):
    base = dict(medicine=stock["cd"], batch=stock["cd_batch"], reason="Seizure")
    assert refused(world, stock, **base, witness=world.people["ta"])["witness"]
    assert refused(world, stock, **base, witness=world.people["other_school_senco"])["witness"]


# --- stock arithmetic -----------------------------------------------------------------------------

def test_amounts_finer_than_two_places_are_refused_not_rounded(world, stock):
    assert refused(world, stock, dose_amount=Decimal("0.333"))["dose_amount"] == [
        "Give the dose to at most two decimal places."]
    with pytest.raises(ValidationError) as exc:
        services.record_stock_check(batch=stock["batch"], counted=Decimal("199.995"), note="odd",
                                    acting_user=world.people["admin"])
    assert "counted" in exc.value.message_dict
    stock["batch"].refresh_from_db()
    assert stock["batch"].quantity_in_stock == Decimal("200") and not stock["batch"].stock_checks.exists()
    # Two-place doses add up exactly: 200 - 3 x 0.25 = 199.25, on the batch and on the last record.
    for minutes in (600, 300, 30):
        record = services.record_administration(medicine=stock["prn"], outcome="given", at=earlier(minutes),
                                                batch=stock["batch"], dose_amount=Decimal("0.25"), reason="Wheezy",
                                                acting_user=world.people["ta"])
    stock["batch"].refresh_from_db()
    assert stock["batch"].quantity_in_stock == record.stock_after == Decimal("199.25")


def test_a_returned_batch_cannot_be_counted(world, stock):
    services.return_batch(batch=stock["batch"], acting_user=world.people["admin"])
    with pytest.raises(ValidationError):
        services.record_stock_check(batch=stock["batch"], counted=Decimal("3"), note="found some",
                                    acting_user=world.people["admin"])


# --- records that never change ---------------------------------------------------------------------

def test_signed_off_plan_medicine_owner_and_batch_receipt_are_fixed(world, stock):
    plan = HealthcarePlanFactory(pupil=world.pupil_in, created_by=world.people["senco"])
    HealthcarePlan.objects.filter(pk=plan.pk).update(emergency_summary="Draft: still changing")  # drafts change
    services.sign_off_plan(plan=plan, acting_user=world.people["senco"])
    for qs, change in [
        (HealthcarePlan.objects.filter(pk=plan.pk), {"emergency_action": "Edited after sign-off"}),
        (HealthcarePlan.objects.filter(pk=plan.pk), {"status": "draft"}),
        (Medicine.objects.filter(pk=stock["prn"].pk), {"pupil": world.pupil_out}),
        (Medicine.objects.filter(pk=stock["prn"].pk), {"school": world.other_school}),
        (Batch.objects.filter(pk=stock["batch"].pk), {"medicine": stock["cd"]}),
        (Batch.objects.filter(pk=stock["batch"].pk), {"quantity_received": Decimal("500")}),
    ]:
        with pytest.raises(ProgrammingError), transaction.atomic():
            qs.update(**change)
    services.return_batch(batch=stock["batch"], acting_user=world.people["admin"])
    with pytest.raises(ProgrammingError), transaction.atomic():
        Batch.objects.filter(pk=stock["batch"].pk).update(quantity_in_stock=Decimal("50"), returned_on=None)
    # What may change still can: a renewed agreement, a running count.
    Medicine.objects.filter(pk=stock["prn"].pk).update(consent_review_on=timezone.localdate())
    Batch.objects.filter(pk=stock["cd_batch"].pk).update(quantity_in_stock=Decimal("1"))


# --- ids from elsewhere ----------------------------------------------------------------------------

def test_posted_batch_of_another_medicine_and_foreign_witness_are_refused(client, world, stock):
    client.force_login(world.people["ta"])
    when = timezone.localtime(earlier()).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/care/medicines/{stock['prn'].pk}/give/", {
        "outcome": "given", "at": when, "dose_amount": "2", "batch": stock["other_batch"].pk, "reason": "Wheezy"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(f"/care/medicines/{stock['cd'].pk}/give/", {
        "outcome": "given", "at": when, "dose_amount": "1", "batch": stock["cd_batch"].pk, "reason": "Seizure",
        "witness": world.people["other_school_senco"].pk})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Administration.objects.exists()


@pytest.mark.parametrize("who", ["other_school_senco", "other_ta"])
def test_urls_with_ids_of_another_school_or_caseload_are_404(client, world, stock, who):
    dose = services.record_administration(medicine=stock["cd"], outcome="given", at=earlier(), batch=stock["cd_batch"],
                                          reason="Seizure", witness=world.people["admin"], witness_confirmed=True,
                                          acting_user=world.people["ta"])
    refusal = services.record_administration(medicine=stock["prn"], outcome="refused", at=earlier(), reason="No",
                                             acting_user=world.people["ta"])
    client.force_login(world.people[who])
    batch, medicine = stock["batch"].pk, stock["prn"].pk
    gets = [f"/care/medicines/{medicine}/give/", f"/care/doses/{dose.pk}/", f"/care/doses/{dose.pk}/witness/",
            f"/care/pupils/{world.pupil_in.pk}/", f"/care/pupils/{world.pupil_in.pk}/plan/"]
    if who == "other_school_senco":  # managers only: the other TA gets 403 before any lookup
        gets += [f"/care/batches/{batch}/check/", f"/care/medicines/{medicine}/edit/",
                 f"/care/medicines/{medicine}/receive/", f"/care/pupils/{world.pupil_in.pk}/plan/edit/"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [f"/care/doses/{dose.pk}/witness/", f"/care/doses/{refusal.pk}/"]
    if who == "other_school_senco":
        posts += [f"/care/batches/{batch}/return/", f"/care/doses/{refusal.pk}/parent-told/",
                  f"/care/pupils/{world.pupil_in.pk}/plan/sign-off/"]
    for url in posts:
        assert client.post(url, {"text": "x", "how": "x"}).status_code == 404, url
    assert Batch.objects.get(pk=batch).is_open and not hasattr(Administration.objects.get(pk=refusal.pk), "parent_told")
    assert not refusal.addenda.exists()


# --- audit ----------------------------------------------------------------------------------------

def test_sensitive_lists_and_the_witness_page_are_logged(client, world, stock):
    dose = services.record_administration(medicine=stock["cd"], outcome="given", at=earlier(), batch=stock["cd_batch"],
                                          reason="Seizure", witness=world.people["admin"],
                                          acting_user=world.people["ta"])
    client.force_login(world.people["admin"])
    for url in ("/care/due/", "/care/stock/", f"/care/doses/{dose.pk}/witness/"):
        assert client.get(url).status_code == 200
    assert set(AccessLog.objects.filter(user=world.people["admin"]).values_list("action", flat=True)) >= {
        "care.due_now.view", "care.stock.view", "care.witness.view"}
    assert AccessLog.objects.get(action="care.witness.view").pupil == world.pupil_in


def test_opening_the_plan_form_starts_no_draft_saving_does(client, world):
    plan = HealthcarePlanFactory(pupil=world.pupil_in, created_by=world.people["senco"])
    services.sign_off_plan(plan=plan, acting_user=world.people["senco"])
    client.force_login(world.people["senco"])
    url = f"/care/pupils/{world.pupil_in.pk}/plan/edit/"
    html = client.get(url).content.decode()
    assert "Draft of version 2" in html and "Severe asthma attack" in html  # the plan in force, to change
    assert not HealthcarePlan.objects.filter(status="draft").exists()  # a GET (or a link followed) writes nothing
    data = {f: getattr(plan, f) for f in ("condition", "emergency_signs", "emergency_action",
                                         "emergency_responsible", "emergency_summary")}
    assert client.post(url, {**data, "review_on": "2027-09-01", "triggers": "Pollen"}).status_code == 302
    draft = HealthcarePlan.objects.get(status="draft")
    assert (draft.version, draft.triggers, draft.lineage) == (2, "Pollen", plan.lineage)


def test_a_backdated_prn_dose_counts_against_doses_recorded_after_it(world):
    """Max 1 in 24 hours and no gap: a dose recorded at 10:10 leaves no room for one typed in as 10:00."""
    medicine = MedicineFactory(pupil=world.pupil_in, prn=True, prn_max_doses_24h=1, prn_min_gap_minutes=0)
    batch = BatchFactory(medicine=medicine)
    base = dict(medicine=medicine, outcome="given", batch=batch, reason="Wheezy", acting_user=world.people["ta"])
    services.record_administration(**base, at=earlier(50))
    with pytest.raises(ValidationError) as exc:
        services.record_administration(**base, at=earlier(60))
    assert "more than 1 in 24 hours" in exc.value.message_dict["__all__"][0]
    assert Administration.objects.count() == 1
