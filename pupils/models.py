"""Pupil profiles, contacts, class groups and caseloads (who supports whom)."""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from accounts.models import School

from .upn import validate_upn


class SENStatus(models.TextChoices):
    EHCP = "E", "EHCP"
    SEN_SUPPORT = "K", "SEN support"
    NONE = "N", "No SEN"


class Need(models.TextChoices):
    """School census SEN type codes."""

    SLCN = "SLCN", "Speech, language and communication needs"
    ASD = "ASD", "Autistic spectrum disorder"
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    VI = "VI", "Vision impairment"
    HI = "HI", "Hearing impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment"


class Communication(models.TextChoices):
    SPEECH = "speech", "Speech"
    PECS = "pecs", "PECS"
    MAKATON = "makaton", "Makaton"
    AAC = "aac", "AAC device"
    OTHER = "other", "Other"


YEAR_GROUPS = [(-1, "Nursery"), (0, "Reception")] + [(n, f"Year {n}") for n in range(1, 15)]


@pghistory.track()
class ClassGroup(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="class_groups")
    name = models.CharField(max_length=40)
    year_group = models.SmallIntegerField(choices=YEAR_GROUPS)

    class Meta:
        ordering = ["year_group", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="classgroup_unique_name")]

    def __str__(self):
        return self.name


class PupilQuerySet(models.QuerySet):
    def visible_to(self, staff) -> "PupilQuerySet":
        """The pupils this person may see in their current school: everyone for whole-school
        roles, otherwise their caseload (pupils assigned directly or through a class group).
        StaffContext.sees_pupil asks the same of one pupil in Python; accounts/tests/test_access.py
        keeps the two in step."""
        if staff is None or staff.school is None:
            return self.none()
        qs = self.filter(school=staff.school)
        if staff.can(Ability.SEE_ALL_PUPILS):
            return qs
        return qs.in_caseload_of(staff)

    def in_caseload_of(self, staff) -> "PupilQuerySet":
        """Pupils on the person's caseload, directly or through a class group. Subqueries, not
        joins, so there is no DISTINCT and the list keeps its index order (bench/README.md)."""
        entries = CaseloadEntry.objects.filter(user=staff.user, school=staff.school)
        return self.filter(
            Q(pk__in=entries.filter(pupil__isnull=False).values("pupil_id"))
            | Q(class_group__in=entries.filter(class_group__isnull=False).values("class_group_id"))
        )

    def in_school(self, staff) -> "PupilQuerySet":
        """Every pupil of the person's school: for picking a pupil (incidents, concerns), which
        shows only name, class and photo outside the caseload."""
        if staff is None or staff.school is None:
            return self.none()
        return self.filter(school=staff.school)

    def current(self):
        return self.filter(archived_at__isnull=True)


def pupil_photo_path(instance, filename):
    # Private storage, served only through a permission-checked view; the name reveals nothing.
    import uuid

    return f"private/pupil-photos/{instance.school_id}/{uuid.uuid4().hex}"


@pghistory.track()
class Pupil(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    legal_first_name = models.CharField(max_length=80)
    legal_last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True, help_text="What the pupil likes to be called")
    date_of_birth = models.DateField()
    upn = models.CharField("UPN", max_length=13, validators=[validate_upn], help_text="13 characters, from the MIS")
    year_group = models.SmallIntegerField(choices=YEAR_GROUPS)
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="pupils", verbose_name="class"
    )
    sen_status = models.CharField("SEN status", max_length=1, choices=SENStatus.choices, default=SENStatus.NONE)
    primary_need = models.CharField(max_length=4, choices=Need.choices, blank=True)
    secondary_need = models.CharField(max_length=4, choices=Need.choices, blank=True)
    diagnoses = models.TextField(blank=True)
    communication = ArrayField(
        models.CharField(max_length=10, choices=Communication.choices), default=list, blank=True
    )
    communication_notes = models.TextField(blank=True)
    sensory_profile = models.TextField(blank=True)
    known_triggers = models.TextField(blank=True)
    early_warning_signs = models.TextField(blank=True)
    what_helps = models.TextField(blank=True)
    strengths_interests = models.TextField("Strengths and interests", blank=True)
    likes = models.TextField(blank=True)
    dislikes = models.TextField(blank=True)
    medical_alerts = models.TextField(blank=True, help_text="Shown prominently wherever the pupil appears")
    allergies = models.TextField(blank=True, help_text="Shown prominently wherever the pupil appears")
    # Kept by care.services from the in-force healthcare plan, so alert banners need no extra query.
    healthcare_emergency = models.CharField(max_length=300, blank=True, editable=False)
    photo = models.ImageField(upload_to=pupil_photo_path, blank=True)
    photo_consent = models.BooleanField(
        default=False, help_text="Parents have consented to the photo being kept and shown to staff"
    )
    key_adults = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="KeyAdult", blank=True, related_name="key_pupils",
        help_text="Staff the pupil trusts and goes to first",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        constraints = [
            models.UniqueConstraint(Upper("upn"), "school", name="pupil_upn_unique_in_school"),
            models.CheckConstraint(
                condition=~Q(primary_need="NSA") | Q(sen_status="K"), name="pupil_nsa_only_with_sen_support"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "legal_last_name", "legal_first_name", "id"], name="pupil_list_order"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def communication_labels(self):
        return ", ".join(Communication(c).label for c in self.communication if c in Communication.values)

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def has_medical_alert(self):
        return bool(self.medical_alerts.strip() or self.allergies.strip() or self.healthcare_emergency)

    @property
    def show_photo(self):
        return bool(self.photo) and self.photo_consent

    def get_absolute_url(self):
        return reverse("pupils:detail", args=[self.pk])


@pghistory.track()
class Contact(models.Model):
    class Preferred(models.TextChoices):
        PHONE = "phone", "Phone"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=120)
    relationship = models.CharField(max_length=60, help_text="e.g. Mother, Foster carer, Grandparent")
    parental_responsibility = models.BooleanField(default=False)
    phone = models.CharField(max_length=30, blank=True)
    phone_alt = models.CharField("Other phone", max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=Preferred.choices, default=Preferred.PHONE)
    lives_with_pupil = models.BooleanField(default=False)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 = call first")

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


@pghistory.track()
class KeyAdult(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="key_adult_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "user"], name="keyadult_unique")]


@pghistory.track()
class CaseloadEntry(models.Model):
    """A TA's or teacher's caseload: a pupil, or a whole class group, they support."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="caseload_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload_entries")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="caseload_entries")
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="caseload_entries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pupil__isnull=False, class_group__isnull=True)
                | Q(pupil__isnull=True, class_group__isnull=False),
                name="caseload_pupil_xor_class",
            ),
            models.UniqueConstraint(fields=["user", "pupil"], name="caseload_unique_pupil"),
            models.UniqueConstraint(fields=["user", "class_group"], name="caseload_unique_class"),
        ]
