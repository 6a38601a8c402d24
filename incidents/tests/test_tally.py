"""Incident tallies (the dashboards' counts) stay exactly in step with the incidents: a quick log
adds its parts, corrections move them, changes to uncounted columns leave them alone, random
writes never drift, and two writers at once neither deadlock nor lose a count."""

import datetime
import io
import random
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.factories import LocationFactory, PeriodFactory
from incidents import tallies
from incidents.factories import IncidentFactory
from incidents.models import Incident, IncidentTally
from incidents.services import correct_fact
from pupils.factories import PupilFactory

from .helpers import local_input, places, quick_log_data, staff_of


def tally_rows(school, day=None):
    rows = IncidentTally.objects.filter(school=school, **({"local_date": day} if day else {})).exclude(n=0, physical=0)
    return sorted((t.local_date, t.dimension, t.key, t.label, t.n, t.physical) for t in rows)


def test_a_quick_log_is_tallied_once_under_each_grouping(client, world):
    where = places(world)
    client.force_login(world.people["ta"])
    when = timezone.localtime(timezone.now() - datetime.timedelta(days=1)).replace(hour=14, minute=5)
    client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"], occurred_at=local_input(when),
                                                  physical_intervention="on"))
    assert Incident.objects.count() == 1
    day = when.date()
    assert tally_rows(world.school) == sorted([
        (day, "period", where["afternoon"].pk, None, 1, 1),
        (day, "place", where["hall"].pk, None, 1, 1),
        (day, "pupil", world.pupil_in.pk, None, 1, 1),
        (day, "behaviour", None, "Shouting or swearing", 1, 1),
        (day, "behaviour", None, "Leaving the room", 1, 1),
        (day, "antecedent", None, "Asked to start a task", 1, 1),
    ])
    assert tallies.drift() == []


def test_corrections_move_the_counts_from_the_old_day_place_and_pupil_to_the_new(world):
    where = places(world)
    staff = staff_of(world, "senco")
    first = timezone.localtime(timezone.now() - datetime.timedelta(days=3)).replace(hour=10, minute=0)
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"], occurred_at=first,
                               location=where["hall"], period=where["morning"], behaviour_picks=["Refusal"],
                               antecedent_picks=[])
    IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"], occurred_at=first, location=where["hall"],
                    period=where["morning"], behaviour_picks=["Refusal"], antecedent_picks=[])  # the day keeps one

    later = first + datetime.timedelta(days=1, hours=4)
    correct_fact(staff=staff, incident=incident, field="occurred_at", value=later, reason="Wrong day")
    correct_fact(staff=staff, incident=incident, field="location", value=where["playground"], reason="Outside")
    correct_fact(staff=staff, incident=incident, field="pupil", value=world.pupil_out, reason="Wrong child")

    assert tally_rows(world.school, first.date()) == sorted([
        (first.date(), "period", where["morning"].pk, None, 1, 0),
        (first.date(), "place", where["hall"].pk, None, 1, 0),
        (first.date(), "pupil", world.pupil_in.pk, None, 1, 0),
        (first.date(), "behaviour", None, "Refusal", 1, 0),
    ])
    assert tally_rows(world.school, later.date()) == sorted([
        (later.date(), "period", where["afternoon"].pk, None, 1, 0),
        (later.date(), "place", where["playground"].pk, None, 1, 0),
        (later.date(), "pupil", world.pupil_out.pk, None, 1, 0),
        (later.date(), "behaviour", None, "Refusal", 1, 0),
    ])
    assert tallies.drift() == []


def test_a_change_to_an_uncounted_column_leaves_the_tallies_unwritten(world):
    incident = IncidentFactory(pupil=world.pupil_in)

    def versions():
        with connection.cursor() as cur:
            cur.execute("SELECT id, ctid::text FROM incidents_incidenttally ORDER BY id")
            return cur.fetchall()

    before = versions()
    Incident.objects.filter(pk=incident.pk).update(reviewed_at=timezone.now(), behaviour="More words")
    assert versions() == before
    Incident.objects.filter(pk=incident.pk).update(physical_intervention=True)
    assert versions() != before
    assert tallies.drift() == []


def test_drift_finds_a_tampered_tally_and_rebuild_repairs_it(world):
    IncidentFactory(pupil=world.pupil_in, behaviour_picks=["Refusal", "Refusal"],  # a label twice counts once
                    occurred_at=timezone.now() - datetime.timedelta(hours=2))
    assert tallies.drift() == []
    IncidentTally.objects.filter(dimension="behaviour").update(n=2)
    IncidentTally.objects.create(school=world.school, local_date=datetime.date(2026, 1, 5), dimension="pupil",
                                 key=world.pupil_out.pk, n=1, physical=0)
    day = timezone.localdate(timezone.now() - datetime.timedelta(hours=2))
    assert tallies.drift() == [  # (school, day, dimension, key, label, counted n, tallied n, physical both)
        (world.school.pk, datetime.date(2026, 1, 5), "pupil", world.pupil_out.pk, None, None, 1, None, 0),
        (world.school.pk, day, "behaviour", None, "Refusal", 1, 2, 0, 0)]
    tallies.rebuild(world.school.pk)
    assert tallies.drift() == []


def test_random_writes_never_drift(world):
    """Random incidents at two schools, then random changes to every counted column through the
    ORM (single saves and bulk updates), checked against a recount after each round."""
    rng = random.Random(8)
    schools = [world.school, world.other_school]
    setup = {}
    for school in schools:
        setup[school.pk] = {
            "pupils": [PupilFactory(school=school) for _ in range(4)],
            "places": [LocationFactory(school=school) for _ in range(3)],
            "periods": [PeriodFactory(school=school, starts_at=datetime.time(h), ends_at=datetime.time(h + 1))
                        for h in (9, 10)] + [None],
        }
    labels = ["Refusal", "Shouting or swearing", "Leaving the room", "Hitting, kicking or biting"]
    base = timezone.now() - datetime.timedelta(days=30)

    def random_fields(school_id):
        s = setup[school_id]
        return {"pupil": rng.choice(s["pupils"]), "location": rng.choice(s["places"]),
                "period": rng.choice(s["periods"]), "physical_intervention": rng.random() < 0.3,
                "occurred_at": base + datetime.timedelta(days=rng.randrange(20), hours=rng.randrange(24)),
                "behaviour_picks": rng.sample(labels, rng.randrange(3)) + rng.sample(labels, rng.randrange(2)),
                "antecedent_picks": rng.sample(labels, rng.randrange(2))}

    incidents = []
    for _ in range(60):
        school = rng.choice(schools)
        incidents.append(IncidentFactory(school=school, **random_fields(school.pk)))
    assert tallies.drift() == []
    for _round in range(4):
        for incident in rng.sample(incidents, 15):
            for field, value in random_fields(incident.school_id).items():
                if rng.random() < 0.5:
                    setattr(incident, field, value)
            incident.save()
        some = [i.pk for i in rng.sample(incidents, 10)]
        Incident.objects.filter(pk__in=some).update(physical_intervention=rng.random() < 0.5, antecedent_picks=[])
        assert tallies.drift() == [], f"round {_round}"
    counted = Incident.objects.count()
    for dimension in ("period", "place", "pupil"):
        assert sum(IncidentTally.objects.filter(dimension=dimension).values_list("n", flat=True)) == counted


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_on_the_same_day_lose_nothing_and_never_deadlock(world):
    hall, playground = LocationFactory(school=world.school), LocationFactory(school=world.school)
    when = timezone.now() - datetime.timedelta(hours=1)
    errors = []

    def write(picks_order, place):
        try:
            for i in range(15):
                IncidentFactory(school=world.school, pupil=world.pupil_in, created_by=world.people["ta"],
                                occurred_at=when, location=place, behaviour_picks=list(picks_order),
                                physical_intervention=bool(i % 2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(["Refusal", "Shouting or swearing"], hall)),
               threading.Thread(target=write, args=(["Shouting or swearing", "Refusal"], playground))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    day = timezone.localtime(when).date()
    assert IncidentTally.objects.get(dimension="pupil", key=world.pupil_in.pk, local_date=day).n == 30
    assert IncidentTally.objects.get(dimension="behaviour", label="Refusal", local_date=day).physical == 14
    assert tallies.drift() == []


def test_the_command_reports_drift_and_rebuilds(world):
    IncidentFactory(pupil=world.pupil_in)
    out = io.StringIO()
    call_command("incident_tallies", stdout=out)
    assert "match" in out.getvalue()
    IncidentTally.objects.filter(dimension="pupil").update(n=5, physical=1)
    with pytest.raises(CommandError, match="1 tally rows differ"):
        call_command("incident_tallies", stdout=(out := io.StringIO()))
    assert f"pupil {world.pupil_in.pk} None: incidents say 1 (force 0), tally says 5 (force 1)" in out.getvalue()
    call_command("incident_tallies", "--rebuild", "--school", world.school.urn, stdout=io.StringIO())
    assert tallies.drift() == []
