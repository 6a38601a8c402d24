"""History of every write is kept by database triggers and cannot be changed or deleted."""

import os

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from pupils.models import Pupil
from sendsupport.models import AccessLog


def events_for(pupil):
    from pghistory.models import Events

    return list(Events.objects.tracks(pupil).order_by("pgh_created_at"))


def test_bulk_update_and_raw_sql_are_recorded(world):
    pupil = world.pupil_out
    Pupil.objects.filter(pk=pupil.pk).update(likes="Trains")
    with connection.cursor() as cur:
        cur.execute("UPDATE pupils_pupil SET dislikes = 'Hand dryers' WHERE id = %s", [pupil.pk])
    diffs = [e.pgh_diff or {} for e in events_for(pupil) if e.pgh_label == "update"]
    assert any(d.get("likes") == ["", "Trains"] for d in diffs)
    assert any(d.get("dislikes") == ["", "Hand dryers"] for d in diffs)


def test_history_rows_cannot_be_updated_or_deleted_even_by_the_owner(world):
    event_model = apps.get_model("pupils", "PupilEvent")
    assert event_model.objects.filter(pgh_obj_id=world.pupil_in.pk).exists()
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        event_model.objects.filter(pgh_obj_id=world.pupil_in.pk).update(legal_last_name="Forged")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        event_model.objects.filter(pgh_obj_id=world.pupil_in.pk).delete()


def test_access_log_rows_cannot_be_changed(client, world):
    client.force_login(world.people["senco"])
    client.get(f"/pupils/{world.pupil_in.pk}/")
    row = AccessLog.objects.get(pupil=world.pupil_in)
    assert row.user == world.people["senco"] and row.action == "pupil.profile.view"
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(user=world.people["ta"])
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_app_role_cannot_tamper_with_history():
    """The running app's database role can insert history but not rewrite, delete or truncate it,
    nor switch the protecting triggers off."""
    from accounts.factories import SchoolFactory
    from pupils.factories import PupilFactory

    pupil = PupilFactory(school=SchoolFactory())
    # a role per xdist worker (roles are the cluster's, not a test database's); "master" without xdist,
    # where pytest-xdist's worker_id fixture does not exist (-p no:xdist)
    role = f"sendsupport_app_test_{os.environ.get('PYTEST_XDIST_WORKER', 'master')}"
    call_command("setup_app_role", role=role, password="test-only")
    params = connection.get_connection_params()
    dsn = dict(host=params.get("host") or "127.0.0.1", port=params.get("port") or 5432,
               dbname=connection.settings_dict["NAME"], user=role, password="test-only", autocommit=True)
    with psycopg.connect(**dsn) as app:
        # ordinary writes work, and are recorded
        app.execute("UPDATE pupils_pupil SET likes = 'Lego' WHERE id = %s", [pupil.pk])
        count = app.execute("SELECT count(*) FROM pupils_pupilevent WHERE pgh_obj_id = %s", [pupil.pk]).fetchone()[0]
        assert count == 2  # insert + update
        for sql in [
            "UPDATE pupils_pupilevent SET likes = 'forged'",
            "DELETE FROM pupils_pupilevent",
            "TRUNCATE pupils_pupilevent",
            "ALTER TABLE pupils_pupilevent DISABLE TRIGGER ALL",
            "DELETE FROM sendsupport_accesslog",
            "TRUNCATE sendsupport_accesslog",
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)


def test_history_page_names_who_changed_what(client, world):
    senco = world.people["senco"]
    client.force_login(senco)
    pupil = world.pupil_in
    response = client.get(f"/pupils/{pupil.pk}/edit/")
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update(
        class_group=pupil.class_group_id, what_helps="Ear defenders in assembly", communication=[],
        key_adults=[], date_of_birth=pupil.date_of_birth.isoformat(),
        **{"contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0},
    )
    data.pop("photo", None)
    response = client.post(f"/pupils/{pupil.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(f"/pupils/{pupil.pk}/history/").content.decode()
    assert "Ear defenders in assembly" in page and senco.full_name in page and "Pupil changed" in page
    assert "What helps" in page
