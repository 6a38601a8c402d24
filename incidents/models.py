"""Behaviour incidents: the ABC quick log, the full report's parts (other pupils, staff and
witnesses, injuries with a body map), addenda and corrections, and the server-side drafts that
keep a half-typed report safe.

A submitted incident is evidence: nobody edits or deletes it. Later information is an addendum;
a correction of a fact (time, place, pupil) is a structured addendum that also moves the
incident's own column, so lists and dashboards use the corrected value while the addendum keeps
the original (DECISIONS.md)."""

import uuid
import zoneinfo

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.access import Ability
from accounts.models import Location, Period, School
from pupils.models import Pupil

from . import tallies

MAX_DURATION_MINUTES = 480  # a whole school day; longer is a typing slip
LOCAL_TZ = "Europe/London"  # every school is in England; the stored local fields use this zone


class PickKind(models.TextChoices):
    ANTECEDENT = "antecedent", "Antecedent (what happened just before)"
    BEHAVIOUR = "behaviour", "Behaviour (what the pupil did)"
    CONSEQUENCE = "consequence", "Consequence (what happened straight after)"
    STRATEGY = "strategy", "Strategy used"
    OUTCOME = "outcome", "Outcome"


# Common options offered when a school has not set its own list (Django admin: quick-pick options).
DEFAULT_PICKS: dict[str, list[str]] = {
    PickKind.ANTECEDENT: [
        "Asked to start a task", "Change of activity or routine", "Told 'no' or to wait", "Noise or crowding",
        "Peer conflict", "Unstructured time", "Demand to stop a preferred activity", "Unknown",
    ],
    PickKind.BEHAVIOUR: [
        "Refusal", "Shouting or swearing", "Leaving the room", "Hitting, kicking or biting",
        "Throwing objects", "Damage to property", "Self-harm", "Hiding or shutting down",
    ],
    PickKind.CONSEQUENCE: [
        "Calm reminder", "Given time and space", "Moved to a quiet space", "Task changed or reduced",
        "Peers moved away", "Adult stayed close", "Senior leader called",
    ],
    PickKind.STRATEGY: [
        "Reassurance", "Distraction", "Offered choices", "Now-and-next board", "Movement break",
        "Change of adult", "Humour",
    ],
    PickKind.OUTCOME: [
        "Returned to learning", "Calm, stayed out of class", "Still unsettled at end of lesson", "Went home early",
    ],
}


class Intensity(models.IntegerChoices):
    """A local 1-5 scale (there is no national one): a short descriptor per step."""

    LOW = 1, "1 · Low: brief, settled with a prompt"
    MILD = 2, "2 · Mild: needed adult support to settle"
    MODERATE = 3, "3 · Moderate: disrupted others' learning"
    HIGH = 4, "4 · High: risk to self, others or property"
    SEVERE = 5, "5 · Severe: harm caused or emergency help needed"


class SuspectedFunction(models.TextChoices):
    ESCAPE = "escape", "Escape or avoidance"
    ATTENTION = "attention", "Attention"
    TANGIBLE = "tangible", "Tangible (wanting something)"
    SENSORY = "sensory", "Sensory"
    UNKNOWN = "unknown", "Not sure yet"


@pghistory.track()
class QuickPick(models.Model):
    """A school's own common options for one ABC field (configured in the Django admin)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=PickKind.choices)
    label = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["school", "kind", "label"], name="quickpick_unique")]

    def __str__(self):
        return self.label


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, staff) -> "IncidentQuerySet":
        """Incidents this person may read in their current school: whole-school roles read all;
        TAs and teachers those about their caseload; everyone reads what they wrote themselves."""
        if staff is None or staff.school is None:
            return self.none()
        qs = self.filter(school=staff.school)
        if staff.can(Ability.READ_INCIDENTS) and staff.can(Ability.SEE_ALL_PUPILS):
            return qs
        own = Q(created_by=staff.user)
        if staff.can(Ability.READ_INCIDENTS):
            return qs.filter(own | Q(pupil__in=Pupil.objects.in_school(staff).in_caseload_of(staff).values("pk")))
        return qs.filter(own)


@pghistory.track(exclude=["local_date", "local_weekday", "local_hour"])  # derived from occurred_at
class Incident(models.Model):
    """One submitted behaviour incident (ABC). `occurred_at`, `location`, `period` and `pupil`
    hold the current values: a correction addendum keeps what they were before."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="incidents")
    occurred_at = models.DateTimeField("When it happened")
    recorded_at = models.DateTimeField("When it was recorded", default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name="Where")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="Lesson or period")
    activity = models.CharField("What the class was doing", max_length=120, blank=True)

    antecedent_picks = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    antecedent = models.TextField("Antecedent: anything else", blank=True)
    behaviour_picks = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    behaviour = models.TextField("Behaviour: in observable terms", blank=True)
    consequence_picks = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    consequence = models.TextField("Consequence: anything else", blank=True)
    strategy_picks = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    strategies = models.TextField("Other strategies tried", blank=True)
    intensity = models.PositiveSmallIntegerField(choices=Intensity.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        "How long (minutes)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)])
    outcome_picks = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    outcome = models.TextField("Outcome: anything else", blank=True)
    suspected_function = models.CharField(max_length=12, choices=SuspectedFunction.choices, blank=True)
    setting_events = models.TextField("Setting events (sleep, hunger, illness, home, new routine)", blank=True)

    # Full report parts that are single fields; the rest are linked rows below.
    damage = models.TextField("Damage to property", blank=True)
    physical_intervention = models.BooleanField(
        "Force, restraint, seclusion or immobilisation was used", default=False,
        help_text="A restrictive intervention record is then due today.")
    is_full_report = models.BooleanField(default=False, editable=False)

    corrected = models.BooleanField(default=False, editable=False)  # a fact was corrected by addendum
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)

    # `occurred_at` in Europe/London, stored so dashboards group by day, weekday and hour without
    # converting every row at query time. The services set them; the `local_time` trigger sets
    # them again in the database for writers that bypass the services (bulk loads, factories).
    local_date = models.DateField(editable=False)
    local_weekday = models.PositiveSmallIntegerField(editable=False)  # ISO: 1 Monday .. 7 Sunday
    local_hour = models.PositiveSmallIntegerField(editable=False)  # 0-23

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["school", "-occurred_at", "-id"], name="incident_school_when"),
            models.Index(fields=["pupil", "-occurred_at", "-id"], name="incident_pupil_when"),
            models.Index(fields=["created_by", "-recorded_at"], name="incident_author_when"),
            # The dashboards' range aggregates read only these columns: an index-only scan.
            models.Index(fields=["school", "local_date"], name="incident_school_local_date",
                         include=["pupil", "local_weekday", "local_hour", "period", "location",
                                  "physical_intervention", "intensity", "behaviour_picks", "antecedent_picks"]),
            # The per-pupil analytics page reads one pupil's range from this alone.
            models.Index(fields=["pupil", "local_date"], name="incident_pupil_local_date",
                         include=["school", "local_weekday", "local_hour", "intensity", "duration_minutes",
                                  "physical_intervention", "suspected_function", "antecedent_picks",
                                  "behaviour_picks", "strategy_picks", "outcome_picks"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(intensity__gte=1, intensity__lte=5), name="incident_intensity_1_5"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="incident_duration_bounds"),
        ]
        triggers = [
            pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="local_time", when=pgtrigger.Before, operation=pgtrigger.Insert | pgtrigger.Update,
                func=f"""
                    NEW.local_date := (NEW.occurred_at AT TIME ZONE '{LOCAL_TZ}')::date;
                    NEW.local_weekday := extract(isodow FROM NEW.occurred_at AT TIME ZONE '{LOCAL_TZ}');
                    NEW.local_hour := extract(hour FROM NEW.occurred_at AT TIME ZONE '{LOCAL_TZ}');
                    RETURN NEW;"""),
            # The dashboards' counts (IncidentTally), in the same transaction as the incident.
            pgtrigger.Trigger(name="tally", when=pgtrigger.After,
                              operation=pgtrigger.Insert | pgtrigger.Delete, func=tallies.TRIGGER_FUNC),
            pgtrigger.Trigger(name="tally_change", when=pgtrigger.After, operation=pgtrigger.Update,
                              condition=pgtrigger.Condition(tallies.TRIGGER_CONDITION), func=tallies.TRIGGER_FUNC),
        ]

    def __str__(self):
        return f"Incident {self.pk}"

    def validate_constraints(self, exclude=None):
        """The only constraints are the intensity and duration ranges: the fields' validators check
        them and the database enforces them, so Django's query per constraint is skipped (two
        queries on every quick log)."""

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.pk])

    @property
    def reference(self):
        return f"INC-{self.pk:06d}"

    def set_local_time(self) -> None:
        """Fill the stored local date, weekday and hour from `occurred_at` (see the fields)."""
        local = self.occurred_at.astimezone(zoneinfo.ZoneInfo(LOCAL_TZ))
        self.local_date, self.local_weekday, self.local_hour = local.date(), local.isoweekday(), local.hour

    @property
    def behaviour_summary(self):
        return ", ".join(self.behaviour_picks) or self.behaviour[:60]


class IncidentTally(models.Model):
    """Incidents of a school on a local day counted by one grouping: `dimension` is period, place
    or pupil (`key` the id; a NULL period is outside the school day) or behaviour or antecedent
    (`label` the tick). Derived, never written by the app: the `tally` triggers on Incident keep it
    exactly in step (incidents/tallies.py)."""

    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    local_date = models.DateField()
    dimension = models.CharField(max_length=10)
    key = models.IntegerField(null=True)
    label = models.CharField(max_length=60, null=True)
    n = models.IntegerField()
    physical = models.IntegerField()

    class Meta:
        constraints = [
            # Also the overview's index: a range of days read from the index alone.
            models.UniqueConstraint(fields=["school", "local_date", "dimension", "key", "label"],
                                    include=["n", "physical"], nulls_distinct=False, name="incident_tally_key"),
        ]

    def __str__(self):
        return f"{self.local_date} {self.dimension} {self.key or self.label}: {self.n}"


@pghistory.track()
class InvolvedPupil(models.Model):
    """Another pupil involved in the incident, with their part. Shown to readers who may not see
    that pupil as "another pupil" (DECISIONS.md)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involved_pupils")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    part = models.CharField("Their part", max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "pupil"], name="involved_pupil_once")]


class StaffRole(models.TextChoices):
    INVOLVED = "involved", "Involved"
    WITNESS = "witness", "Witness"


@pghistory.track()
class InvolvedStaff(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involved_staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=StaffRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "user", "role"], name="involved_staff_once")]


class BodyRegion(models.TextChoices):
    """A simple body map: front and back regions, drawn by incidents/_body_map.html (used by incident,
    restrictive-intervention and letter pages)."""

    HEAD = "head", "Head"
    FACE = "face", "Face"
    NECK = "neck", "Neck"
    CHEST = "chest", "Chest"
    ABDOMEN = "abdomen", "Abdomen"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    LEFT_ARM = "left_arm", "Left arm"
    RIGHT_ARM = "right_arm", "Right arm"
    LEFT_HAND = "left_hand", "Left hand or wrist"
    RIGHT_HAND = "right_hand", "Right hand or wrist"
    LEFT_LEG = "left_leg", "Left leg"
    RIGHT_LEG = "right_leg", "Right leg"
    LEFT_FOOT = "left_foot", "Left foot or ankle"
    RIGHT_FOOT = "right_foot", "Right foot or ankle"


class InjuredPerson(models.TextChoices):
    PUPIL = "pupil", "The pupil"
    OTHER_PUPIL = "other_pupil", "Another pupil"
    STAFF = "staff", "A member of staff"
    OTHER = "other", "Someone else"


@pghistory.track()
class Injury(models.Model):
    """An injury to a pupil or member of staff, with a body map and first aid. Restrictive-
    intervention records use these too (they are parts of the same incident)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="injuries")
    person = models.CharField("Who was hurt", max_length=12, choices=InjuredPerson.choices)
    staff_member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    body_regions = ArrayField(models.CharField(max_length=12, choices=BodyRegion.choices), default=list,
                              verbose_name="Where on the body")
    description = models.CharField("The injury", max_length=300)
    first_aid = models.CharField("First aid given", max_length=300, blank=True)
    first_aid_by = models.CharField("First aid given by", max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class AddendumKind(models.TextChoices):
    NOTE = "note", "Later information"
    WITNESS = "witness", "Witness statement"
    CORRECTION = "correction", "Correction of a fact"
    REVIEW = "review", "Reviewed"


class CorrectableField(models.TextChoices):
    OCCURRED_AT = "occurred_at", "When it happened"
    LOCATION = "location", "Where"
    PUPIL = "pupil", "Pupil"


@pghistory.track()
class Addendum(models.Model):
    """Later information or a correction, appended to a submitted incident with author and time."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="addenda")
    kind = models.CharField(max_length=12, choices=AddendumKind.choices, default=AddendumKind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A correction names the field and keeps both values as they read at the time.
    field = models.CharField(max_length=12, choices=CorrectableField.choices, blank=True)
    was = models.CharField(max_length=200, blank=True)
    now = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class IncidentDraft(models.Model):
    """A half-typed report, saved whole on each autosave. The author's own: never in lists, counts
    or dashboards. `key` is made by the form page so the first autosave needs no round trip."""

    key = models.UUIDField(default=uuid.uuid4, unique=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    full_report = models.BooleanField(default=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_as = models.OneToOneField(Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["author", "school", "-updated_at"], name="draft_author")]

    @property
    def is_open(self):
        return self.submitted_as_id is None and self.discarded_at is None
