"""Read-only views of the app's tables (unmanaged: the baseline creates and migrates nothing)."""

from django.db import models

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
