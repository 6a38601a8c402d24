"""Evidence packs for EHCP annual reviews: one row per pack made (a version), built by a Celery
worker with WeasyPrint, and batches of packs for the reviews due in a window.

A pack is job state and record in one row: queued -> running -> ready | failed. A worker owns a
running pack only while its lease lasts (claimed by a conditional UPDATE, kept alive by a heartbeat);
the sweeper requeues or fails a pack whose lease ran out (DECISIONS.md, Celery). A ready pack is
fixed: the database refuses any change to it or its deletion, so its file and SHA-256 stay as made;
making the pack again makes a new version."""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from pupils.models import Pupil

MAX_ATTEMPTS = 3  # a pack whose worker died this many times is failed, not requeued again


class PackBatch(models.Model):
    """Packs for every pupil with a review due by a date, started together by one person."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    due_by = models.DateField("Reviews due by")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)  # set once, when its last pack finished

    class Meta:
        ordering = ["-created_at", "-id"]

    def get_absolute_url(self):
        return reverse("reviews:batch_detail", args=[self.pk])


@pghistory.track(
    pghistory.InsertEvent(),
    # Heartbeats and step changes are progress, not record: history keeps status changes and outcomes.
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=["heartbeat_at", "lease_expires_at", "step",
                                                                 "steps_done", "steps_total"])),
)
class EvidencePack(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(PackBatch, on_delete=models.PROTECT, related_name="packs", null=True, blank=True)
    version = models.PositiveIntegerField()  # 1, 2, ... per pupil; making it again keeps the old one
    period_start = models.DateField("From")
    period_end = models.DateField("To")
    review_date = models.DateField("Review date", null=True, blank=True)  # printed on the cover
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=120, blank=True)  # what the worker is doing now, in words
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    file = models.CharField(max_length=255, blank=True)  # name in default_storage, set only when ready
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "version"], name="pack_one_version_number_per_pupil"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")),
                                   name="pack_period_in_order"),
            models.CheckConstraint(condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")),
                                   name="pack_ready_has_file"),
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="pack_status_lease")]
        triggers = [
            pgtrigger.Protect(name="ready_pack_is_fixed", operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__status="ready")),
            pgtrigger.Protect(name="pack_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return f"Evidence pack v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def download_name(self) -> str:
        p = self.pupil
        return f"evidence-pack-{p.legal_last_name}-{p.legal_first_name}-v{self.version}.pdf".replace(" ", "-")

    def get_absolute_url(self):
        return reverse("reviews:pack_detail", args=[self.pk])


from .models_contributions import *  # noqa: E402,F401,F403  (staff contributions live in their own module)
