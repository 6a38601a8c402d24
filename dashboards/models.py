"""Pattern alerts: what the nightly computation found (dashboards.alerts), kept in a small table of
their own so the pages read it instead of testing every pupil, place and period on each request.

This is the only table the dashboards write (ARCHITECTURE.md): one row per episode of a pattern.
While the pattern holds, the nightly run updates the same row (new figures, `last_seen_on`); when it
stops holding the row is closed (`cleared_on`); if it comes back later that is a new episode."""

import pghistory
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Location, Period, School
from pupils.models import Pupil


class AlertKind(models.TextChoices):
    PUPIL_RISE = "pupil_rise", "Incidents rising for a pupil"
    PLACE_HOTSPOT = "place_hotspot", "New hotspot: a place"
    PERIOD_HOTSPOT = "period_hotspot", "New hotspot: a time of day"
    REPEATED_FORCE = "repeated_force", "Repeated physical intervention"


@pghistory.track()
class PatternAlert(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    # Exactly one subject, by kind: the pupil (rise, repeated force), the place or the period.
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    # The figures of the latest run that found the pattern.
    recent_from = models.DateField()  # first day of the last 4 school weeks
    recent_to = models.DateField()  # the last day counted: the day before the run
    recent_count = models.PositiveIntegerField()
    recent_days = models.PositiveSmallIntegerField()  # school days in the recent window
    baseline_from = models.DateField(null=True, blank=True)  # null for repeated force (no baseline)
    baseline_count = models.PositiveIntegerField(default=0)
    baseline_days = models.PositiveSmallIntegerField(default=0)
    p_value = models.FloatField(null=True, blank=True)
    dispersion = models.FloatField(default=1.0)  # the baseline's variance over mean, at least 1

    first_seen_on = models.DateField()
    last_seen_on = models.DateField()
    cleared_on = models.DateField(null=True, blank=True)  # the first run that no longer found it

    class Meta:
        ordering = ["kind", "-recent_count", "id"]
        constraints = [
            # One open episode per subject: a pattern still there next week is the same row.
            models.UniqueConstraint(fields=["school", "kind", "pupil", "location", "period"],
                                    condition=Q(cleared_on__isnull=True), nulls_distinct=False,
                                    name="pattern_alert_one_open"),
            models.CheckConstraint(
                condition=(Q(kind__in=["pupil_rise", "repeated_force"], pupil__isnull=False,
                             location__isnull=True, period__isnull=True)
                           | Q(kind="place_hotspot", pupil__isnull=True, location__isnull=False, period__isnull=True)
                           | Q(kind="period_hotspot", pupil__isnull=True, location__isnull=True,
                               period__isnull=False)),
                name="pattern_alert_one_subject"),
        ]
        indexes = [models.Index(fields=["school", "cleared_on"], name="pattern_alert_school_open")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_label}"

    def get_absolute_url(self):
        return reverse("dashboards:alert", args=[self.pk])

    @property
    def is_open(self):
        return self.cleared_on is None

    @property
    def subject_label(self):
        if self.location_id:
            return self.location.name
        if self.period_id:
            return self.period.name
        return self.pupil.display_name

    @property
    def recent_rate(self):
        """Incidents per school week (5 school days) in the last 4 school weeks."""
        return 5 * self.recent_count / self.recent_days if self.recent_days else 0

    @property
    def baseline_rate(self):
        return 5 * self.baseline_count / self.baseline_days if self.baseline_days else 0


@pghistory.track()
class AlertDigest(models.Model):
    """The weekly digest sent to a school's SENCos: a row per school and week, claimed before
    sending, so a redelivered Monday task does not email twice."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    week_of = models.DateField()  # the Monday
    sent_at = models.DateTimeField(auto_now_add=True)
    open_alerts = models.PositiveIntegerField()
    new_alerts = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "week_of"], name="alert_digest_once_a_week")]
