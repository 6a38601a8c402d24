"""Factories for tests and demo data. `in_force_plan` builds a signed-off plan naming staff, as
the SENCo would through the services."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from plans.models import VersionStatus

from .models import CarePlan, CarePlanStaff


class CarePlanFactory(DjangoModelFactory):
    class Meta:
        model = CarePlan
        skip_postgeneration_save = True

    needs = "Wears pads; not yet toilet trained. Needs changing about three times a day."
    how_care_is_given = "Change on the changing bed in the hygiene room. Talk through each step. Gloves and apron."
    usual_times = "10:30, after lunch, 14:45"
    care_location = "Hygiene room by Class 2"
    communication = "Uses a 'finished' sign and pushes your hand away for 'stop'. Show the nappy symbol first."
    preferences = "Prefers a female member of staff. Likes the blue towel."
    equipment = "Changing bed, size 6 pads, wipes, gloves, aprons"
    equipment_supplier = "NHS continence service"
    second_adult_required = False
    review_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=120))
    consent_given_by = "Parent (mother)"
    consent_given_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


def in_force_plan(*, pupil, senco, named=(), **fields) -> CarePlan:
    plan = CarePlanFactory(pupil=pupil, created_by=senco, status=VersionStatus.IN_FORCE,
                           in_force_from=timezone.now() - datetime.timedelta(days=20), signed_off_by=senco, **fields)
    CarePlanStaff.objects.bulk_create([CarePlanStaff(plan=plan, user=u) for u in named])
    return plan
