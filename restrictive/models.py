"""Restrictive-intervention records: the statutory record of force, restraint, seclusion or
immobilisation used on a pupil (s93A EIA 2006 and the 2025 recording and reporting regulations,
in force from 1 April 2026; DOMAIN.md section 4).

A record is written once, whole, with the staff who applied it (their training as it stood that
day), witnesses and injuries; after that it is evidence and never changes. What happens later,
the debriefs, telling the parents and the senior leader's review, are linked records, each with
its author and time, and each equally fixed (database triggers refuse updates and deletes)."""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location, School
from incidents.models import Incident, Injury
from pupils.models import Pupil, SENStatus

APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class InterventionType(models.TextChoices):
    FORCE = "force", "Reasonable force to control (e.g. guiding or blocking)"
    RESTRAINT = "restraint", "Restraint (holding)"
    SECLUSION = "seclusion", "Seclusion"
    IMMOBILISATION = "immobilisation", "Immobilisation (including removing a mobility aid)"


# How the type reads inside a sentence ("staff used ... with Amelia").
TYPE_IN_A_SENTENCE = {
    InterventionType.FORCE: "reasonable force to guide or block",
    InterventionType.RESTRAINT: "restraint (holding)",
    InterventionType.SECLUSION: "seclusion",
    InterventionType.IMMOBILISATION: "immobilisation",
}


class PlanFollowed(models.TextChoices):
    YES = "yes", "Yes, the plan was followed"
    NO = "no", "No (say why)"
    NO_PLAN = "no_plan", "There is no positive-handling plan in force"


@pghistory.track()
class RestrictiveIntervention(models.Model):
    """One use of force, restraint, seclusion or immobilisation on one pupil, as written up."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="restrictive_interventions")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="restrictive_interventions")
    # The pupil's SEN status as it was that day (it may change later; the record must not).
    sen_status = models.CharField("SEN status at the time", max_length=1, choices=SENStatus.choices)
    primary_need = models.CharField("Primary need at the time", max_length=4, blank=True)

    kind = models.CharField("Type", max_length=16, choices=InterventionType.choices)
    started_at = models.DateTimeField("Started")
    ended_at = models.DateTimeField("Ended")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name="Where")

    # The positive-handling plan in force that day (the version), and the technique used.
    handling_plan = models.ForeignKey("plans.PositiveHandlingPlan", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    technique = models.CharField("Technique or hold", max_length=300)
    technique_from_plan = models.BooleanField(default=False)
    degree_of_force = models.CharField("Degree of force", max_length=300, blank=True)
    reason = models.TextField("Why it was necessary")
    plan_followed = models.CharField("Was the positive-handling plan followed?", max_length=8,
                                     choices=PlanFollowed.choices)
    plan_not_followed_reason = models.TextField("Why the plan was not followed", blank=True)

    events_before = models.TextField("What happened beforehand", blank=True)
    deescalation = models.TextField("De-escalation tried first")
    anyone_hurt = models.BooleanField("Was anyone hurt?", default=False)
    pupil_view = models.TextField("The pupil's view", blank=True)
    support_after = models.TextField("Support for the pupil afterwards")

    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["school", "-started_at"], name="ri_school_when"),
            models.Index(fields=["pupil", "-started_at"], name="ri_pupil_when"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=models.F("started_at")), name="ri_ends_after_start"),
            models.CheckConstraint(condition=~Q(plan_followed="no") | ~Q(plan_not_followed_reason=""),
                                   name="ri_plan_not_followed_has_reason"),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.started_at):%-d %b %Y}"

    def get_absolute_url(self):
        return reverse("restrictive:detail", args=[self.incident_id, self.pk])

    @property
    def reference(self):
        return f"RI-{self.pk:06d}"

    @property
    def duration_minutes(self) -> int:
        return max(1, round((self.ended_at - self.started_at).total_seconds() / 60))

    @property
    def had_ehcp(self) -> bool:
        return self.sen_status == SENStatus.EHCP

    @property
    def kind_in_a_sentence(self) -> str:
        return TYPE_IN_A_SENTENCE.get(self.kind, self.get_kind_display().lower())


@pghistory.track()
class InterventionStaff(models.Model):
    """A member of staff who applied the intervention, with their physical-intervention training
    copied as it stood that day: the register may be updated later, the record must not."""

    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    training_record = models.ForeignKey("accounts.TrainingRecord", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    course = models.CharField(max_length=30, blank=True)
    course_label = models.CharField(max_length=60, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["intervention", "user"], name="ri_staff_once")]
        triggers = [APPEND_ONLY]

    @property
    def training_status(self) -> str:
        """"current", "expired" or "missing", on the day of the intervention."""
        if not self.course:
            return "missing"
        day = timezone.localdate(self.intervention.started_at)
        return "expired" if self.expires_on and self.expires_on < day else "current"


@pghistory.track()
class InterventionWitness(models.Model):
    """Someone who saw it: a member of staff, or a name typed in (a visitor, lunchtime staff)."""

    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT, related_name="witnesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    name = models.CharField("Name and role", max_length=120, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(name=""),
                                              name="ri_witness_named")]
        triggers = [APPEND_ONLY]

    @property
    def display_name(self):
        return self.user.full_name if self.user_id else self.name


@pghistory.track()
class InterventionInjury(models.Model):
    """Links an injury (a row of the same incident's injuries) to this record."""

    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT, related_name="injury_links")
    injury = models.OneToOneField(Injury, on_delete=models.PROTECT, related_name="restrictive_link")

    class Meta:
        ordering = ["id"]
        triggers = [APPEND_ONLY]


class DebriefWith(models.TextChoices):
    PUPIL = "pupil", "With the pupil"
    STAFF = "staff", "With staff"


@pghistory.track()
class Debrief(models.Model):
    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT, related_name="debriefs")
    with_whom = models.CharField("Debrief", max_length=8, choices=DebriefWith.choices)
    held_at = models.DateTimeField("When")
    led_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="Who led it")
    attendees = models.CharField("Who else was there", max_length=300, blank=True)
    notes = models.TextField("What was said and agreed")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "id"]
        triggers = [APPEND_ONLY]


class HowTold(models.TextChoices):
    PHONE = "phone", "Phone call"
    IN_PERSON = "in_person", "In person"
    EMAIL = "email", "Email"
    MESSAGE = "message", "Message through the school's app"
    LETTER = "letter", "Letter"


@pghistory.track()
class ParentReport(models.Model):
    """Parents told (when, how, by whom; the written report's date), or the report withheld
    because telling them would risk significant harm to the pupil, and the LA told instead."""

    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT,
                                     related_name="parent_reports")
    withheld = models.BooleanField(default=False)
    told_at = models.DateTimeField("When they were told", null=True, blank=True)
    how = models.CharField("How", max_length=10, choices=HowTold.choices, blank=True)
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name="Who told them")
    told_whom = models.CharField("Who was told", max_length=120, blank=True)
    written_report_sent_on = models.DateField("Written report sent on", null=True, blank=True)
    withheld_reason = models.TextField("Why telling the parents would risk significant harm", blank=True)
    la_notified_on = models.DateField("Local authority told on", null=True, blank=True)
    notes = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withheld=False, told_at__isnull=False, told_by__isnull=False) & ~Q(how="")
                | Q(withheld=False, told_at__isnull=True, written_report_sent_on__isnull=False)
                | Q(withheld=True, la_notified_on__isnull=False) & ~Q(withheld_reason=""),
                name="ri_parent_report_complete"),
        ]
        triggers = [APPEND_ONLY]

    @property
    def when_done(self):
        """When this entry met the duty to report (told, or the LA told instead), else None."""
        if self.withheld:
            return self.created_at
        return self.told_at


@pghistory.track()
class Review(models.Model):
    """Sign-off by a senior leader or the SENCo, with any change to the plan or risk assessment."""

    intervention = models.ForeignKey(RestrictiveIntervention, on_delete=models.PROTECT, related_name="reviews")
    comments = models.TextField()
    plan_updated = models.BooleanField("The positive-handling plan is being updated", default=False)
    risk_assessment_updated = models.BooleanField("The risk assessment is being updated", default=False)
    actions = models.TextField("Actions (who does what, by when)", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        # One sign-off per record: a second click is refused, not a second review.
        constraints = [models.UniqueConstraint(fields=["intervention"], name="ri_signed_off_once")]
        triggers = [APPEND_ONLY]
