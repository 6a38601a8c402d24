"""Beat jobs for medication (thin: the work is in services)."""

from celery import shared_task


@shared_task(acks_late=True)
def flag_missed_doses_task() -> int:
    """Every 15 minutes: scheduled doses whose window closed unrecorded become "missed" (once)."""
    from .services import flag_missed_doses

    return len(flag_missed_doses())


@shared_task(acks_late=True)
def stock_and_expiry_reminder_task() -> int:
    """Daily: remind the office of low stock and batches expiring within 30 days, and (weekly while
    it lasts) that next year's term dates are missing. Returns how many schools had the stock one."""
    from .services import stock_and_expiry_reminders, term_dates_reminders

    term_dates_reminders()
    return stock_and_expiry_reminders()
