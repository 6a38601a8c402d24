"""After submission: addenda, corrections that keep the original, review; lists, filters, keyset
pages, the pupil timeline and the CSV export, each in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from accounts.factories import UserFactory
from incidents.factories import IncidentFactory
from incidents.models import Addendum, Incident, InvolvedPupil
from pupils.factories import CaseloadEntryFactory, PupilFactory
from sendsupport.models import AccessLog

from .helpers import local_input, places


def test_an_addendum_is_added_with_author_and_time_and_the_original_is_unchanged(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"], behaviour="Threw a pencil")
    client.force_login(world.people["ta"])
    response = client.post(f"/incidents/{incident.pk}/addendum/", {"kind": "witness", "text": "I saw it too."})
    assert response.status_code == 302
    note = Addendum.objects.get()
    assert (note.author, note.kind, note.text) == (world.people["ta"], "witness", "I saw it too.")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Witness statement" in page and "I saw it too." in page and "Threw a pencil" in page


def test_an_empty_addendum_is_explained_next_to_the_field(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    client.force_login(world.people["ta"])
    response = client.post(f"/incidents/{incident.pk}/addendum/", {"kind": "note", "text": ""})
    assert response.status_code == 400 and "Write the addendum." in response.content.decode()


def test_the_author_corrects_the_place_lists_use_it_and_the_original_stays_visible(client, world):
    where = places(world)
    ta = world.people["ta"]
    incident = IncidentFactory(pupil=world.pupil_in, created_by=ta, location=where["hall"])
    client.force_login(ta)
    response = client.post(f"/incidents/{incident.pk}/correct/", {
        "field": "location", "location": where["playground"].pk, "reason": "I picked the wrong place."})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.location == where["playground"] and incident.corrected
    correction = Addendum.objects.get(kind="correction")
    assert (correction.was, correction.now, correction.author) == ("Hall", "Playground", ta)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert '<span class="original">Hall</span> → <strong>Playground</strong>' in page
    listed = client.get(f"/incidents/?location={where['playground'].pk}").context["page"]["rows"]
    assert listed == [incident]
    assert client.get(f"/incidents/?location={where['hall'].pk}").context["page"]["rows"] == []


def test_a_correction_to_a_future_time_or_without_a_reason_is_refused(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["senco"])
    client.force_login(world.people["senco"])
    response = client.post(f"/incidents/{incident.pk}/correct/", {"field": "occurred_at",
                                                                   "occurred_at": "2099-01-01T10:00", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 400 and "That time is in the future." in page
    assert "Say why this is being corrected." in page
    assert not Incident.objects.filter(corrected=True).exists()


def test_correcting_the_time_moves_the_period_too(client, world):
    where = places(world)
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["senco"],
                               occurred_at=timezone.now().replace(hour=9) - datetime.timedelta(days=1))
    client.force_login(world.people["senco"])
    new = timezone.localtime(timezone.now() - datetime.timedelta(days=1)).replace(hour=14, minute=30)
    client.post(f"/incidents/{incident.pk}/correct/", {"field": "occurred_at", "occurred_at": local_input(new),
                                                        "reason": "It was after lunch"})
    incident.refresh_from_db()
    assert incident.period == where["afternoon"] and timezone.localtime(incident.occurred_at).hour == 14


def test_the_senco_marks_an_incident_reviewed_once(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    client.force_login(world.people["senco"])
    client.post(f"/incidents/{incident.pk}/review/", {"note": "Talk to parents at pick-up."})
    client.post(f"/incidents/{incident.pk}/review/", {"note": "Again"})
    incident.refresh_from_db()
    assert incident.reviewed_by == world.people["senco"]
    assert list(Addendum.objects.values_list("text", flat=True)) == ["Talk to parents at pick-up."]


def test_filters_narrow_the_list(client, world):
    where = places(world)
    now = timezone.now()
    a = IncidentFactory(pupil=world.pupil_in, location=where["hall"], intensity=4, physical_intervention=True,
                        behaviour_picks=["Throwing objects"], occurred_at=now - datetime.timedelta(days=3))
    b = IncidentFactory(pupil=world.pupil_out, location=where["playground"], intensity=1,
                        behaviour_picks=["Refusal"], occurred_at=now - datetime.timedelta(days=1))
    client.force_login(world.people["senco"])

    def rows(query):
        return client.get(f"/incidents/?{query}").context["page"]["rows"]

    assert rows("") == [b, a]
    assert rows(f"pupil={world.pupil_in.pk}") == [a] and rows("pupil=Amel") == [a] and rows("pupil=Is Mor") == [b]
    assert rows("behaviour=Refusal") == [b]
    assert rows("intensity=3") == [a]
    assert rows("physical=yes") == [a] and rows("physical=no") == [b]
    assert rows("status=to_review") == [b, a]
    day = timezone.localdate(a.occurred_at).isoformat()
    assert rows(f"date_from={day}&date_to={day}") == [a]
    bad = client.get(f"/incidents/?date_from={day}&date_to=2020-01-01")
    assert "The end date is before the start date." in bad.content.decode()


def test_keyset_pages_walk_the_whole_list_without_repeats(client, world):
    same_time = timezone.now() - datetime.timedelta(hours=1)
    made = [IncidentFactory(pupil=world.pupil_in, occurred_at=same_time - datetime.timedelta(minutes=i % 7))
            for i in range(120)]
    client.force_login(world.people["senco"])
    seen, url = [], "/incidents/"
    while url:
        page = client.get(url).context["page"]
        seen += page["rows"]
        url = f"/incidents/?after={page['next_after']}" if page["next_after"] else None
    assert len(seen) == 120 and set(seen) == set(made)
    assert seen == sorted(made, key=lambda i: (i.occurred_at, i.pk), reverse=True)


def test_the_pupil_timeline_includes_incidents_they_were_involved_in(client, world):
    own = IncidentFactory(pupil=world.pupil_in)
    other = IncidentFactory(pupil=world.pupil_out)
    InvolvedPupil.objects.create(incident=other, pupil=world.pupil_in, part="Joined in")
    IncidentFactory(pupil=world.pupil_out)
    client.force_login(world.people["ta"])
    response = client.get(f"/incidents/pupil/{world.pupil_in.pk}/")
    assert set(response.context["page"]["rows"]) == {own, other}
    assert "Isla" not in response.content.decode()  # the other pupil is not named
    assert AccessLog.objects.filter(action="incident.timeline.view", pupil=world.pupil_in).exists()
    # Isla's incident is not the TA's to open: no link to a 404, nothing of her behaviour
    page = response.content.decode()
    assert other.get_absolute_url() not in page and own.get_absolute_url() in page
    assert "Involved in an incident about another pupil" in page
    written_by_ta = IncidentFactory(pupil=world.pupil_out, created_by=world.people["ta"])
    InvolvedPupil.objects.create(incident=written_by_ta, pupil=world.pupil_in, part="Joined in")
    assert written_by_ta.get_absolute_url() in client.get(f"/incidents/pupil/{world.pupil_in.pk}/").content.decode()
    client.force_login(world.people["senco"])
    page = client.get(f"/incidents/pupil/{world.pupil_in.pk}/").content.decode()
    assert other.get_absolute_url() in page and "Involved in an incident about another pupil" not in page


def test_export_logs_the_download_and_defuses_formulas(client, world):
    IncidentFactory(pupil=world.pupil_in, behaviour_picks=[], behaviour="=HYPERLINK(\"http://x\")")
    client.force_login(world.people["senco"])
    body = b"".join(client.get("/incidents/export.csv").streaming_content).decode()
    assert "'=HYPERLINK" in body and "Amelia Hughes" in body
    assert AccessLog.objects.filter(action="incident.export", user=world.people["senco"]).exists()


def more_incidents(world, n):
    where = places(world) if not world.school.locations.exists() else {"hall": world.school.locations.first()}
    for _ in range(n):
        pupil = PupilFactory(school=world.school, class_group=world.class_in)
        CaseloadEntryFactory(school=world.school, user=world.people["ta"], pupil=pupil)
        incident = IncidentFactory(pupil=pupil, location=where["hall"], created_by=UserFactory())
        InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out)


@pytest.mark.parametrize("role", ["senco", "ta"])
def test_the_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, role):
    client.force_login(world.people[role])
    more_incidents(world, 3)
    client.get("/incidents/")
    # session, user, membership (staff context), access log, the page of incidents, locations for
    # the filter (a server-side cursor: 2 statements), session save; the school's quick picks were
    # cached by the first visit
    with django_assert_num_queries(9) as first:
        client.get("/incidents/")
    more_incidents(world, 12)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/incidents/")


def test_the_detail_and_timeline_run_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    incident = IncidentFactory(pupil=world.pupil_in)
    InvolvedPupil.objects.create(incident=incident, pupil=world.pupil_out)
    client.force_login(world.people["senco"])
    client.get(incident.get_absolute_url())
    client.get(f"/incidents/pupil/{world.pupil_in.pk}/")  # caches the school's quick picks
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(incident.get_absolute_url())
        client.get(f"/incidents/pupil/{world.pupil_in.pk}/")
    for i in range(8):
        InvolvedPupil.objects.create(incident=incident, pupil=PupilFactory(school=world.school))
        Addendum.objects.create(incident=incident, text=f"note {i}", author=UserFactory())
        IncidentFactory(pupil=world.pupil_in)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(incident.get_absolute_url())
        client.get(f"/incidents/pupil/{world.pupil_in.pk}/")
