"""Evidence pack tasks: thin, by primary key; the state lives in the pack's row (services.py)."""

from celery import shared_task

from .models import MAX_ATTEMPTS, EvidencePack


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS)
def build_pack_task(self, pack_id: int) -> str:
    """Safe to run twice: a pack already made, failed or owned by a live worker is left alone."""
    from .services import TRANSIENT_ERRORS, build_pack

    try:
        return build_pack(pack_id=pack_id)
    except TRANSIENT_ERRORS as exc:
        # build_pack gave the pack back to the queue, or failed it on its last attempt.
        if not EvidencePack.objects.filter(pk=pack_id, status=EvidencePack.Status.QUEUED).exists():
            return "failed"
        raise self.retry(exc=exc, countdown=10 * (self.request.retries + 1))


@shared_task
def sweep_pack_jobs_task() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): requeue or fail packs whose worker died."""
    from .services import sweep_pack_jobs

    result = sweep_pack_jobs()
    return {"requeued": result.requeued, "failed": result.failed, "resent": result.resent}
