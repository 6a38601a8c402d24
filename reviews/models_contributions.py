"""Staff contributions asked for before an annual review, and the DSL's safeguarding summary for a pack.

A ``Contribution`` is one member of staff's short account of a pupil (progress, what works, what is
still hard, an answer to the SENCo's question), asked for by a SENCo (Ability.MAKE_PACKS) with a due
date. Only the asked person writes it: a draft is theirs alone, then they submit it and it is fixed
(a database trigger refuses any change after submission, and any change to what was asked).
Its author may later withdraw it, with a reason: the row is kept, text and all, marked withdrawn
with who and when, and packs made afterwards leave it out (a pack already made stays as made).
Draft saves (the page autosaves as the person types) change the row but write no history row.

A ``SafeguardingSummary`` is what the DSL chooses to say about safeguarding in a pack for a period:
concerns themselves never go into a pack. Written and read only by DSL role holders; never changed.

History rows of both keep the pupil as a plain id, not a foreign key: a pupil's "history of changes"
page gathers every history row that points at the pupil and is open to people who must not read a
draft (it is its author's own) or know that a safeguarding summary exists."""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from pupils.models import Pupil

# What the SENCo asked: fixed once asked (the trigger refuses a change).
ASKED_FIELDS = ("school", "pupil", "asked", "requested_by", "requested_at", "due_on", "question")
# What the asked person wrote: fixed once submitted (a withdrawal only adds the withdrawal fields).
ANSWERED_FIELDS = ("progress", "what_works", "still_hard", "answer", "draft_saved_at", "submitted_at")


@pghistory.track(
    pghistory.InsertEvent(),
    # Drafts are autosaved every few seconds of typing and are their author's own (DECISIONS.md): the
    # history keeps what was asked, what was submitted (the evidence) and the withdrawal, not each draft.
    pghistory.UpdateEvent(condition=pgtrigger.Condition(
        'OLD.* IS DISTINCT FROM NEW.* AND NEW."submitted_at" IS NOT NULL')),
    pghistory.DeleteEvent(),
    attrs={"pupil": models.BigIntegerField(db_column="pupil_id")},
)
class Contribution(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    asked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name="Asked")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField("Due by")
    question = models.TextField("A question for them (optional)", blank=True)

    # The asked person's answer: a draft until submitted_at is set, then fixed.
    progress = models.TextField("Progress you have seen", blank=True)
    what_works = models.TextField("What works for them", blank=True)
    still_hard = models.TextField("What is still hard", blank=True)
    answer = models.TextField("Your answer to the question", blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Withdrawn by its author after submitting: kept, left out of packs made from then on.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField("Why are you withdrawing it?", blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(fields=["pupil", "requested_at"], name="contribution_pupil_when"),
            models.Index(fields=["asked", "school"], name="contribution_asked_open",
                         condition=Q(submitted_at__isnull=True)),
        ]
        constraints = [
            # A submitted contribution says something.
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(progress="", what_works="", still_hard="", answer=""),
                name="contribution_submitted_not_empty"),
            # Only a submitted contribution is withdrawn, and a withdrawal says who, when and why.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False, submitted_at__isnull=False)
                   & ~Q(withdrawal_reason="")),
                name="contribution_withdrawal_complete"),
        ]
        triggers = [
            pgtrigger.Protect(name="never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(name="submitted_fixed", operation=pgtrigger.Update, condition=pgtrigger.Condition(
                'OLD."submitted_at" IS NOT NULL AND ('
                + " OR ".join(f'OLD."{f}" IS DISTINCT FROM NEW."{f}"' for f in ANSWERED_FIELDS) + ")")),
            pgtrigger.Protect(name="withdrawal_fixed", operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__withdrawn_at__isnull=False)),
            pgtrigger.Protect(name="asked_fixed", operation=pgtrigger.Update,
                              condition=pgtrigger.AnyChange(*ASKED_FIELDS)),
        ]

    def __str__(self):
        return f"Contribution {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_draft(self) -> bool:
        return self.submitted_at is None and self.draft_saved_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.submitted_at is None and self.due_on < timezone.localdate()

    def get_absolute_url(self):
        return reverse("reviews:contribution", args=[self.pk])


@pghistory.track(attrs={"pupil": models.BigIntegerField(db_column="pupil_id")})
class SafeguardingSummary(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField("Period from")
    period_end = models.DateField("Period to")
    text = models.TextField("Summary for the pack",
                            help_text="What the review needs to know, in words you are content for parents, "
                                      "the local authority and other professionals to read. Don't name other "
                                      "pupils: write \"another pupil\".")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]
        indexes = [models.Index(fields=["pupil", "period_start", "period_end"], name="sg_summary_pupil_period")]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="sg_summary_period_order"),
            models.CheckConstraint(condition=~Q(text=""), name="sg_summary_text_given"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"Safeguarding summary {self.pk}"
