"""Safeguarding concerns (the child-protection file): a concern raised by any member of staff,
and the designated safeguarding lead's (DSL's) actions, decisions, referrals and status changes.

Read only by DSL role holders (lead and deputies): everyone else can raise a concern and sees that
it was received. What the raiser wrote is evidence and never changes (a database trigger refuses
it); the DSL's work is appended as `ConcernAction` rows, which are never changed or deleted.
The status and the latest decision on `Concern` move only with an action row (services.py), and
the history triggers keep every earlier value.

History rows keep the pupil and the related incident as plain ids, not foreign keys: a pupil's
"history of changes" page gathers every history row that points at the pupil, and must not show
people outside the safeguarding team that a concern exists."""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from incidents.models import BodyRegion, Incident
from pupils.models import Pupil


class Status(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    REFERRED = "referred", "Referred to children's social care"
    CLOSED = "closed", "Closed"


NOT_CLOSED = (Status.OPEN, Status.MONITORING, Status.REFERRED)

# The columns the raiser wrote: fixed once the concern is saved (a trigger refuses any change).
RAISED_FIELDS = ("school", "pupil", "raised_by", "recorded_at", "occurred_at", "place", "facts", "child_words",
                 "opinion", "immediate_action", "body_regions", "related_incident")


@pghistory.track(attrs={
    # Plain ids in the history rows (see the module docstring).
    "pupil": models.BigIntegerField(db_column="pupil_id"),
    "related_incident": models.BigIntegerField(db_column="related_incident_id", null=True),
})
class Concern(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("Recorded", default=timezone.now, editable=False)
    occurred_at = models.DateTimeField("When you saw or heard this")
    place = models.CharField("Where", max_length=120)
    facts = models.TextField("What you saw or heard",
                             help_text="Facts only: what you saw, what you heard, who was there. Describe any "
                                       "marks or injuries (size, colour, shape).")
    child_words = models.TextField("What the child said, in their own words", blank=True,
                                   help_text="Write exactly what they said, even if it is rude or unclear. "
                                             "Leave blank if they said nothing.")
    opinion = models.TextField("Your opinion (optional)", blank=True,
                               help_text="Kept separate from the facts and shown as your opinion.")
    immediate_action = models.TextField("What you did straight away", blank=True,
                                        help_text="For example: reassured the child, gave first aid, told the DSL "
                                                  "in person.")
    body_regions = ArrayField(models.CharField(max_length=12, choices=BodyRegion.choices), default=list,
                              blank=True, verbose_name="Marks or injuries on the body")
    related_incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name="Related incident")

    # The DSL's side: changed only through services, each change with an action row.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, editable=False)
    dsl_decision = models.TextField("DSL decision", blank=True, editable=False)
    dsl_decision_reason = models.TextField("Reason for the decision", blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    last_action_at = models.DateTimeField(null=True, blank=True, editable=False)  # None: nobody has acted yet

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["school", "-recorded_at", "-id"], name="concern_school_when"),
            models.Index(fields=["pupil", "occurred_at"], name="concern_pupil_when"),
            models.Index(fields=["raised_by", "school", "-recorded_at"], name="concern_raiser_when"),
            models.Index(fields=["related_incident"], name="concern_incident",
                         condition=Q(related_incident__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="concern_status_valid"),
            models.CheckConstraint(condition=~Q(facts=""), name="concern_facts_given"),
        ]
        triggers = [
            pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(name="raised_facts_fixed", operation=pgtrigger.Update,
                              condition=pgtrigger.AnyChange(*RAISED_FIELDS)),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        return f"SG-{self.pk:06d}" if self.pk else "SG-(new)"

    @property
    def is_new(self):
        """Raised and not yet acted on by the safeguarding team."""
        return self.last_action_at is None

    @property
    def body_region_labels(self):
        return [BodyRegion(r).label for r in self.body_regions if r in BodyRegion.values]

    def get_absolute_url(self):
        return reverse("safeguarding:detail", args=[self.pk])


class ActionKind(models.TextChoices):
    ACTION = "action", "Action"
    DECISION = "decision", "Decision"
    REFERRAL = "referral", "Referral"
    STATUS = "status", "Status change"
    NOTE = "note", "Note"


class Agency(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"


@pghistory.track()
class ConcernAction(models.Model):
    """One entry in a concern's record, written by the safeguarding team: an action (with who will
    do it and the outcome), a decision with its reason, a referral (agency and reference), a status
    change, or a note. Never changed or deleted: a later entry corrects an earlier one."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="actions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    text = models.TextField()
    owner = models.CharField("Who will do it", max_length=120, blank=True)
    outcome = models.TextField("Outcome", blank=True)
    reason = models.TextField("Reason", blank=True)
    agency = models.CharField("Referred to", max_length=12, choices=Agency.choices, blank=True)
    reference = models.CharField("Their reference", max_length=60, blank=True)
    old_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=12, choices=Status.choices, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["concern", "at", "id"], name="concern_action_when")]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=ActionKind.STATUS) | ~Q(new_status=""),
                                   name="concern_action_status_has_new"),
            models.CheckConstraint(condition=~Q(kind=ActionKind.REFERRAL) | ~Q(agency=""),
                                   name="concern_action_referral_has_agency"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.concern_id}"

    @property
    def headline(self) -> str:
        if self.kind == ActionKind.STATUS:
            return f"Status: {self.get_old_status_display() or '?'} → {self.get_new_status_display()}"
        if self.kind == ActionKind.REFERRAL:
            return f"Referral to {self.get_agency_display().lower()}"
        return self.get_kind_display()
