"""Writing the restrictive-intervention record: one page, saved whole in one transaction or not at
all, with the staff who applied it (their training as it stood that day), witnesses and injuries;
the SENCo told at once, in-app and by email."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.factories import TrainingRecordFactory
from incidents.models import Injury, InvolvedPupil
from plans.models import PositiveHandlingPlan, VersionStatus
from restrictive import services
from restrictive.models import (
    InterventionInjury, InterventionStaff, InterventionWitness, RestrictiveIntervention,
)
from sendsupport.models import AccessLog, Notification

from .helpers import force_incident, make_record, record_data, times, url

def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()



@pytest.fixture
def trained(world):
    """The TA's TEAM-TEACH is current; the teacher's expired last month."""
    TrainingRecordFactory(school=world.school, user=world.people["ta"], course="team_teach",
                          completed_on=today() - datetime.timedelta(days=200),
                          expires_on=today() + datetime.timedelta(days=165))
    TrainingRecordFactory(school=world.school, user=world.people["teacher"], course="team_teach",
                          completed_on=today() - datetime.timedelta(days=400),
                          expires_on=today() - datetime.timedelta(days=35))
    return world


def counts():
    return (RestrictiveIntervention.objects.count(), InterventionStaff.objects.count(),
            InterventionWitness.objects.count(), Injury.objects.count(), InterventionInjury.objects.count())


def test_ta_records_a_full_intervention_in_one_go(client, trained, django_capture_on_commit_callbacks):
    w = trained
    ta, teacher = w.people["ta"], w.people["teacher"]
    incident = force_incident(w)
    client.force_login(ta)
    form = client.get(url(incident))
    assert form.status_code == 200
    page = form.content.decode()
    assert "Restrictive intervention record" in page and "Expired" in page  # the teacher's training, flagged

    data = record_data(
        incident, staff=[ta, teacher], witnesses=[w.people["dsl"]],
        other_witnesses="Mrs Patel, lunchtime supervisor\n- Mr Cole, visitor",
        injuries=[{"person": "pupil", "body_regions": ["left_arm", "left_hand"], "description": "Red mark on wrist",
                   "first_aid": "Cold compress", "first_aid_by": "Mrs Patel"},
                  {"person": "staff", "staff_member": teacher.pk, "body_regions": ["right_hand"],
                   "description": "Scratch on the back of the hand", "first_aid": "Cleaned"}],
        pupil_view="He said he wanted to go home")
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url(incident), data)
    ri = RestrictiveIntervention.objects.get()
    assert saved.status_code == 302 and saved["Location"] == ri.get_absolute_url()
    assert ri.written_by == ta and ri.school == w.school and ri.sen_status == w.pupil_in.sen_status
    assert ri.technique == "Single elbow, standing" and not ri.technique_from_plan and ri.anyone_hurt
    assert ri.duration_minutes >= 1 and ri.ended_at > ri.started_at

    rows = {s.user: s for s in InterventionStaff.objects.filter(intervention=ri)}
    assert rows[ta].training_status == "current" and rows[ta].course_label == "TEAM-TEACH"
    assert rows[teacher].training_status == "expired" and rows[teacher].expires_on < today()
    assert sorted(x.display_name for x in ri.witnesses.all()) == ["Dsl Person", "Mr Cole, visitor",
                                                                  "Mrs Patel, lunchtime supervisor"]
    injuries = [link.injury for link in ri.injury_links.order_by("injury__id")]
    assert [i.body_regions for i in injuries] == [["left_arm", "left_hand"], ["right_hand"]]
    assert all(i.incident == incident and i.recorded_by == ta for i in injuries)
    assert injuries[1].staff_member == teacher

    # The SENCo was told at once: in the inbox, and by email (Celery, eager in tests) naming no pupil.
    note = Notification.objects.get(user=w.people["senco"])
    assert note.url == ri.get_absolute_url() and ri.reference in note.subject
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [w.people["senco"].email]
    assert w.pupil_in.legal_first_name not in mail.outbox[0].body + mail.outbox[0].subject

    detail = client.get(ri.get_absolute_url()).content.decode()
    assert "Expired</span> TEAM-TEACH expired on" in detail
    assert "Marked on the body map: Left arm, Left hand or wrist." in detail
    assert "Parents not told yet:" in detail and "since the intervention" in detail
    assert AccessLog.objects.filter(action="restrictive.view", pupil=w.pupil_in, user=ta).count() == 1


def test_a_bad_injury_row_saves_nothing_and_keeps_what_was_typed(client, trained):
    w = trained
    incident = force_incident(w)
    client.force_login(w.people["ta"])
    data = record_data(incident, staff=[w.people["ta"]], reason="Kicking at the window glass",
                       injuries=[{"person": "pupil", "body_regions": ["chest"], "description": ""}])
    page = client.post(url(incident), data)
    assert page.status_code == 400 and counts() == (0, 0, 0, 0, 0)
    text = page.content.decode()
    assert "Describe the injury." in text and "Kicking at the window glass" in text
    assert 'value="chest" class="form-check-input" id="id_injuries-0-body_regions_3" checked' in text
    assert "Marked on the body map: Chest." in text


def test_a_failure_inside_the_transaction_leaves_no_part_saved(trained):
    """The form passed, but one injury row is refused by the model: the record, its staff and the
    injuries before it are all rolled back."""
    w = trained
    incident = force_incident(w)
    start, end = times()
    ri = RestrictiveIntervention(incident=incident, pupil=incident.pupil, kind="restraint", started_at=start,
                                 ended_at=end, location=incident.location, technique="Hold", reason="Danger",
                                 plan_followed="no_plan", deescalation="Talked", support_after="Calm room",
                                 anyone_hurt=True)
    good = Injury(person="pupil", body_regions=["face"], description="Graze")
    bad = Injury(person="pupil", body_regions=["tail"], description="Not a body region")
    with pytest.raises(ValidationError):
        services.record_intervention(acting_user=w.people["ta"], intervention=ri, staff_applying=[w.people["ta"]],
                                     witness_names=["Mrs Patel"], injuries=[good, bad])
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("field,value,message", [
    ("end_time", "start-1", "The end must be after the start"),
    ("end_time", "future", "today is in the future: enter the time it ended"),
    ("start_time", "future", "today is in the future: enter the time it started"),
    ("day", "tomorrow", "This date is in the future"),
])
def test_impossible_times_are_refused_next_to_the_field(client, world, field, value, message):
    incident = force_incident(world)
    client.force_login(world.people["ta"])
    data = record_data(incident, staff=[world.people["ta"]], reason="Climbing the fence by the road")
    start = datetime.datetime.strptime(data["start_time"], "%H:%M")
    now = timezone.localtime()
    if value == "start-1" and start.time() == datetime.time(0, 0):  # before 02:00 the start is midnight
        if now.time() < datetime.time(0, 3):
            pytest.skip("Just after midnight: no minute of today before the start to type.")
        start = (now - datetime.timedelta(minutes=2)).replace(tzinfo=None)  # a minute before it is still today
        data["start_time"] = start.strftime("%H:%M")
    typed = {"start-1": (start - datetime.timedelta(minutes=1)).strftime("%H:%M"),
             "future": (now + datetime.timedelta(minutes=5)).strftime("%H:%M"),
             "tomorrow": (today() + datetime.timedelta(days=1)).isoformat()}[value]
    if value == "future" and (now + datetime.timedelta(minutes=5)).date() != now.date():
        pytest.skip("Five minutes from now is tomorrow: nothing in the future today to type.")
    data[field] = typed
    if field == "start_time":
        data["end_time"] = (now + datetime.timedelta(minutes=6)).strftime("%H:%M")
    page = client.post(url(incident), data)
    text = page.content.decode()
    assert page.status_code == 400 and RestrictiveIntervention.objects.count() == 0
    # The message sits with the field it is about, and what was typed is still there.
    at_field = text.index(f'name="{field}"')
    assert at_field < text.index(message) < text.index('name="', at_field + 1)
    assert f'name="{field}" value="{typed}"' in text
    assert "Climbing the fence by the road" in text


def test_the_technique_comes_from_the_handling_plan_in_force(client, world):
    ta, pupil = world.people["ta"], world.pupil_in
    plan = PositiveHandlingPlan.objects.create(
        pupil=pupil, created_by=world.people["senco"], status=VersionStatus.IN_FORCE, training_scheme="team_teach",
        approved_techniques="Friendly escort\n- Double elbow to a safe space", review_date=today(),
        in_force_from=timezone.now())
    incident = force_incident(world)
    client.force_login(ta)
    page = client.get(url(incident)).content.decode()
    assert "Double elbow to a safe space" in page and "There is no positive-handling plan in force" not in page

    refused = client.post(url(incident), record_data(incident, staff=[ta], technique="", plan_followed="no"))
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "Choose the technique or hold from the plan" in text and "Say why the plan was not followed." in text

    client.post(url(incident), record_data(incident, staff=[ta], technique="Double elbow to a safe space",
                                           plan_followed="yes"))
    ri = RestrictiveIntervention.objects.get()
    assert ri.technique == "Double elbow to a safe space" and ri.technique_from_plan and ri.handling_plan == plan


def test_saying_someone_was_hurt_needs_an_injury_and_the_reverse(client, world):
    incident = force_incident(world)
    client.force_login(world.people["ta"])
    hurt = client.post(url(incident), record_data(incident, staff=[world.people["ta"]], anyone_hurt="yes"))
    assert hurt.status_code == 400 and "Describe the injury below" in hurt.content.decode()
    assert "No one was hurt" in hurt.content.decode()
    unhurt = client.post(url(incident), record_data(
        incident, staff=[world.people["ta"]], injuries=[{"body_regions": ["face"], "description": "Graze"}],
        anyone_hurt="no"))
    assert unhurt.status_code == 400 and "You described an injury below" in unhurt.content.decode()
    none = client.post(url(incident), record_data(incident, staff=[], witnesses=[]))
    assert none.status_code == 400 and "Choose who applied it." in none.content.decode()
    assert RestrictiveIntervention.objects.count() == 0


def test_a_record_may_be_about_an_involved_pupil_only(client, world):
    incident = force_incident(world)
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out, part="Was pushed")
    client.force_login(world.people["ta"])
    page = client.get(url(incident)).content.decode()
    assert "Isla Morgan" in page and "Who was it used with?" in page
    assert client.get(url(incident) + f"?pupil={world.pupil_class.pk}").status_code == 404
    saved = client.post(url(incident), record_data(incident, pupil=world.pupil_out, staff=[world.people["ta"]]))
    assert saved.status_code == 302
    assert RestrictiveIntervention.objects.get().pupil == world.pupil_out


def test_submitted_records_are_fixed(world):
    from django.db import ProgrammingError, transaction

    ri = make_record(world)
    with pytest.raises(ProgrammingError), transaction.atomic():
        RestrictiveIntervention.objects.filter(pk=ri.pk).update(reason="Changed later")
    with pytest.raises(ProgrammingError), transaction.atomic():
        InterventionStaff.objects.filter(intervention=ri).delete()
    with pytest.raises(ValidationError):
        services.record_intervention(acting_user=world.people["ta"], intervention=ri,
                                     staff_applying=[world.people["ta"]])


def test_history_names_who_wrote_the_record(world):
    from pghistory.models import Events

    ri = make_record(world)
    event = Events.objects.filter(pgh_obj_model="restrictive.RestrictiveIntervention", pgh_obj_id=ri.pk).get()
    assert event.pgh_context["user"] == world.people["ta"].pk and event.pgh_context["action"] == "restrictive.record"
