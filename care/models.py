"""Medication (DfE "Supporting pupils at school with medical conditions", templates A-D).

- ``HealthcarePlan``: a pupil's individual healthcare plan (template A), versioned like the other
  plans (draft -> in force; a change after sign-off is a new version). The in-force version's
  emergency summary is copied onto ``Pupil.healthcare_emergency`` so medical-alert banners show it
  without a query per pupil.
- ``Medicine``: one medicine as named on the container, with its dose, timing (scheduled times or
  as needed), storage and the parent's written agreement (template B).
- ``Batch``: a supply received from the parent, with its expiry and a running stock count.
- ``Administration``: one dose given / refused / not given / missed, or a dose the parent reported
  giving at home (templates C and D). Append-only: corrections are ``AdministrationAddendum`` rows;
  the witness of a controlled drug and telling the parents are rows of their own for the same reason.
- ``StockCheck``: a count of a batch against the running count; a mismatch is flagged.
"""

import datetime
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import School
from plans.models import Versioned, one_draft_per_lineage, one_in_force_per_pupil
from pupils.models import Pupil

APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
NEVER_DELETED = pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete)


def _changed(*columns) -> str:
    return " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns)


# A signed-off healthcare plan is evidence: only superseding it (status, superseded_at) may change it.
PLAN_SIGNED_OFF_FIXED = pgtrigger.Protect(
    name="signed_off_fixed", operation=pgtrigger.Update,
    condition=pgtrigger.Condition("OLD.status <> 'draft' AND (" + _changed(
        "pupil_id", "lineage", "version", "in_force_from", "signed_off_by_id", "condition", "symptoms", "triggers",
        "signs", "treatments", "equipment", "daily_care", "emergency_signs", "emergency_action",
        "emergency_responsible", "emergency_summary", "trips", "staff_training", "developed_with", "review_on")
        + " OR NEW.status = 'draft')"))
# Whose medicine it is, and what a batch was when it came in, never change (doses point at them).
MEDICINE_OWNER_FIXED = pgtrigger.Protect(name="owner_fixed", operation=pgtrigger.Update,
                                         condition=pgtrigger.Condition(_changed("pupil_id", "school_id",
                                                                               "created_by_id", "created_at")))
BATCH_RECEIPT_FIXED = pgtrigger.Protect(
    name="receipt_fixed", operation=pgtrigger.Update,
    condition=pgtrigger.Condition(_changed("medicine_id", "quantity_received", "received_on", "received_by_id")
                                  + ' OR (OLD."returned_on" IS NOT NULL AND (' + _changed(
                                      "returned_on", "quantity_returned", "quantity_in_stock") + "))"))

# A scheduled dose may be given from this long before its time to this long after; after that,
# unrecorded, it is missed (printed on the "due now" page). Overridable in settings.
WINDOW_BEFORE = datetime.timedelta(minutes=getattr(settings, "CARE_DOSE_WINDOW_BEFORE_MINUTES", 30))
WINDOW_AFTER = datetime.timedelta(minutes=getattr(settings, "CARE_DOSE_WINDOW_AFTER_MINUTES", 60))
EXPIRY_WARNING_DAYS = 30


@pghistory.track()
class HealthcarePlan(Versioned):
    """Individual healthcare plan (DfE template A)."""

    condition = models.CharField("Medical condition", max_length=200)
    symptoms = models.TextField(blank=True)
    triggers = models.TextField(blank=True)
    signs = models.TextField("Signs to look for", blank=True)
    treatments = models.TextField(blank=True)
    equipment = models.TextField("Equipment and devices", blank=True)
    daily_care = models.TextField("Daily care requirements", blank=True)
    emergency_signs = models.TextField("What counts as an emergency")
    emergency_action = models.TextField("Action to take in an emergency")
    emergency_responsible = models.CharField("Who is responsible in an emergency", max_length=300)
    emergency_summary = models.CharField(
        "Emergency summary for alerts", max_length=300,
        help_text="One or two lines shown on the pupil's banner and 'before you step in', e.g. "
                  "'Seizure over 5 min: buccal midazolam (office CD cupboard), call 999'")
    trips = models.TextField("School trips and activities", blank=True)
    staff_training = models.TextField("Staff training needed or done", blank=True)
    developed_with = models.CharField("Plan developed with", max_length=300, blank=True,
                                      help_text="e.g. parents, school nurse, epilepsy nurse specialist")
    review_on = models.DateField("Review date")

    class Meta:
        constraints = [one_in_force_per_pupil("ihp_one_in_force"), one_draft_per_lineage("ihp_one_draft")]
        ordering = ["-version"]
        triggers = [NEVER_DELETED, PLAN_SIGNED_OFF_FIXED]

    def __str__(self):
        return f"Healthcare plan v{self.version}: {self.condition}"


class Form(models.TextChoices):
    TABLET = "tablet", "Tablet or capsule"
    LIQUID = "liquid", "Liquid"
    INHALER = "inhaler", "Inhaler"
    AUTO_INJECTOR = "auto_injector", "Adrenaline auto-injector"
    INJECTION = "injection", "Injection (e.g. insulin pen)"
    BUCCAL = "buccal", "Buccal liquid"
    CREAM = "cream", "Cream or ointment"
    DROPS = "drops", "Drops"
    OTHER = "other", "Other"


class Route(models.TextChoices):
    ORAL = "oral", "By mouth"
    INHALED = "inhaled", "Inhaled"
    BUCCAL = "buccal", "Buccal (inside the cheek)"
    INJECTION = "injection", "Injection"
    TOPICAL = "topical", "On the skin"
    EYE_EAR_NOSE = "eye_ear_nose", "Eye, ear or nose"
    OTHER = "other", "Other"


class Storage(models.TextChoices):
    WITH_PUPIL = "with_pupil", "Carried by the pupil"
    CLASSROOM = "classroom", "Classroom (readily accessible)"
    OFFICE = "office", "School office"
    FRIDGE = "fridge", "Medical fridge"
    CD_STORE = "cd_store", "Locked controlled-drugs store"


@pghistory.track()
class Medicine(models.Model):
    """A medicine for one pupil with the parent's written agreement (DfE template B)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="medicines")
    name = models.CharField("Name as on the container", max_length=120)
    strength = models.CharField(max_length=60, help_text="e.g. 100 micrograms per dose, 10 mg/ml")
    form = models.CharField(max_length=16, choices=Form.choices)
    route = models.CharField(max_length=16, choices=Route.choices)
    dose_amount = models.DecimalField("Dose", max_digits=7, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0.01"))],
                                      help_text="How many units make one dose (stock falls by this much)")
    unit = models.CharField(max_length=20, help_text="e.g. tablets, ml, puffs, pens")
    dose_notes = models.CharField("Dose and method in words", max_length=200, blank=True,
                                  help_text="As on the pharmacy label, e.g. '2 puffs via spacer'")
    as_needed = models.BooleanField("As needed (PRN)", default=False)
    scheduled_times = ArrayField(models.TimeField(), default=list, blank=True,
                                 help_text="Times of day for scheduled doses")
    prn_reason = models.CharField("When to give (PRN)", max_length=200, blank=True)
    prn_max_doses_24h = models.PositiveSmallIntegerField("Most doses in 24 hours", null=True, blank=True,
                                                         validators=[MinValueValidator(1)])
    prn_min_gap_minutes = models.PositiveSmallIntegerField("Least time between doses (minutes)", null=True,
                                                           blank=True)
    self_administers = models.BooleanField("Pupil self-administers", default=False)
    storage = models.CharField(max_length=12, choices=Storage.choices)
    is_controlled = models.BooleanField("Controlled drug", default=False)
    side_effects = models.TextField("Side effects and precautions", blank=True)
    low_stock_at = models.DecimalField("Warn when stock falls to", max_digits=7, decimal_places=2,
                                       default=Decimal("5"))
    consent_from = models.CharField("Agreement signed by", max_length=120, blank=True)
    consent_given_on = models.DateField("Parent's written agreement dated", null=True, blank=True)
    consent_review_on = models.DateField("Agreement review date", null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        triggers = [NEVER_DELETED, MEDICINE_OWNER_FIXED]
        constraints = [
            models.CheckConstraint(condition=Q(is_controlled=False) | Q(storage="cd_store"),
                                   name="medicine_cd_in_locked_store"),
            models.CheckConstraint(
                condition=Q(as_needed=False) | (Q(prn_max_doses_24h__isnull=False) & Q(prn_min_gap_minutes__isnull=False)),
                name="medicine_prn_limits"),
        ]

    def __str__(self):
        return self.label

    def consent_problem(self, day: datetime.date) -> str:
        """Why the medicine may not be given on `day` for want of consent, or ''."""
        if self.consent_given_on is None:
            return "There is no written agreement from a parent for this medicine."
        if self.consent_given_on > day:
            return f"The parent's agreement starts on {self.consent_given_on:%-d %B %Y}."
        if self.consent_review_on and self.consent_review_on < day:
            return (f"The parent's agreement was due for review on {self.consent_review_on:%-d %B %Y}: "
                    "get it renewed before giving.")
        return ""

    @property
    def dose_label(self) -> str:
        amount = self.dose_amount.normalize()
        unit = self.unit[:-1] if amount == 1 and self.unit.endswith("s") and len(self.unit) > 2 else self.unit
        return f"{amount:f} {unit}"  # "1 tablet", "2 tablets", "5 ml"

    @property
    def label(self) -> str:
        """Name and strength, without saying the strength twice when the container's name holds it."""
        if not self.strength or self.strength.casefold() in self.name.casefold():
            return self.name
        return f"{self.name} {self.strength}"


@pghistory.track()
class Batch(models.Model):
    """A supply of a medicine received from the parent (template C), with its running stock count."""

    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(max_length=60, blank=True)
    expires_on = models.DateField()
    received_on = models.DateField(default=timezone.localdate)
    quantity_received = models.DecimalField(max_digits=8, decimal_places=2,
                                            validators=[MinValueValidator(Decimal("0.01"))])
    quantity_in_stock = models.DecimalField(max_digits=8, decimal_places=2, editable=False)
    quantity_returned = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"), editable=False)
    returned_on = models.DateField(null=True, blank=True, editable=False)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name_plural = "batches"
        triggers = [NEVER_DELETED, BATCH_RECEIPT_FIXED]
        constraints = [models.CheckConstraint(condition=Q(quantity_in_stock__gte=0), name="batch_stock_not_negative")]

    def __str__(self):
        return f"{self.batch_number or 'Batch'} (expires {self.expires_on:%-d %b %Y})"

    @property
    def is_open(self):
        return self.returned_on is None


class Outcome(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_GIVEN = "not_given", "Not given"
    MISSED = "missed", "Missed (not recorded in time)"
    AT_HOME = "at_home", "Given at home (parent reported)"


@pghistory.track()
class Administration(models.Model):
    """One dose: given, refused, not given (with the reason), missed, or given at home as the parent
    reported (it counts towards PRN limits). Append-only evidence."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="administrations")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="administrations")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True, help_text="The scheduled dose this records")
    at = models.DateTimeField("Date and time")
    dose_amount = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True, help_text="PRN: why it was needed. Refused / not given: why")
    reaction = models.TextField("Any reaction", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", help_text="Controlled drugs: the second member of staff")
    stock_after = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The giver's medication training that day, copied: the register may change later.
    giver_trained = models.BooleanField(null=True)

    class Meta:
        ordering = ["-at", "-id"]
        triggers = [APPEND_ONLY]
        constraints = [
            # One record per scheduled dose: two phones can't both give it, the sweeper flags it once.
            models.UniqueConstraint(fields=["medicine", "scheduled_for"], condition=Q(scheduled_for__isnull=False),
                                    name="administration_one_per_scheduled_dose"),
        ]
        indexes = [models.Index(fields=["school", "at"], name="administration_school_at"),
                   models.Index(fields=["medicine", "at"], name="administration_medicine_at")]

    def __str__(self):
        return f"{self.medicine} {self.get_outcome_display()} {self.at:%d/%m/%Y %H:%M}"

    @property
    def needs_parent_told(self):
        return self.outcome in (Outcome.REFUSED, Outcome.NOT_GIVEN, Outcome.MISSED)


@pghistory.track()
class WitnessConfirmation(models.Model):
    """The second member of staff confirming a controlled-drug dose with their own login."""

    administration = models.OneToOneField(Administration, on_delete=models.PROTECT, related_name="confirmation")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    same_device = models.BooleanField(help_text="Confirmed on the giver's device by re-entering a password")

    class Meta:
        triggers = [APPEND_ONLY]


@pghistory.track()
class ParentTold(models.Model):
    """Parents were told of a refused, not-given or missed dose."""

    administration = models.OneToOneField(Administration, on_delete=models.PROTECT, related_name="parent_told")
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    told_at = models.DateTimeField(default=timezone.now)
    how = models.CharField(max_length=120, blank=True, help_text="e.g. phone call to mum, note in home book")

    class Meta:
        triggers = [APPEND_ONLY]


@pghistory.track()
class AdministrationAddendum(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        triggers = [APPEND_ONLY]


@pghistory.track()
class StockCheck(models.Model):
    """A count of a batch against the running count; the running count is set to what was counted."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stock_checks")
    expected = models.DecimalField(max_digits=8, decimal_places=2)
    counted = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    note = models.TextField(blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_at", "-id"]
        triggers = [APPEND_ONLY]

    @property
    def discrepancy(self) -> Decimal:
        return self.counted - self.expected

