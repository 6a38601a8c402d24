"""Unmanaged models of the app's tables: the baseline creates and migrates nothing, and writes only
the one incident row its insert view adds per request."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

YEAR_GROUPS = [(-1, "Nursery"), (0, "Reception")] + [(n, f"Year {n}") for n in range(1, 15)]
SEN_STATUS = [("E", "EHCP"), ("K", "SEN support"), ("N", "No SEN")]


class BareClassGroup(models.Model):
    name = models.CharField(max_length=40)

    class Meta:
        managed = False
        db_table = "pupils_classgroup"

    def __str__(self):
        return self.name


class BarePupil(models.Model):
    school_id = models.BigIntegerField()
    legal_first_name = models.CharField(max_length=80)
    legal_last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80)
    year_group = models.SmallIntegerField(choices=YEAR_GROUPS)
    class_group = models.ForeignKey(BareClassGroup, on_delete=models.DO_NOTHING, null=True)
    sen_status = models.CharField(max_length=1, choices=SEN_STATUS)
    primary_need = models.CharField(max_length=4)
    medical_alerts = models.TextField()
    allergies = models.TextField()
    archived_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "pupils_pupil"

    @property
    def has_medical_alert(self):
        return bool(self.medical_alerts.strip() or self.allergies.strip())


class BareUser(models.Model):
    full_name = models.CharField(max_length=150)

    class Meta:
        managed = False
        db_table = "accounts_user"

    def __str__(self):
        return self.full_name


class BareLocation(models.Model):
    school_id = models.BigIntegerField()
    name = models.CharField(max_length=80)

    class Meta:
        managed = False
        db_table = "accounts_location"

    def __str__(self):
        return self.name


class BarePeriod(models.Model):
    school_id = models.BigIntegerField()
    name = models.CharField(max_length=40)

    class Meta:
        managed = False
        db_table = "accounts_period"

    def __str__(self):
        return self.name


def _empty():
    return []


class BareIncident(models.Model):
    """The app's ``incidents_incident`` table, every NOT NULL column included so the bare view can
    insert a whole row (the app's history trigger on the table fires for it too)."""

    school_id = models.BigIntegerField()
    pupil = models.ForeignKey(BarePupil, on_delete=models.DO_NOTHING)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(BareUser, on_delete=models.DO_NOTHING, related_name="+")
    location = models.ForeignKey(BareLocation, on_delete=models.DO_NOTHING)
    period = models.ForeignKey(BarePeriod, on_delete=models.DO_NOTHING, null=True, blank=True)
    activity = models.CharField(max_length=120, blank=True)
    antecedent_picks = ArrayField(models.CharField(max_length=60), default=_empty, blank=True)
    antecedent = models.TextField(blank=True)
    behaviour_picks = ArrayField(models.CharField(max_length=60), default=_empty, blank=True)
    behaviour = models.TextField(blank=True)
    consequence_picks = ArrayField(models.CharField(max_length=60), default=_empty, blank=True)
    consequence = models.TextField(blank=True)
    strategy_picks = ArrayField(models.CharField(max_length=200), default=_empty, blank=True)
    strategies = models.TextField(blank=True)
    intensity = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_picks = ArrayField(models.CharField(max_length=60), default=_empty, blank=True)
    outcome = models.TextField(blank=True)
    suspected_function = models.CharField(max_length=12, blank=True)
    setting_events = models.TextField(blank=True)
    damage = models.TextField(blank=True)
    physical_intervention = models.BooleanField(default=False)
    is_full_report = models.BooleanField(default=False)
    corrected = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "incidents_incident"

    @property
    def behaviour_summary(self):
        return ", ".join(self.behaviour_picks) or self.behaviour[:60]
