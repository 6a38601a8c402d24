"""One inbox for the whole product: a row per recipient, and an email through Celery on commit."""

from django.conf import settings
from django.db import transaction

from .models import Notification


def notify(*, users, school, subject: str, body: str = "", url: str = "") -> list[Notification]:
    from .tasks import send_email_task

    users = [u for u in users if u.is_active]
    rows = Notification.objects.bulk_create(
        [Notification(user=u, school=school, subject=subject, body=body, url=url) for u in users]
    )
    emails = [u.email for u in users]
    link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url  # an email needs the whole address
    if emails:
        transaction.on_commit(lambda: send_email_task.delay(
            to=emails, subject=f"SEND Support: {subject}", body=f"{body}\n\n{link}".strip()))
    return rows


def staff_with_ability(school, ability):
    """Active staff of a school whose roles give them `ability` (e.g. the SENCo for SEN alerts)."""
    from accounts.access import ROLE_ABILITIES
    from accounts.models import Membership

    roles = [role for role, abilities in ROLE_ABILITIES.items() if ability in abilities]
    return [m.user for m in Membership.objects.filter(school=school, is_active=True, roles__overlap=roles,
                                                      user__is_active=True).select_related("user")]
