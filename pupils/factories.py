import datetime

import factory
import factory.random
from factory.django import DjangoModelFactory

from accounts.factories import InventedName, SchoolFactory, UserFactory

from .models import CaseloadEntry, ClassGroup, Contact, Pupil
from .upn import make_upn


class ClassGroupFactory(DjangoModelFactory):
    class Meta:
        model = ClassGroup
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Class {n}")
    year_group = 4


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    legal_first_name = InventedName("first_name")
    legal_last_name = InventedName("last_name")
    date_of_birth = factory.LazyFunction(lambda: datetime.date(2017, 1, 1) + datetime.timedelta(days=factory.random.randgen.randint(0, 364)))
    upn = factory.Sequence(lambda n: make_upn(383, 2000 + (n // 1000) % 8000, 17, n % 1000))
    year_group = 4
    class_group = factory.SubFactory(ClassGroupFactory, school=factory.SelfAttribute("..school"))
    sen_status = "K"
    primary_need = "SEMH"
    what_helps = "Calm voice, a movement break, visual timetable."
    known_triggers = "Loud noise in the hall; changes to routine."


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    pupil = factory.SubFactory(PupilFactory)
    name = InventedName("name")
    relationship = "Mother"
    phone = factory.Faker("phone_number", locale="en_GB")
    email = factory.Faker("email", locale="en_GB")


class CaseloadEntryFactory(DjangoModelFactory):
    class Meta:
        model = CaseloadEntry
        skip_postgeneration_save = True

    school = factory.SelfAttribute("pupil.school")
    user = factory.SubFactory(UserFactory)
    pupil = factory.SubFactory(PupilFactory)
