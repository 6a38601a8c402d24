import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.factories import LocationFactory, UserFactory
from pupils.factories import PupilFactory

from .models import Incident


class IncidentFactory(DjangoModelFactory):
    """A submitted incident written straight to the table (tests of reads; writes go through services)."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    recorded_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)
    location = factory.SubFactory(LocationFactory, school=factory.SelfAttribute("..school"))
    antecedent_picks = ["Asked to start a task"]
    behaviour_picks = ["Shouting or swearing"]
    consequence_picks = ["Given time and space"]
    intensity = 2
    duration_minutes = 5
