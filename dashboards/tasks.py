"""Pattern alert tasks, run by Celery beat (CELERY_BEAT_SCHEDULE): thin, one school at a time, each
school's run its own transaction, so one school's failure neither undoes nor stops the others."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def compute_pattern_alerts_task() -> dict:
    """Nightly: every school's alerts, brought up to date (safe to rerun the same day)."""
    from accounts.models import School

    from .alerts import compute_school_alerts

    today = timezone.localdate()
    totals = {"new": 0, "updated": 0, "cleared": 0, "failed": 0}
    for school in School.objects.all():
        try:
            counts = compute_school_alerts(school=school, today=today)
        except Exception:  # logged with its traceback; the next night's run tries this school again
            logger.exception("Pattern alerts failed for school %s", school.pk)
            totals["failed"] += 1
            continue
        for key, n in counts.items():
            totals[key] += n
    return totals


@shared_task(acks_late=True)
def weekly_digest_task() -> int:
    """Monday morning: each school's SENCos get a digest of the open alerts (once per week)."""
    from accounts.models import School

    from .alerts import send_weekly_digest

    today = timezone.localdate()
    return sum(send_weekly_digest(school=school, today=today) for school in School.objects.all())
