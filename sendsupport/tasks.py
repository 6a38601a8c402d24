from celery import shared_task
from django.core.mail import send_mail


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_email_task(self, *, to: list[str], subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, to)
    except OSError as exc:  # SMTP unreachable: try again later
        raise self.retry(exc=exc, countdown=60)


@shared_task
def clear_expired_sessions_task() -> None:
    """Idle sessions expire; this removes their rows (run hourly by Celery beat)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
