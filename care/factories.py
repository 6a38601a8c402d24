"""Factories for medication tests and the bench. Rows that the services guard (doses, stock checks)
are made through the services, not here."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.factories import UserFactory

from .models import Batch, HealthcarePlan, Medicine


class MedicineFactory(DjangoModelFactory):
    class Meta:
        model = Medicine
        skip_postgeneration_save = True

    school = factory.LazyAttribute(lambda o: o.pupil.school)
    name = "Salbutamol inhaler"
    strength = "100 micrograms per dose"
    form = "inhaler"
    route = "inhaled"
    dose_amount = Decimal("2")
    unit = "puffs"
    as_needed = False
    scheduled_times = factory.LazyFunction(lambda: [datetime.time(12, 0)])
    storage = "classroom"
    consent_from = "Sarah Hughes (mother)"
    consent_given_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    consent_review_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    created_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=60))
    created_by = factory.SubFactory(UserFactory)

    class Params:
        prn = factory.Trait(as_needed=True, scheduled_times=[], prn_reason="Wheeze, cough or tight chest",
                            prn_max_doses_24h=4, prn_min_gap_minutes=240)
        controlled = factory.Trait(name="Buccal midazolam", strength="10 mg/ml", form="buccal", route="buccal",
                                   dose_amount=Decimal("1"), unit="pre-filled syringes", is_controlled=True,
                                   storage="cd_store", as_needed=True, scheduled_times=[],
                                   prn_reason="Tonic-clonic seizure lasting 5 minutes", prn_max_doses_24h=1,
                                   prn_min_gap_minutes=0)


class BatchFactory(DjangoModelFactory):
    class Meta:
        model = Batch

    medicine = factory.SubFactory(MedicineFactory)
    received_by = factory.SubFactory(UserFactory)
    batch_number = factory.Sequence(lambda n: f"B{n:05d}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=200))
    received_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    quantity_received = Decimal("200")
    quantity_in_stock = factory.LazyAttribute(lambda o: o.quantity_received)


class HealthcarePlanFactory(DjangoModelFactory):
    class Meta:
        model = HealthcarePlan

    created_by = factory.SubFactory(UserFactory)
    condition = "Asthma"
    symptoms = "Cough, wheeze, shortness of breath"
    triggers = "Cold air, exercise, pollen"
    emergency_signs = "Inhaler not helping; too breathless to talk; blue lips"
    emergency_action = "Call 999. Give 10 puffs of the blue inhaler, one puff every 30-60 seconds. Call parents."
    emergency_responsible = "First aider on duty; office calls 999 and parents"
    emergency_summary = "Severe asthma attack: 10 puffs of blue inhaler, call 999"
    review_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
