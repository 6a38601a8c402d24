"""Intimate and personal care: a care plan per pupil (versioned like the other plans: a draft, then
in force once the SENCo signs it off; a change after sign-off is a new version) and a log of the
care given, which is append-only (corrections are addenda).

Read only by the staff named on the plan in force, the SENCo and the DSL team (selectors.py). So
that the pupil's "history of changes" page (read by senior leaders, who may not read these records)
never gathers them, the history rows keep the pupil, the plan and any safeguarding concern as plain
ids, not foreign keys, as safeguarding.models does."""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from plans.models import Rating, Versioned, one_draft_per_lineage, one_in_force_per_pupil
from pupils.models import Pupil

PLAIN_PUPIL = {"pupil": models.BigIntegerField(db_column="pupil_id")}


@pghistory.track(attrs=PLAIN_PUPIL)
class CarePlan(Versioned):
    needs = models.TextField("Care needs", help_text="What care the pupil needs and why, in plain words.")
    how_care_is_given = models.TextField("How care is given",
                                         help_text="Step by step, as the pupil is used to it.")
    usual_times = models.CharField("Usual times", max_length=120, blank=True,
                                   help_text="For example: 10:30, after lunch, 14:45, and whenever needed.")
    care_location = models.CharField("Where care is given", max_length=120, blank=True,
                                     help_text="For example: the hygiene room next to Class 2.")
    communication = models.TextField("How the pupil communicates during care",
                                     help_text="Signs, symbols, words they use; how they say yes, no and stop.")
    preferences = models.TextField("Preferences, including preferred staff", blank=True)
    equipment = models.TextField(blank=True, help_text="Hoist, changing bed, pads and sizes, wipes, gloves...")
    equipment_supplier = models.CharField("Equipment supplier", max_length=160, blank=True)
    named_staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="CarePlanStaff", blank=True,
                                         related_name="+", verbose_name="Named staff")
    second_adult_required = models.BooleanField(
        "A second adult must be present", default=False,
        help_text="A local policy or this pupil's needs (e.g. hoisting). Logs will need the second adult's name.")
    second_adult_notes = models.CharField("When and why a second adult is needed", max_length=200, blank=True)
    moving_and_handling = models.TextField("Moving and handling", blank=True)
    infection_control = models.TextField("Infection control", blank=True)
    steps_to_independence = models.TextField("Steps to independence", blank=True)
    independence_progress = models.PositiveSmallIntegerField(
        "Progress towards independence", choices=Rating.choices, null=True, blank=True)
    consent_given_by = models.CharField("Parental consent given by", max_length=120, blank=True,
                                        help_text="Name and relationship, e.g. Sarah Hughes (mother).")
    consent_given_on = models.DateField("Consent given on", null=True, blank=True)
    review_date = models.DateField("Review date")

    class Meta:
        constraints = [one_in_force_per_pupil("careplan_one_in_force"), one_draft_per_lineage("careplan_one_draft")]
        ordering = ["-version"]

    def __str__(self):
        return f"Personal care plan v{self.version}"

    def get_absolute_url(self):
        return reverse("personalcare:plan_detail", args=[self.pk])


@pghistory.track()
class CarePlanStaff(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="careplan_staff_unique")]


class CareGiven(models.TextChoices):
    TOILETING = "toileting", "Toileting"
    PAD_CHANGE = "pad_change", "Pad or nappy change"
    WASHING = "washing", "Washing"
    CLOTHES = "clothes", "Change of clothes"
    MENSTRUAL = "menstrual", "Menstrual care"
    CATHETER = "catheter", "Catheter or stoma care"
    OTHER = "other", "Other care"


class Observation(models.TextChoices):
    NONE = "none", "Nothing to note"
    MARKS = "marks", "Marks or bruising"
    SORENESS = "soreness", "Soreness or redness"
    DISTRESS = "distress", "Distress"
    OTHER = "other", "Something else"


@pghistory.track(attrs={
    **PLAIN_PUPIL,
    "plan": models.BigIntegerField(db_column="plan_id"),
    "concern": models.BigIntegerField(db_column="concern_id", null=True),
})
class CareLog(models.Model):
    """Care given once. Never changed or deleted (a database trigger refuses it): corrections and
    later detail are addenda."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="logs")
    occurred_at = models.DateTimeField("When")
    care_given = ArrayField(models.CharField(max_length=12, choices=CareGiven.choices), verbose_name="Care given")
    care_notes = models.CharField("Anything else about the care", max_length=300, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second_adult = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="Second adult present")
    second_adult_required = models.BooleanField(default=False)  # what the plan said at the time
    second_adult_reason = models.CharField("Why the second adult was someone not named on the plan",
                                           max_length=200, blank=True)
    observations = ArrayField(models.CharField(max_length=10, choices=Observation.choices), default=list,
                              verbose_name="Observations")
    observation_notes = models.TextField("What you noticed", blank=True)
    low_supplies = models.BooleanField("Supplies running low", default=False)
    supplies_note = models.CharField("What is running low", max_length=200, blank=True)
    concern = models.ForeignKey("safeguarding.Concern", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["pupil", "-occurred_at"], name="carelog_pupil_when")]
        constraints = [
            models.CheckConstraint(condition=~Q(care_given=[]), name="carelog_care_given"),
            models.CheckConstraint(condition=Q(second_adult_required=False) | Q(second_adult__isnull=False),
                                   name="carelog_second_adult_when_required"),
            models.CheckConstraint(condition=Q(second_adult__isnull=True) | ~Q(second_adult=models.F("given_by")),
                                   name="carelog_second_adult_is_another"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"Care log {self.pk}"

    def get_absolute_url(self):
        return reverse("personalcare:log_detail", args=[self.pk])

    @property
    def care_labels(self):
        return [CareGiven(c).label for c in self.care_given if c in CareGiven.values]

    @property
    def observation_labels(self):
        return [Observation(o).label for o in self.observations if o in Observation.values]

    @property
    def has_observation(self):
        return any(o != Observation.NONE for o in self.observations)


@pghistory.track(attrs={"log": models.BigIntegerField(db_column="log_id")})
class CareLogAddendum(models.Model):
    """A correction or later detail, with its author and time; the log itself never changes."""

    log = models.ForeignKey(CareLog, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField("Correction or more detail")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="carelog_addendum_text")]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
