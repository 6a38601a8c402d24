"""Logging an incident: the quick log, the full report, drafts kept as the TA types, bad input."""

import datetime
import uuid

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from incidents.models import Addendum, Incident, IncidentDraft, Injury, InvolvedPupil
from sendsupport.models import Notification

from .helpers import full_report_data, local_input, places, quick_log_data


def test_ta_quick_logs_an_incident_for_a_caseload_pupil(client, world):
    ta, pupil = world.people["ta"], world.pupil_in
    where = places(world)
    client.force_login(ta)
    form = client.get("/incidents/new/").content.decode()
    assert f'id="pupil-{pupil.pk}"' in form and f'id="pupil-{world.pupil_out.pk}"' not in form  # caseload first
    before = timezone.now()
    data = quick_log_data(pupil, where["hall"], occurred_at=local_input(timezone.now().replace(hour=9, minute=5)
                                                                         - datetime.timedelta(days=1)))
    response = client.post("/incidents/new/", data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.pupil == pupil and incident.created_by == ta and incident.school == world.school
    assert incident.recorded_at >= before and incident.occurred_at < before - datetime.timedelta(hours=12)
    assert incident.period == where["morning"]  # worked out from the school's day
    assert incident.behaviour_picks == ["Shouting or swearing", "Leaving the room"] and incident.intensity == 3
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Shouting or swearing, Leaving the room" in page and "Recorded by Ta Person" in page


def test_strategies_come_from_the_pupils_behaviour_plan_first(client, world):
    from plans.tests.test_behaviour import make_bsp

    make_bsp(world.pupil_in, world.people["senco"], deescalation="Offer the quiet corner\nUse a calm voice")
    client.force_login(world.people["ta"])
    page = client.get(f"/incidents/new/?pupil={world.pupil_in.pk}").content.decode()
    assert page.index("Offer the quiet corner") < page.index("Reassurance")
    fragment = client.get(f"/incidents/strategy-picks/?pupil={world.pupil_in.pk}").content.decode()
    assert "Use a calm voice" in fragment
    where = places(world)
    client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"], strategy_picks=["Use a calm voice"]))
    assert Incident.objects.get().strategy_picks == ["Use a calm voice"]


def test_a_pupil_outside_the_caseload_shows_no_plan_strategies(client, world):
    from plans.tests.test_behaviour import make_bsp

    make_bsp(world.pupil_out, world.people["senco"], deescalation="Offer the quiet corner")
    client.force_login(world.people["ta"])
    assert "quiet corner" not in client.get(f"/incidents/strategy-picks/?pupil={world.pupil_out.pk}").content.decode()
    assert "quiet corner" not in client.get(f"/incidents/new/?pupil={world.pupil_out.pk}").content.decode()
    client.force_login(world.people["senco"])
    assert "quiet corner" in client.get(f"/incidents/strategy-picks/?pupil={world.pupil_out.pk}").content.decode()


def test_anyone_may_log_for_any_pupil_of_their_school_but_then_sees_only_their_own_record(client, world):
    ta, pupil = world.people["ta"], world.pupil_out  # not on the TA's caseload (lunch duty)
    where = places(world)
    earlier = Incident.objects.create(school=world.school, pupil=pupil, occurred_at=timezone.now(),
                                      created_by=world.people["senco"], location=where["hall"], intensity=2)
    client.force_login(ta)
    search = client.get("/incidents/pupil-search/?pupil_q=Isl").content.decode()
    assert "Isla Morgan" in search and "4B" in search and "SEMH" not in search  # name and class only
    response = client.post("/incidents/new/", quick_log_data(pupil, where["playground"]))
    mine = Incident.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302 and mine.pupil == pupil
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(earlier.get_absolute_url()).status_code == 404
    assert client.get(pupil.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("override, field, message", [
    ({"occurred_at": "2099-01-01T10:00"}, "occurred_at", "That time is in the future"),
    ({"occurred_at": "yesterday"}, "occurred_at", "Enter a date and time"),
    ({"duration_minutes": 0}, "duration_minutes", "Enter at least 1 minute"),
    ({"duration_minutes": 900}, "duration_minutes", "Enter at most 480 minutes"),
    ({"intensity": None}, "intensity", "Choose how intense it was"),
    ({"location": None}, "location", "Choose where it happened"),
    ({"behaviour_picks": None}, "behaviour_picks", "Choose what the pupil did, or describe it"),
])
def test_bad_input_is_explained_next_to_the_field_and_everything_typed_is_kept(client, world, override, field, message):
    where = places(world)
    client.force_login(world.people["ta"])
    response = client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"], antecedent="He said "
                                                             "'no' twice", **override))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page and "He said &#x27;no&#x27; twice" in page
    assert 'value="Asked to start a task" class="btn-check" autocomplete="off" id="id_antecedent_picks_0" checked' in page
    assert not Incident.objects.exists()


def test_a_pupil_of_another_school_is_refused(client, world):
    where = places(world)
    client.force_login(world.people["ta"])
    response = client.post("/incidents/new/", quick_log_data(world.pupil_other_school, where["hall"]))
    assert response.status_code == 400
    assert "Choose a pupil of your school." in response.content.decode()
    assert not Incident.objects.exists()


def test_another_schools_place_is_refused(client, world):
    from accounts.factories import LocationFactory

    elsewhere = LocationFactory(school=world.other_school, name="Their hall")
    client.force_login(world.people["ta"])
    response = client.post("/incidents/new/", quick_log_data(world.pupil_in, elsewhere))
    assert response.status_code == 400 and "Choose one of your school&#x27;s places." in response.content.decode()


def test_full_report_saves_pupils_staff_and_injuries_together(client, world, django_capture_on_commit_callbacks):
    where = places(world)
    ta, senco = world.people["ta"], world.people["senco"]
    client.force_login(ta)
    data = full_report_data(world.pupil_in, where["hall"], **{
        "pupils-TOTAL_FORMS": 1, "pupils-0-pupil": world.pupil_out.pk, "pupils-0-part": "Was pushed",
        "injuries-TOTAL_FORMS": 1, "injuries-0-person": "staff", "injuries-0-staff_member": ta.pk,
        "injuries-0-body_regions": ["left_arm"], "injuries-0-description": "Scratch",
        "injuries-0-first_aid": "Cleaned", "staff_involved": [ta.pk], "witnesses": [senco.pk],
        "damage": "Broken chair", "physical_intervention": "on",
    })
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/incidents/full/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    incident = Incident.objects.get()
    assert incident.is_full_report and incident.damage == "Broken chair" and incident.physical_intervention
    assert InvolvedPupil.objects.get().pupil == world.pupil_out
    injury = Injury.objects.get()
    assert injury.body_regions == ["left_arm"] and injury.recorded_by == ta
    assert {(s.user, s.role) for s in incident.involved_staff.all()} == {(ta, "involved"), (senco, "witness")}
    # The SENCo hears at once, in the app and by email (through Celery).
    assert Notification.objects.filter(user=senco, subject__contains=incident.reference).exists()
    assert any(senco.email in m.to for m in mail.outbox)


def test_a_bad_injury_row_saves_nothing(client, world):
    where = places(world)
    client.force_login(world.people["ta"])
    data = full_report_data(world.pupil_in, where["hall"], **{
        "pupils-TOTAL_FORMS": 1, "pupils-0-pupil": world.pupil_out.pk, "pupils-0-part": "Was pushed",
        "injuries-TOTAL_FORMS": 1, "injuries-0-person": "staff", "injuries-0-description": "Bruise",
    })
    response = client.post("/incidents/full/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose which member of staff was hurt." in page and "Mark where on the body." in page
    assert 'value="Was pushed"' in page
    assert not Incident.objects.exists() and not InvolvedPupil.objects.exists() and not Injury.objects.exists()


def test_a_half_typed_report_is_kept_as_a_draft_and_can_be_resumed(client, world, settings):
    where = places(world)
    ta = world.people["ta"]
    client.force_login(ta)
    key = str(uuid.uuid4())
    half = {"draft_key": key, "pupil": world.pupil_in.pk, "occurred_at": "2026-11-2", "antecedent": "Fire alarm",
            "behaviour_picks": ["Leaving the room"]}
    assert client.post("/incidents/autosave/", half).status_code == 200
    assert client.post("/incidents/autosave/", {**half, "antecedent": "Fire alarm test"}).status_code == 200
    draft = IncidentDraft.objects.get()
    assert draft.author == ta and draft.pupil == world.pupil_in and draft.data["antecedent"] == ["Fire alarm test"]
    assert not Incident.objects.exists()  # drafts are never incidents
    page = client.get(f"/incidents/new/?draft={key}").content.decode()
    assert "Fire alarm test" in page and 'value="2026-11-2"' in page and "as you left it" in page
    assert "is in the future" not in page  # a resumed draft doesn't complain
    # Left alone for longer than the set time, it is listed on the author's home page.
    assert "unfinished reports" not in client.get("/").content.decode()
    IncidentDraft.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=45))
    assert "You have unfinished reports" in client.get("/").content.decode()
    # Submitting closes the draft.
    client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"], draft_key=key))
    draft.refresh_from_db()
    assert draft.submitted_as == Incident.objects.get()
    assert client.post("/incidents/autosave/", half).status_code == 409


def test_nobody_else_can_read_or_overwrite_a_draft(client, world):
    key = str(uuid.uuid4())
    client.force_login(world.people["ta"])
    client.post("/incidents/autosave/", {"draft_key": key, "antecedent": "Mine"})
    client.force_login(world.people["senco"])
    assert client.post("/incidents/autosave/", {"draft_key": key, "antecedent": "Theirs"}).status_code == 409
    page = client.get(f"/incidents/new/?draft={key}").content.decode()
    assert "Mine" not in page
    assert IncidentDraft.objects.get().data["antecedent"] == ["Mine"]


def test_a_submitted_incident_cannot_be_deleted_and_an_addendum_cannot_be_changed(world):
    from incidents.factories import IncidentFactory

    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).delete()
    note = Addendum.objects.create(incident=incident, text="Later", author=world.people["ta"])
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        Addendum.objects.filter(pk=note.pk).update(text="Changed")
