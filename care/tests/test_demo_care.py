"""The demo's medication: healthcare plans in force with the emergency summary on the banner,
medicines with agreements (a scheduled controlled drug on the first TA's caseload), a term of doses
that keep the dose rules, stock that follows the doses, low stock and an expiring batch; every
as-needed medicine can be given on the demo day, and one scheduled medicine's agreement has lapsed."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from accounts.models import Role
from care import selectors, services
from care.models import Administration, Batch, HealthcarePlan, Medicine, ParentTold, StockCheck, WitnessConfirmation
from care.selectors import due_now, stock_warnings
from conftest import seed_demo_on_one_day
from pupils.models import Pupil
from sendsupport import demo


@pytest.fixture
def seeders(monkeypatch):
    """Run care.demo after the others (the lead adds it to SEEDERS; until then, here)."""
    if "care.demo" not in demo.SEEDERS:
        monkeypatch.setattr(demo, "SEEDERS", [*demo.SEEDERS, "care.demo"])


def test_demo_has_a_term_of_medication(db, seeders):
    today = seed_demo_on_one_day(pupils=60, schools=1)
    school = Medicine.objects.first().school

    plans = HealthcarePlan.objects.filter(pupil__school=school)
    in_force = plans.filter(status="in_force")
    assert in_force.exists()
    for plan in in_force.select_related("pupil"):
        assert plan.pupil.healthcare_emergency == plan.emergency_summary and plan.pupil.has_medical_alert

    medicines = list(Medicine.objects.filter(school=school))
    assert any(m.is_controlled and not m.as_needed for m in medicines)  # methylphenidate
    assert any(m.as_needed for m in medicines)
    assert all(m.storage == "cd_store" for m in medicines if m.is_controlled)

    doses = Administration.objects.filter(school=school)
    outcomes = Counter(doses.values_list("outcome", flat=True))
    assert outcomes["given"] > 100 and outcomes["refused"] and outcomes["missed"]
    assert not doses.filter(at__date__gte=today).exists()  # today's doses are left to record
    # Every controlled-drug dose given was witnessed by someone else and confirmed.
    cd_given = doses.filter(medicine__is_controlled=True, outcome="given")
    assert cd_given.exists()
    assert WitnessConfirmation.objects.filter(administration__in=cd_given).count() == cd_given.count()
    assert not cd_given.filter(witness=None).exists()
    # Stock follows the doses: received minus given is what is left.
    for batch in Batch.objects.filter(medicine__school=school):
        given = sum(a.dose_amount for a in batch.administrations.filter(outcome="given"))
        assert batch.quantity_received - given == batch.quantity_in_stock
    # Parents told of older refusals and misses; the last week's are waiting.
    waiting = doses.filter(outcome__in=["refused", "missed", "not_given"], parent_told__isnull=True)
    assert waiting.exists() and not waiting.filter(at__date__lt=today - datetime.timedelta(days=7)).exists()
    assert ParentTold.objects.exists() and StockCheck.objects.filter(batch__medicine__school=school).exists()

    kinds = {w["kind"] for w in stock_warnings(school=school)}
    assert kinds == {"low_stock", "expiring"}

    # The first TA has medicines to give at lunchtime on their caseload.
    from accounts.middleware import staff_context_for
    from accounts.models import Membership
    ta = Membership.objects.filter(school=school, roles__contains=[Role.TEACHING_ASSISTANT]).order_by("id").first().user
    due = due_now(staff_context_for(ta), now=timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 5))))
    assert any(d.medicine.is_controlled and not d.medicine.consent_issue for _, ds in due.slots for d in ds)

    # Every as-needed medicine can be given today: its agreement is in date (one is given now).
    prn = [m for m in medicines if m.as_needed]
    assert prn and not [m.label for m in prn if m.consent_problem(today)]
    inhaler = next(m for m in prn if not m.is_controlled)
    office = Membership.objects.filter(school=school, roles__contains=[Role.SCHOOL_ADMIN]).first().user
    given = services.record_administration(medicine=inhaler, outcome="given", at=timezone.now(), reason="Needed",
                                           batch=inhaler.batches.get(), acting_user=office)
    assert given.outcome == "given"
    # The one lapsed agreement, on purpose: the TA's second lunchtime medicine, with nothing before it.
    (lapsed,) = [m for m in medicines if m.consent_problem(today)]
    assert lapsed.is_controlled and not lapsed.as_needed and "due for review" in lapsed.consent_problem(today)
    assert any(d.medicine == lapsed and d.medicine.consent_issue for _, ds in due.slots for d in ds)
    selectors.add_previous_agreements([lapsed])
    assert lapsed.previous_agreements == []
    assert Pupil.objects.filter(school=school).exclude(healthcare_emergency="").count() == in_force.count()
