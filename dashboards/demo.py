"""Demo pattern alerts: worked out from the seeded incidents, as the nightly task would.

Run through ``manage.py seed_demo`` after ``incidents.demo`` and ``restrictive.demo`` (it reads the
incidents they leave). The demo incidents carry a pupil who gets worse after the October
half-term and a few who often need physical intervention, so the overview and the alerts page
have something to show; nothing random is drawn here."""

from django.utils import timezone

from .alerts import compute_school_alerts


def seed(ctx) -> None:
    today = timezone.localdate()
    for school in ctx.schools:
        compute_school_alerts(school=school, today=today)  # idempotent: a second run changes nothing
