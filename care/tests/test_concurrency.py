"""Two phones giving at once: the medicine row is locked, so the last dose in stock and the last
PRN dose allowed in 24 hours are given once, whoever is faster."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from care import services
from care.factories import BatchFactory, MedicineFactory
from care.models import Administration


def _race(world, medicine, batch, who=("ta", "senco")):
    barrier = threading.Barrier(len(who))
    outcomes = []

    def give(person):
        try:
            barrier.wait()
            services.record_administration(medicine=medicine, outcome="given", at=timezone.now(), batch=batch,
                                           reason="Wheezy", acting_user=world.people[person])
            outcomes.append("given")
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(p,)) for p in who]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_last_dose_in_stock_is_given_once(world):
    medicine = MedicineFactory(pupil=world.pupil_in, prn=True, prn_max_doses_24h=10, prn_min_gap_minutes=0)
    batch = BatchFactory(medicine=medicine, quantity_received=Decimal("2"))
    outcomes = _race(world, medicine, batch)
    assert outcomes.count("given") == 1
    refusal = next(o for o in outcomes if o != "given")
    assert refusal["batch"] == ["Not enough stock: 0 puffs left in this batch, the dose is 2."]
    batch.refresh_from_db()
    assert batch.quantity_in_stock == 0 and Administration.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_last_prn_dose_allowed_is_given_once(world):
    medicine = MedicineFactory(pupil=world.pupil_in, prn=True, prn_max_doses_24h=1, prn_min_gap_minutes=0)
    batch = BatchFactory(medicine=medicine)
    outcomes = _race(world, medicine, batch)
    assert outcomes.count("given") == 1
    # The slower phone read the clock first or last: either way the 24-hour rule refuses it.
    refusal = next(o for o in outcomes if o != "given")["__all__"][0]
    assert refusal.startswith(("Already 1 dose in the 24 hours", "Too many doses: with one at")), refusal
    assert Administration.objects.count() == 1
