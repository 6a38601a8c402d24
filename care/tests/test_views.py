"""Medication pages: who may open what (every role, each refusal), "due now" in a fixed number of
queries, the give form's refusals next to the field with typed values kept, the controlled-drug
witness on the same device and from their own login, parents told, stock checks, healthcare plans
(versioned, emergency summary on the banner) and the medicine form's bad input."""

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import staff_context_for
from care import services
from care.factories import BatchFactory, HealthcarePlanFactory, MedicineFactory
from care.models import Administration, HealthcarePlan, Medicine, WitnessConfirmation
from care.panels import home_panel, pupil_panel
from pupils.factories import PupilFactory
from sendsupport.models import AccessLog, Notification

PASSWORD = "correct horse battery staple"


def now_slot(minutes_ago=10):
    """A scheduled time whose window is open now (skips the first quarter hour after midnight)."""
    local = timezone.localtime()
    if local.hour == 0 and local.minute < 15:
        pytest.skip("window would cross midnight")
    return (local - datetime.timedelta(minutes=minutes_ago)).time().replace(second=0, microsecond=0)


@pytest.fixture
def meds(world):
    slot = now_slot()
    noon = MedicineFactory(pupil=world.pupil_in, name="Lamotrigine", strength="25 mg", form="tablet", route="oral",
                           dose_amount=Decimal("1"), unit="tablets", scheduled_times=[slot])
    BatchFactory(medicine=noon, quantity_received=Decimal("28"))
    inhaler = MedicineFactory(pupil=world.pupil_in, prn=True)
    BatchFactory(medicine=inhaler)
    cd = MedicineFactory(pupil=world.pupil_in, controlled=True)
    BatchFactory(medicine=cd, quantity_received=Decimal("2"))
    other = MedicineFactory(pupil=world.pupil_out, name="Melatonin", scheduled_times=[slot])
    BatchFactory(medicine=other)
    return {"slot": slot, "scheduled": noon, "prn": inhaler, "cd": cd, "out": other}


def local_input(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- who may do what --------------------------------------------------------------------------------

@pytest.mark.parametrize("who,due,give,pupil,pupil_out,stock,plan_edit", [
    ("ta", 200, 200, 200, 404, 403, 403),
    ("teacher", 200, 404, 404, 404, 403, 403),  # Amelia isn't in the teacher's class
    ("other_ta", 200, 404, 404, 404, 403, 403),
    ("senco", 200, 200, 200, 200, 200, 200),
    ("senior", 403, 403, 200, 200, 403, 403),  # reads, never gives
    ("admin", 200, 200, 200, 200, 200, 200),  # the office takes in, gives and keeps stock
    ("dsl", 403, 403, 403, 403, 403, 403),
    ("other_school_senco", 200, 404, 404, 404, 200, 404),
])
def test_access_per_role(client, world, meds, who, due, give, pupil, pupil_out, stock, plan_edit):
    client.force_login(world.people[who])
    assert client.get("/care/due/").status_code == due
    assert client.get(f"/care/medicines/{meds['scheduled'].pk}/give/").status_code == give
    assert client.get(f"/care/pupils/{world.pupil_in.pk}/").status_code == pupil
    assert client.get(f"/care/pupils/{world.pupil_out.pk}/").status_code == pupil_out
    assert client.get("/care/stock/").status_code == stock
    assert client.get(f"/care/pupils/{world.pupil_in.pk}/plan/edit/").status_code == plan_edit
    response = client.post(f"/care/medicines/{meds['prn'].pk}/give/",
                           {"outcome": "given", "at": local_input(timezone.now()), "dose_amount": "2",
                            "batch": meds["prn"].batches.get().pk, "reason": "Wheezy"})
    assert response.status_code == (302 if give == 200 else give)
    assert Administration.objects.count() == (1 if give == 200 else 0)


def test_due_now_lists_only_pupils_one_may_see(client, world, meds):
    client.force_login(world.people["ta"])
    html = client.get("/care/due/").content.decode()
    assert "Amelia Hughes" in html and "Lamotrigine" in html and "Isla" not in html and "Melatonin" not in html
    client.force_login(world.people["senco"])
    html = client.get("/care/due/").content.decode()
    assert "Isla Morgan" in html and "Melatonin" in html
    assert "from 30 minutes before its time to 60 minutes after" in html  # the window is printed


def test_due_now_query_count_is_flat(client, world, meds, django_assert_num_queries):
    client.force_login(world.people["senco"])
    client.get("/care/due/")
    # session, user, membership, medicines + pupils, their open batches, doses of the last 24 hours
    # (with their recorders), the access log, the school's term dates, session save (in a savepoint: 3)
    with django_assert_num_queries(11):
        assert client.get("/care/due/").status_code == 200
    for i in range(8):
        pupil = PupilFactory(school=world.school, legal_first_name=f"Extra{i}")
        m = MedicineFactory(pupil=pupil, scheduled_times=[meds["slot"], datetime.time(15, 0)])
        services.record_administration(medicine=m, outcome="given", at=timezone.now(), batch=BatchFactory(medicine=m),
                                       scheduled_for=services.slot_at(timezone.localdate(), meds["slot"]),
                                       acting_user=world.people["ta"])
    with django_assert_num_queries(11):
        assert "Extra7" in client.get("/care/due/").content.decode()


# --- giving ---------------------------------------------------------------------------------------

def test_ta_gives_a_scheduled_dose_from_due_now(client, world, meds):
    client.force_login(world.people["ta"])
    html = client.get("/care/due/").content.decode()
    slot = meds["slot"].strftime("%H:%M")
    give_url = f"/care/medicines/{meds['scheduled'].pk}/give/?slot={slot}"
    assert give_url.replace("?", "?") in html.replace("&amp;", "&")
    form = client.get(give_url)
    assert form.status_code == 200 and "not_given" in form.content.decode()
    batch = meds["scheduled"].batches.get()
    response = client.post(give_url, {"slot": slot, "outcome": "given", "at": local_input(timezone.now()),
                                      "dose_amount": "1", "batch": batch.pk, "reaction": ""})
    assert response.status_code == 302 and response["Location"] == "/care/due/"
    record = Administration.objects.get()
    assert record.outcome == "given" and timezone.localtime(record.scheduled_for).time() == meds["slot"]  # UTC in BST
    batch.refresh_from_db()
    assert batch.quantity_in_stock == 27
    assert AccessLog.objects.filter(action="care.give_form", pupil=world.pupil_in).exists()
    assert "Given" in client.get("/care/due/").content.decode()


def test_too_early_dose_shows_the_reason_next_to_the_time_and_keeps_what_was_typed(client, world, meds):
    later = (timezone.localtime() + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    if later < datetime.time(2, 0):
        pytest.skip("crosses midnight")
    medicine = MedicineFactory(pupil=world.pupil_in, name="Insulin", scheduled_times=[later])
    batch = BatchFactory(medicine=medicine)
    client.force_login(world.people["ta"])
    url = f"/care/medicines/{medicine.pk}/give/?slot={later:%H:%M}"
    response = client.post(url, {"slot": f"{later:%H:%M}", "outcome": "given", "at": local_input(timezone.now()),
                                 "dose_amount": "2", "batch": batch.pk, "reaction": "typed text kept"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    opens = (datetime.datetime.combine(datetime.date.today(), later) - datetime.timedelta(minutes=30)).time()
    assert errors["at"] == [f"Too early: the {later:%H:%M} dose can be given from {opens:%H:%M}."]
    html = response.content.decode()
    assert "typed text kept" in html and "Too early" in html
    assert not Administration.objects.exists()


def test_refusal_without_a_reason_is_refused_next_to_reason(client, world, meds):
    client.force_login(world.people["ta"])
    slot = meds["slot"].strftime("%H:%M")
    response = client.post(f"/care/medicines/{meds['scheduled'].pk}/give/?slot={slot}",
                           {"slot": slot, "outcome": "refused", "at": local_input(timezone.now())})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Say why the dose was refused."]


def test_controlled_drug_with_witness_password_on_the_same_device(client, world, meds):
    admin = world.people["admin"]
    admin.set_password(PASSWORD)
    admin.save()
    batch = meds["cd"].batches.get()
    client.force_login(world.people["ta"])
    url = f"/care/medicines/{meds['cd'].pk}/give/"
    data = {"outcome": "given", "at": local_input(timezone.now()), "dose_amount": "1", "batch": batch.pk,
            "reason": "Seizure over 5 minutes", "witness": admin.pk, "witness_password": "wrong"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["witness_password"] == [
        "That password is not right for the witness chosen."]
    response = client.post(url, {**data, "witness_password": PASSWORD})
    assert response.status_code == 302
    confirmation = WitnessConfirmation.objects.get()
    assert confirmation.user == admin and confirmation.same_device
    batch.refresh_from_db()
    assert batch.quantity_in_stock == 1


def test_controlled_drug_witness_confirms_on_their_own_login(client, world, meds):
    batch = meds["cd"].batches.get()
    client.force_login(world.people["ta"])
    client.post(f"/care/medicines/{meds['cd'].pk}/give/", {
        "outcome": "given", "at": local_input(timezone.now()), "dose_amount": "1", "batch": batch.pk,
        "reason": "Seizure", "witness": world.people["other_ta"].pk, "witness_password": ""})
    record = Administration.objects.get()
    assert client.get(f"/care/doses/{record.pk}/witness/").status_code == 404  # not the giver's to confirm
    client.force_login(world.people["senco"])
    assert client.get(f"/care/doses/{record.pk}/witness/").status_code == 404
    client.force_login(world.people["other_ta"])  # Amelia isn't on their caseload: they still witness
    home = client.get("/").content.decode()
    assert "Witness needed" in home and f"/care/doses/{record.pk}/witness/" in home
    assert client.post(f"/care/doses/{record.pk}/witness/").status_code == 302
    assert WitnessConfirmation.objects.get().same_device is False
    assert 'id="care-home-h"' not in client.get("/").content.decode()  # nothing left to witness or give


def test_addendum_on_a_dose(client, world, meds):
    record = services.record_administration(medicine=meds["prn"], outcome="given", at=timezone.now(),
                                            batch=meds["prn"].batches.get(), reason="Wheezy",
                                            acting_user=world.people["ta"])
    client.force_login(world.people["ta"])
    assert client.post(f"/care/doses/{record.pk}/", {"text": ""}).status_code == 200
    assert client.post(f"/care/doses/{record.pk}/", {"text": "Also coughing"}).status_code == 302
    assert record.addenda.get().text == "Also coughing"
    client.force_login(world.people["senior"])
    assert client.get(f"/care/doses/{record.pk}/").status_code == 200
    assert client.post(f"/care/doses/{record.pk}/", {"text": "x"}).status_code == 403


# --- parents told, stock --------------------------------------------------------------------------

def test_refused_dose_is_listed_and_marked_parent_told(client, world, meds):
    record = services.record_administration(
        medicine=meds["scheduled"], outcome="refused", at=timezone.now(), reason="Spat it out",
        scheduled_for=services.slot_at(timezone.localdate(), meds["slot"]), acting_user=world.people["ta"])
    client.force_login(world.people["ta"])
    assert "Spat it out" in client.get("/care/exceptions/").content.decode()
    assert client.post(f"/care/doses/{record.pk}/parent-told/", {"how": "Phone"}).status_code == 403
    client.force_login(world.people["admin"])
    assert client.post(f"/care/doses/{record.pk}/parent-told/", {"how": "Phone call to mum"}).status_code == 302
    assert record.parent_told.how == "Phone call to mum"
    assert "Spat it out" not in client.get("/care/exceptions/").content.decode()


def test_stock_check_page_records_a_mismatch(client, world, meds):
    batch = meds["cd"].batches.get()
    client.force_login(world.people["admin"])
    response = client.post(f"/care/batches/{batch.pk}/check/", {"counted": "1"})
    assert response.status_code == 400 and "say what you found" in response.content.decode()
    assert client.post(f"/care/batches/{batch.pk}/check/", {"counted": "1", "note": "One missing"}).status_code == 302
    assert Notification.objects.filter(subject__startswith="Stock mismatch").count() == 2  # SENCo, senior


def test_stock_page_lists_low_and_expiring(client, world, meds):
    BatchFactory(medicine=meds["out"], expires_on=timezone.localdate() + datetime.timedelta(days=10),
                 quantity_received=Decimal("3"))
    meds["out"].batches.exclude(expires_on__lte=timezone.localdate() + datetime.timedelta(days=10)).update(
        returned_on=timezone.localdate())
    client.force_login(world.people["admin"])
    html = client.get("/care/stock/").content.decode()
    assert "Melatonin" in html and "Low stock" in html and "expires on" in html


# --- healthcare plans and medicines -----------------------------------------------------------------

def test_healthcare_plan_signed_off_shows_its_emergency_summary_on_the_banner(client, world):
    client.force_login(world.people["senco"])
    data = {"condition": "Epilepsy", "emergency_signs": "Seizure over 5 minutes",
            "emergency_action": "Give buccal midazolam, call 999", "emergency_responsible": "Trained staff on duty",
            "emergency_summary": "Seizure over 5 min: buccal midazolam (CD store), call 999",
            "review_on": "2027-09-01"}
    response = client.post(f"/care/pupils/{world.pupil_in.pk}/plan/edit/", {**data, "condition": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert client.post(f"/care/pupils/{world.pupil_in.pk}/plan/edit/", data).status_code == 302
    world.pupil_in.refresh_from_db()
    assert world.pupil_in.healthcare_emergency == ""  # a draft changes nothing for staff
    assert client.post(f"/care/pupils/{world.pupil_in.pk}/plan/sign-off/").status_code == 302
    world.pupil_in.refresh_from_db()
    assert world.pupil_in.healthcare_emergency.startswith("Seizure over 5 min")
    client.force_login(world.people["ta"])
    for url in (f"/pupils/{world.pupil_in.pk}/", f"/pupils/{world.pupil_in.pk}/step-in/",
                f"/care/pupils/{world.pupil_in.pk}/plan/"):
        html = client.get(url).content.decode()
        assert "In an emergency:</strong> Seizure over 5 min" in html
        assert f'href="/care/pupils/{world.pupil_in.pk}/plan/"' in html

    # A change after sign-off is a new version; the banner follows the version in force.
    client.force_login(world.people["senco"])
    client.post(f"/care/pupils/{world.pupil_in.pk}/plan/edit/", {**data, "emergency_summary": "Call 999 first"})
    client.post(f"/care/pupils/{world.pupil_in.pk}/plan/sign-off/")
    versions = list(HealthcarePlan.objects.filter(pupil=world.pupil_in).order_by("version")
                    .values_list("version", "status"))
    assert versions == [(1, "superseded"), (2, "in_force")]
    world.pupil_in.refresh_from_db()
    assert world.pupil_in.healthcare_emergency == "Call 999 first. Who acts: Trained staff on duty"


def test_banner_on_the_pupil_list_needs_no_extra_query(client, world, django_assert_num_queries):
    client.force_login(world.people["senco"])
    client.get("/pupils/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as before:
        client.get("/pupils/")
    for pupil in (world.pupil_class, world.pupil_out):
        plan = HealthcarePlanFactory(pupil=pupil, created_by=world.people["senco"])
        services.sign_off_plan(plan=plan, acting_user=world.people["senco"])
    with django_assert_num_queries(len(before)):
        html = client.get("/pupils/").content.decode()
    assert html.count("Medical alert") >= 3


def test_medicine_form_bad_input_is_said_next_to_the_field(client, world):
    client.force_login(world.people["admin"])
    url = f"/care/pupils/{world.pupil_in.pk}/medicines/new/"
    response = client.post(url, {"name": "Salbutamol", "strength": "100mcg", "form": "inhaler", "route": "inhaled",
                                 "dose_amount": "2", "unit": "puffs", "scheduled_times": "12:00, lunch",
                                 "storage": "classroom", "low_stock_at": "5", "consent_given_on": "2026-09-01",
                                 "consent_review_on": "2026-08-01"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["scheduled_times"] == ["“lunch” is not a time: use the 24-hour clock, e.g. 12:15."]
    assert errors["consent_review_on"] == ["The review date is before the agreement."]
    assert errors["consent_from"] == ["Who signed the agreement?"]
    assert 'value="12:00, lunch"' in response.content.decode()
    response = client.post(url, {"name": "Buccal midazolam", "strength": "10 mg/ml", "form": "buccal",
                                 "route": "buccal", "dose_amount": "1", "unit": "syringes", "as_needed": "on",
                                 "prn_reason": "Seizure over 5 minutes", "prn_max_doses_24h": "1",
                                 "prn_min_gap_minutes": "0", "storage": "office", "is_controlled": "on",
                                 "low_stock_at": "1", "consent_from": "Mum", "consent_given_on": "2026-09-01"})
    assert response.status_code == 302
    medicine = Medicine.objects.get()
    assert medicine.storage == "cd_store" and medicine.created_by == world.people["admin"]
    response = client.post(f"/care/medicines/{medicine.pk}/receive/",
                           {"batch_number": "X1", "expires_on": "2027-03-01", "received_on": "2026-09-02",
                            "quantity_received": "2"})
    assert response.status_code == 302 and medicine.batches.get().quantity_in_stock == 2


def test_pupil_medication_page_is_logged_and_shows_medicines(client, world, meds):
    client.force_login(world.people["ta"])
    html = client.get(f"/care/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Lamotrigine" in html and "Buccal midazolam" in html and "Controlled drug" in html
    assert "Add a medicine" not in html  # the TA gives, doesn't manage
    assert AccessLog.objects.filter(action="care.pupil.view", pupil=world.pupil_in).exists()


# --- panels ---------------------------------------------------------------------------------------

def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.staff = staff_context_for(user)
    return request


def test_home_panel_counts_doses_due_for_givers_only(world, meds, django_assert_num_queries):
    request = _request(world.people["ta"])
    assert request.staff.school == world.school  # the middleware's work, not the panel's
    # medicines + pupils, their open batches, recent doses, witness items
    with django_assert_num_queries(4):
        panel = home_panel(request)
    assert panel.context["due"].due_count == 1
    assert home_panel(_request(world.people["senior"])) is None
    assert home_panel(_request(world.people["dsl"])) is None


def test_pupil_panel(world, meds):
    panel = pupil_panel(_request(world.people["ta"]), pupil=world.pupil_in)
    assert {m.name for m in panel.context["medicines"]} == {"Lamotrigine", "Salbutamol inhaler", "Buccal midazolam"}
    assert pupil_panel(_request(world.people["dsl"]), pupil=world.pupil_in) is None
    assert pupil_panel(_request(world.people["ta"]), pupil=world.pupil_other_school) is None


def test_record_a_dose_from_the_pupil_page_picks_todays_nearest_dose(client, world, meds):
    client.force_login(world.people["ta"])
    response = client.get(f"/care/medicines/{meds['scheduled'].pk}/give/")
    assert response.context["slot"].time() == meds["slot"]
    assert f'name="slot" value="{meds["slot"]:%H:%M}"' in response.content.decode()


@pytest.mark.parametrize("who,exceptions,dose,plan", [
    ("ta", 200, 200, 200),
    ("teacher", 200, 404, 404),  # the list is of the teacher's class only: Amelia's refusal isn't on it
    ("senco", 200, 200, 200),
    ("senior", 200, 200, 200),
    ("admin", 200, 200, 200),
    ("dsl", 403, 403, 403),
    ("other_school_senco", 200, 404, 404),
])
def test_lists_and_records_per_role(client, world, meds, who, exceptions, dose, plan):
    record = services.record_administration(
        medicine=meds["scheduled"], outcome="refused", at=timezone.now(), reason="Spat it out",
        scheduled_for=services.slot_at(timezone.localdate(), meds["slot"]), acting_user=world.people["ta"])
    client.force_login(world.people[who])
    response = client.get("/care/exceptions/")
    assert response.status_code == exceptions
    if exceptions == 200:
        assert ("Spat it out" in response.content.decode()) == (dose == 200)
    assert client.get(f"/care/doses/{record.pk}/").status_code == dose
    assert client.get(f"/care/pupils/{world.pupil_in.pk}/plan/").status_code == plan
