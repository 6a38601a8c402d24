"""The stored local date, weekday and hour of an incident (what the dashboards group by): set on
submission, moved by a time correction, right on both sides of a clock change, and set by the
database for writers that bypass the services."""

import datetime

import pghistory.models
import pytest
from django.db import connection
from django.utils import timezone

from incidents.factories import IncidentFactory
from incidents.models import Incident

from .helpers import local_input, places, quick_log_data

UTC = datetime.timezone.utc
# Clocks went back at 02:00 BST on Sunday 25 October 2026 (01:00 UTC).
LAST_BST_EVENING = datetime.datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 00:30 BST, Sunday 25th
FIRST_GMT_EVENING = datetime.datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # 23:30 GMT, Sunday 25th


def stored(incident):
    return tuple(Incident.objects.filter(pk=incident.pk).values_list("local_date", "local_weekday", "local_hour").get())


def test_a_quick_log_stores_its_london_date_weekday_and_hour(client, world):
    where = places(world)
    client.force_login(world.people["ta"])
    when = timezone.localtime(timezone.now() - datetime.timedelta(days=1)).replace(hour=9, minute=5)
    client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"], occurred_at=local_input(when)))
    incident = Incident.objects.get()
    assert stored(incident) == (when.date(), when.isoweekday(), 9)


def test_a_time_correction_moves_the_stored_local_time_and_history_keeps_the_original(client, world):
    places(world)
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["senco"], occurred_at=LAST_BST_EVENING)
    assert stored(incident) == (datetime.date(2026, 10, 25), 7, 0)  # BST: already Sunday, just after midnight
    client.force_login(world.people["senco"])
    response = client.post(f"/incidents/{incident.pk}/correct/", {
        "field": "occurred_at", "occurred_at": "2026-10-26T23:30", "reason": "It was the Monday night trip"})
    assert response.status_code == 302
    assert stored(incident) == (datetime.date(2026, 10, 26), 1, 23)  # GMT: Monday, 23:00 hour
    events = pghistory.models.Events.objects.references(incident).filter(pgh_model="incidents.IncidentEvent")
    assert [e.pgh_data["occurred_at"][:16] for e in events.order_by("pgh_created_at")] == [
        "2026-10-24T23:30", "2026-10-26T23:30"]


@pytest.mark.parametrize("utc, expected", [
    (LAST_BST_EVENING, (datetime.date(2026, 10, 25), 7, 0)),
    (datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), (datetime.date(2026, 10, 25), 7, 1)),  # 01:30 BST
    (datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), (datetime.date(2026, 10, 25), 7, 1)),  # 01:30 GMT
    (FIRST_GMT_EVENING, (datetime.date(2026, 10, 25), 7, 23)),
    (datetime.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), (datetime.date(2026, 3, 29), 7, 0)),  # 00:59 GMT
    (datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), (datetime.date(2026, 3, 29), 7, 2)),  # 02:00 BST
    (datetime.datetime(2026, 6, 30, 22, 15, tzinfo=UTC), (datetime.date(2026, 6, 30), 2, 23)),
    (datetime.datetime(2026, 12, 31, 23, 15, tzinfo=UTC), (datetime.date(2026, 12, 31), 4, 23)),
])
def test_the_service_and_the_database_agree_across_clock_changes(world, utc, expected):
    incident = IncidentFactory(pupil=world.pupil_in, occurred_at=utc)  # written straight to the table
    assert stored(incident) == expected  # the database trigger
    incident.set_local_time()
    assert (incident.local_date, incident.local_weekday, incident.local_hour) == expected  # the services


def test_the_stored_local_time_cannot_drift_from_occurred_at(world):
    incident = IncidentFactory(pupil=world.pupil_in, occurred_at=FIRST_GMT_EVENING)
    Incident.objects.filter(pk=incident.pk).update(local_date=datetime.date(2000, 1, 1), local_hour=3)
    assert stored(incident) == (datetime.date(2026, 10, 25), 7, 23)


def test_the_backfill_expression_matches_the_trigger(world):
    """The migration backfills with the trigger's expression: run it on a stored row."""
    incident = IncidentFactory(pupil=world.pupil_in, occurred_at=LAST_BST_EVENING)
    with connection.cursor() as cur:
        cur.execute("""
            SELECT (occurred_at AT TIME ZONE 'Europe/London')::date,
                   extract(isodow FROM occurred_at AT TIME ZONE 'Europe/London')::int,
                   extract(hour FROM occurred_at AT TIME ZONE 'Europe/London')::int
            FROM incidents_incident WHERE id = %s""", [incident.pk])
        assert cur.fetchone() == stored(incident)


def test_the_local_fields_are_not_offered_in_forms(client, world):
    client.force_login(world.people["ta"])
    page = client.get("/incidents/new/").content.decode()
    assert "local_date" not in page and "local_hour" not in page and "local_weekday" not in page
