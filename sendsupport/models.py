"""Cross-app plumbing: the access log of sensitive reads and downloads."""

import pgtrigger
from django.conf import settings
from django.db import models


class AccessLog(models.Model):
    """One row per sensitive read or download (pupil profile, history, files).

    Writes are audited by the history triggers; reads are recorded here. Rows are append-only:
    a database trigger refuses updates and deletes whatever code path tries them."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+", null=True)
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="access_log", null=True)
    action = models.CharField(max_length=60, help_text="What was read, e.g. pupil.profile.view")
    path = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True)
    reason = models.TextField(blank=True, help_text="Given for break-glass access")

    ACTION_LABELS = {
        "pupil.profile.view": "Profile",
        "pupil.one_page_profile.view": "One-page profile",
        "pupil.history.view": "History of changes",
        "pupil.viewers.view": "Who viewed this record",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["pupil", "-at"], name="accesslog_pupil_at")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]


class Notification(models.Model):
    """The in-app inbox; the same message also goes by email through Celery (notify())."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "school", "read_at"], name="notification_inbox")]
