"""Safeguarding concerns: any member of staff raises one about any pupil of their school; from then
on only the safeguarding team (DSL lead and deputies) reads it, every read logged; the team is told
at once; the team's record is append-only. Data is made through the pages and services people use."""

import datetime
import re

import pytest
from django.core import mail
from django.db import DatabaseError, IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from incidents.factories import IncidentFactory
from safeguarding import services
from safeguarding.models import ActionKind, Agency, Concern, ConcernAction, Status
from safeguarding.panels import incident_panel
from sendsupport.models import AccessLog, Notification

from .conftest import NON_TEAM_ROLES, form_data, raise_one, staff_of

RAISE = "/safeguarding/raise/"


def detail(concern):
    return f"/safeguarding/concerns/{concern.pk}/"


def record_url(concern, kind):
    return f"/safeguarding/concerns/{concern.pk}/{kind}/"


def chronology(pupil):
    return f"/safeguarding/pupils/{pupil.pk}/chronology/"


def field_block(html: str, name: str) -> str:
    """The HTML from a field's input to the end of its wrapper, where crispy puts the message."""
    start = html.index(f'name="{name}"')
    return html[start:start + 1500]


# --- raising ----------------------------------------------------------------------------------------

def test_a_ta_raises_a_concern_about_a_pupil_outside_their_caseload(client, world):
    ta = world.people["ta"]
    client.force_login(ta)
    form = client.get(f"{RAISE}?pupil={world.pupil_out.pk}")
    page = form.content.decode()
    assert form.status_code == 200 and "Isla Morgan" in page and "4B" in page
    assert world.pupil_out.upn not in page  # a pupil picked outside the caseload: name and class only

    done = client.post(RAISE, form_data(world.pupil_out))
    concern = Concern.objects.get()
    assert done.status_code == 302 and done.url == f"/safeguarding/raised/{concern.pk}/"
    assert (concern.pupil, concern.raised_by, concern.school) == (world.pupil_out, ta, world.school)
    assert concern.status == Status.OPEN and concern.body_regions == ["left_arm"]
    assert concern.child_words == "Dad grabbed me." and concern.opinion == "She seemed frightened."

    received = client.get(done.url).content.decode()
    assert concern.reference in received and "The DSL team has been told" in received
    assert timezone.localtime(concern.recorded_at).strftime("%H:%M") in received
    for secret in ("Isla", "bruise", "Dad grabbed me", "frightened"):
        assert secret not in received


def test_the_person_who_raised_it_cannot_read_it_afterwards(client, world):
    concern = raise_one(world, by="ta", facts="Bruise on the left arm.")
    client.force_login(world.people["ta"])
    assert client.get(detail(concern)).status_code == 403
    assert client.get(chronology(concern.pupil)).status_code == 403
    assert client.get("/safeguarding/concerns/").status_code == 403
    mine = client.get("/safeguarding/mine/").content.decode()
    assert concern.reference in mine and "Received" in mine
    assert "Bruise" not in mine and "Isla" not in mine
    # Only one's own: another person's concern is not there, nor their "received" page.
    other = raise_one(world, by="other_ta")
    assert other.reference not in client.get("/safeguarding/mine/").content.decode()
    assert client.get(f"/safeguarding/raised/{other.pk}/").status_code == 404


def test_picking_a_pupil_shows_only_name_and_class_of_current_pupils_of_the_school(client, world):
    from pupils.factories import PupilFactory

    PupilFactory(school=world.school, legal_first_name="Isla", legal_last_name="Moran", archived_at=timezone.now())
    client.force_login(world.people["teacher"])
    page = client.get(f"{RAISE}?q=isla").content.decode()
    assert "Isla Morgan" in page and "4B" in page and f"?pupil={world.pupil_out.pk}" in page
    assert "Isla Moran" not in page  # archived
    assert world.pupil_out.upn not in page and "Epilepsy" not in page
    assert "Noah" not in client.get(f"{RAISE}?q=noah").content.decode()  # other school


def test_another_schools_pupil_cannot_be_picked(client, world):
    client.force_login(world.people["ta"])
    assert client.get(f"{RAISE}?pupil={world.pupil_other_school.pk}").status_code == 404
    assert client.get(f"{RAISE}?pupil=abc").status_code == 404
    refused = client.post(RAISE, form_data(world.pupil_other_school))
    assert refused.status_code == 400 and "Choose a current pupil of your school." in refused.content.decode()
    assert not Concern.objects.exists()


def test_a_concern_raised_from_an_incident_is_linked_to_it(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    client.force_login(world.people["ta"])
    page = client.get(f"{RAISE}?incident={incident.pk}").content.decode()
    assert "Amelia Hughes" in page and incident.reference in page  # the incident's pupil, prefilled
    client.post(RAISE, {**form_data(world.pupil_in), "incident": incident.pk})
    assert Concern.objects.get().related_incident == incident


def test_an_incident_the_person_cannot_read_cannot_be_linked(client, world):
    hidden = IncidentFactory(pupil=world.pupil_out, created_by=world.people["senco"])
    client.force_login(world.people["ta"])
    assert client.get(f"{RAISE}?incident={hidden.pk}").status_code == 404
    assert client.post(RAISE, {**form_data(world.pupil_out), "incident": hidden.pk}).status_code == 404
    with pytest.raises(Exception, match="link"):
        raise_one(world, by="ta", incident=hidden)
    assert not Concern.objects.exists()


def test_a_time_in_the_future_is_refused_next_to_the_field_keeping_what_was_typed(client, world):
    client.force_login(world.people["ta"])
    future = (timezone.localtime() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(RAISE, form_data(world.pupil_out, occurred_at=future))
    page = response.content.decode()
    assert response.status_code == 400
    block = field_block(page, "occurred_at")
    assert "is-invalid" in block and "This time is in the future" in block
    assert f'value="{future}"' in block
    assert "Isla had a bruise on her left arm" in page and "Dad grabbed me." in page
    assert re.search(r'value="left_arm"[^>]*checked', page)
    assert "Isla Morgan" in page  # still about the same pupil
    assert not Concern.objects.exists()


def test_missing_facts_are_asked_for_next_to_the_field(client, world):
    client.force_login(world.people["ta"])
    response = client.post(RAISE, form_data(world.pupil_out, facts="  ", place=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Write what you saw or heard." in field_block(page, "facts")
    assert "Say where this happened." in field_block(page, "place")
    assert "Dad grabbed me." in page and "She seemed frightened." in page
    assert not Concern.objects.exists()


def test_the_service_refuses_what_the_form_would(world):
    with pytest.raises(Exception) as exc:
        raise_one(world, facts="", when=timezone.now() + datetime.timedelta(days=1))
    assert set(exc.value.message_dict) == {"facts", "occurred_at"}
    with pytest.raises(Exception, match="current pupil"):
        raise_one(world, pupil=world.pupil_other_school)


# --- the safeguarding team is told ------------------------------------------------------------------

def test_the_safeguarding_team_is_told_at_once_without_the_childs_name(
        client, world, deputy_dsl, other_dsl, django_capture_on_commit_callbacks):
    client.force_login(world.people["ta"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RAISE, form_data(world.pupil_out))
    concern = Concern.objects.get()
    told = Notification.objects.filter(school=world.school)
    assert {n.user for n in told} == {world.people["dsl"], deputy_dsl}
    for note in told:
        assert concern.reference in note.subject and note.url == detail(concern)
        for secret in ("Isla", "Morgan", "bruise", "Dad"):
            assert secret not in note.subject and secret not in note.body
    [email] = mail.outbox
    assert set(email.to) == {world.people["dsl"].email, deputy_dsl.email}
    assert concern.reference in email.subject and "Isla" not in email.subject + email.body
    assert not Notification.objects.filter(user__in=[other_dsl, world.people["senco"], world.people["ta"]]).exists()


# --- only the safeguarding team reads ---------------------------------------------------------------

@pytest.mark.parametrize("role", NON_TEAM_ROLES)
def test_nobody_outside_the_safeguarding_team_reads_a_concern(client, world, role):
    concern = raise_one(world, by="dsl", pupil=world.pupil_in)
    client.force_login(world.people[role])
    assert client.get("/safeguarding/concerns/").status_code == 403
    assert client.get(f"/safeguarding/concerns/?pupil={world.pupil_in.pk}").status_code == 403
    assert client.get(detail(concern)).status_code == 403
    assert client.get("/safeguarding/concerns/999999/").status_code == 403  # no telling what exists
    assert client.get(chronology(world.pupil_in)).status_code == 403
    for kind in ("action", "referral", "decision", "status"):
        assert client.post(record_url(concern, kind), {"action-kind": "action", "action-text": "x"}).status_code == 403
    assert not ConcernAction.objects.exists()
    assert not AccessLog.objects.filter(action__startswith="safeguarding.").exists()


@pytest.mark.parametrize("role", NON_TEAM_ROLES)
def test_home_and_pupil_pages_show_no_counts_outside_the_team(client, world, role):
    pupil = world.pupil_class if role == "teacher" else world.pupil_in
    raise_one(world, by="dsl", pupil=pupil)
    client.force_login(world.people[role])
    home = client.get("/").content.decode()
    assert "Raise a safeguarding concern" in home
    assert "not closed" not in home and "/safeguarding/concerns/" not in home and "SG-" not in home
    page = client.get(f"/pupils/{pupil.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "not closed" not in html and "Chronology" not in html and "SG-" not in html
    assert "/safeguarding/concerns/" not in html
    assert f"/safeguarding/raise/?pupil={pupil.pk}" in html  # the same button whatever the record holds


def test_the_pupil_history_and_viewers_pages_do_not_reveal_a_concern(client, world):
    """People who read a pupil's history of changes and access log (SENCo, senior leaders) are not on
    the safeguarding team: concern rows and reads of them don't appear there."""
    concern = raise_one(world, by="ta", pupil=world.pupil_in)
    services.set_status(staff=staff_of(world.people["dsl"]), concern=concern, status=Status.MONITORING,
                        reason="Check in daily")
    client.force_login(world.people["dsl"])
    client.get(detail(concern))
    client.get(chronology(world.pupil_in))
    client.force_login(world.people["senco"])
    history = client.get(f"/pupils/{world.pupil_in.pk}/history/").content.decode()
    viewers = client.get(f"/pupils/{world.pupil_in.pk}/viewers/").content.decode()
    assert "Caseload entry created" in history and "History of changes" in viewers  # they list other things
    for page in (history, viewers):
        page = page[page.index("<main"):]  # the menu offers everyone "Raise a concern"
        assert "oncern" not in page and "safeguarding" not in page.lower().replace("raise a safeguarding", "")


def test_another_schools_safeguarding_lead_gets_not_found(client, world, other_dsl):
    concern = raise_one(world, by="ta")
    client.force_login(other_dsl)
    assert client.get(detail(concern)).status_code == 404
    assert client.get(chronology(world.pupil_out)).status_code == 404
    assert client.post(record_url(concern, "action"),
                       {"action-kind": "action", "action-text": "x"}).status_code == 404
    assert client.get(f"/safeguarding/concerns/?pupil={world.pupil_out.pk}").status_code == 404
    listing = client.get("/safeguarding/concerns/?status=all").content.decode()
    assert concern.reference not in listing
    assert "No new concerns waiting" in client.get("/").content.decode()
    with pytest.raises(Exception):
        services.add_action(staff=staff_of(other_dsl), concern=concern, kind=ActionKind.NOTE, text="x")


# --- the team's record ------------------------------------------------------------------------------

def test_every_read_of_a_concern_or_chronology_is_logged(client, world):
    concern = raise_one(world)
    dsl = world.people["dsl"]
    client.force_login(dsl)
    client.get(detail(concern))
    client.get(detail(concern))
    client.get(chronology(world.pupil_out))
    client.post(record_url(concern, "decision"), {"decision-text": "", "decision-reason": ""})  # refused, re-shown
    client.get("/safeguarding/concerns/")
    logs = list(AccessLog.objects.filter(user=dsl).order_by("at", "id"))
    assert [log.action for log in logs] == ["safeguarding.concern.view"] * 2 + [
        "safeguarding.chronology.view", "safeguarding.concern.view", "safeguarding.concern.list"]
    assert all(log.school == world.school for log in logs)
    assert logs[0].path == detail(concern) and logs[2].path == chronology(world.pupil_out)
    assert all(log.pupil is None for log in logs)  # see views.py: the path names what was read


def test_the_dsl_records_actions_referrals_decisions_and_status(client, world):
    concern = raise_one(world)
    client.force_login(world.people["dsl"])
    page = client.get(detail(concern)).content.decode()
    assert "Bruise on the left arm" in page and "New: no action yet" in page
    ok = client.post(record_url(concern, "action"), {"action-kind": "action", "action-text": "Spoke to Isla",
                                                     "action-owner": "DSL", "action-outcome": "Same account"})
    assert ok.status_code == 302 and ok.url == f"{detail(concern)}#record"
    client.post(record_url(concern, "referral"), {"referral-agency": "social_care", "referral-reference": "CSC-123",
                                                  "referral-text": "Phoned the front door"})
    client.post(record_url(concern, "decision"), {"decision-text": "Refer", "decision-reason": "Disclosure"})
    client.post(record_url(concern, "status"), {"status-status": "referred", "status-reason": "Referred today"})
    concern.refresh_from_db()
    assert concern.status == Status.REFERRED and concern.dsl_decision == "Refer"
    assert concern.dsl_decision_reason == "Disclosure" and concern.decided_by == world.people["dsl"]
    rows = list(concern.actions.order_by("id"))
    assert [r.kind for r in rows] == ["action", "referral", "decision", "status"]
    assert (rows[1].agency, rows[1].reference) == (Agency.SOCIAL_CARE, "CSC-123")
    assert (rows[3].old_status, rows[3].new_status, rows[3].reason) == ("open", "referred", "Referred today")
    assert rows[0].owner == "DSL" and rows[0].outcome == "Same account"
    page = client.get(detail(concern)).content.decode()
    assert "Referral to children" in page and "CSC-123" in page and "Open → Referred" in page
    assert "New: no action yet" not in page


def test_refused_entries_keep_what_was_typed(client, world):
    concern = raise_one(world)
    client.force_login(world.people["dsl"])
    response = client.post(record_url(concern, "referral"), {"referral-text": "Phoned early help"})
    page = response.content.decode()
    assert response.status_code == 400 and "Choose who the referral went to." in page
    assert "Phoned early help" in page and '<details open id="add-referral">' in page
    response = client.post(record_url(concern, "decision"), {"decision-text": "No further action"})
    assert response.status_code == 400 and "Give the reason for the decision." in response.content.decode()
    response = client.post(record_url(concern, "status"), {"status-status": "open", "status-reason": "x"})
    assert response.status_code == 400  # already open
    assert not ConcernAction.objects.exists()
    assert client.post(record_url(concern, "bogus"), {}).status_code == 404


def test_status_changes_only_through_an_action_row_with_history(world):
    concern = raise_one(world)
    dsl = staff_of(world.people["dsl"])
    services.set_status(staff=dsl, concern=concern, status=Status.MONITORING, reason="Two weeks")
    services.set_status(staff=dsl, concern=concern, status=Status.CLOSED, reason="No further worries")
    with pytest.raises(Exception, match="already closed"):
        services.set_status(staff=dsl, concern=concern, status=Status.CLOSED, reason="again")
    with pytest.raises(Exception):
        services.set_status(staff=staff_of(world.people["senco"]), concern=concern, status=Status.OPEN, reason="x")
    concern.refresh_from_db()
    assert concern.status == Status.CLOSED
    assert [(a.old_status, a.new_status) for a in concern.actions.all()] == [("open", "monitoring"),
                                                                             ("monitoring", "closed")]
    events = list(Concern.pgh_event_model.objects.filter(pgh_obj=concern).order_by("pgh_id"))
    assert [e.status for e in events] == ["open", "monitoring", "closed"]
    assert events[0].pupil == world.pupil_out.pk  # a plain id in history (see models.py)
    contexts = [e.pgh_context.metadata for e in events]
    assert contexts[0] == {"user": world.people["ta"].pk, "action": "concern.raise"}
    assert contexts[1] == {"user": world.people["dsl"].pk, "action": "concern.status"}


def test_actions_are_append_only_in_the_database(world):
    concern = raise_one(world)
    action = services.add_action(staff=staff_of(world.people["dsl"]), concern=concern, kind=ActionKind.NOTE,
                                 text="Phoned mum")
    for attempt in (lambda: ConcernAction.objects.filter(pk=action.pk).update(text="changed"),
                    lambda: ConcernAction.objects.filter(pk=action.pk).delete()):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
            attempt()
    assert ConcernAction.objects.get().text == "Phoned mum"


def test_what_was_raised_never_changes_in_the_database(world):
    concern = raise_one(world, facts="Original facts")
    for change in ({"facts": "Rewritten"}, {"child_words": "x"}, {"pupil": world.pupil_in},
                   {"occurred_at": timezone.now()}, {"body_regions": ["head"]}):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
            Concern.objects.filter(pk=concern.pk).update(**change)
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.create(school=world.school, pupil=world.pupil_in, raised_by=world.people["ta"],
                               occurred_at=timezone.now(), place="x", facts="")
    concern.refresh_from_db()
    assert concern.facts == "Original facts" and concern.pupil == world.pupil_out


# --- list, chronology, panels -------------------------------------------------------------------------

def test_the_list_filters_by_status_and_pupil_and_pages_by_keyset(client, world):
    dsl = staff_of(world.people["dsl"])
    concerns = [raise_one(world, pupil=world.pupil_in if i % 2 else world.pupil_out) for i in range(30)]
    services.set_status(staff=dsl, concern=concerns[0], status=Status.CLOSED, reason="Done")
    services.add_action(staff=dsl, concern=concerns[1], kind=ActionKind.NOTE, text="Seen")
    client.force_login(world.people["dsl"])

    first = client.get("/safeguarding/concerns/").content.decode()  # not closed, newest first, 25 a page
    refs = re.findall(r">(SG-\d{6})<", first)
    assert refs == [c.reference for c in reversed(concerns[1:])][:25]
    after = re.search(r'href="\?after=([^"]+)"', first).group(1)
    second = client.get(f"/safeguarding/concerns/?after={after}").content.decode()
    assert re.findall(r">(SG-\d{6})<", second) == [c.reference for c in reversed(concerns[1:])][25:]
    assert "Older concerns" not in second

    closed = client.get("/safeguarding/concerns/?status=closed").content.decode()
    assert re.findall(r">(SG-\d{6})<", closed) == [concerns[0].reference]
    new = client.get("/safeguarding/concerns/?status=new").content.decode()
    assert concerns[-1].reference in new
    new = client.get(f"/safeguarding/concerns/?status=new&pupil={world.pupil_in.pk}").content.decode()
    assert set(re.findall(r">(SG-\d{6})<", new)) == {c.reference for c in concerns[3::2]}  # [1] has an entry
    amelia = client.get(f"/safeguarding/concerns/?pupil={world.pupil_in.pk}&status=all").content.decode()
    assert set(re.findall(r">(SG-\d{6})<", amelia)) == {c.reference for c in concerns[1::2]}
    by_name = client.get("/safeguarding/concerns/?q=hugh&status=all").content.decode()
    assert set(re.findall(r">(SG-\d{6})<", by_name)) == {c.reference for c in concerns[1::2]}
    assert client.get("/safeguarding/concerns/?after=nonsense&status=bogus").status_code == 200


def test_the_chronology_merges_concerns_actions_and_incidents_in_date_order(client, world):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    linked = IncidentFactory(pupil=world.pupil_out, occurred_at=now - 10 * day, intensity=2,
                             behaviour_picks=["Refusal"], created_by=world.people["senco"])
    restraint = IncidentFactory(pupil=world.pupil_out, occurred_at=now - 8 * day, intensity=3,
                                physical_intervention=True, behaviour_picks=["Hitting, kicking or biting"])
    severe = IncidentFactory(pupil=world.pupil_out, occurred_at=now - 6 * day, intensity=4,
                             behaviour_picks=["Throwing objects"])
    IncidentFactory(pupil=world.pupil_out, occurred_at=now - 5 * day, intensity=2, behaviour_picks=["Shouting"])
    IncidentFactory(pupil=world.pupil_in, occurred_at=now - 5 * day, intensity=5, behaviour_picks=["Self-harm"])
    first = raise_one(world, by="senco", incident=linked, when=now - 9 * day, facts="Said dad hits him",
                      child_words="Dad hits me")
    services.add_action(staff=staff_of(world.people["dsl"]), concern=first, kind=ActionKind.REFERRAL,
                        text="Phoned the front door", agency=Agency.SOCIAL_CARE, reference="CSC-9")
    raise_one(world, pupil=world.pupil_in, facts="About Amelia")
    client.force_login(world.people["dsl"])
    page = client.get(chronology(world.pupil_out)).content.decode()
    order = [page.index(text) for text in ("Refusal", "Said dad hits him", "Hitting, kicking", "Throwing objects",
                                           "Phoned the front door")]
    assert order == sorted(order)
    assert "Shouting" not in page and "Self-harm" not in page and "About Amelia" not in page
    assert "CSC-9" in page and "Dad hits me" in page and restraint.reference in page and severe.reference in page
    newest = client.get(chronology(world.pupil_out) + "?order=newest").content.decode()
    assert newest.index("Phoned the front door") < newest.index("Refusal")


def test_the_team_sees_counts_on_home_and_pupil_pages(client, world):
    concern = raise_one(world, pupil=world.pupil_in)
    raise_one(world, pupil=world.pupil_in)
    services.set_status(staff=staff_of(world.people["dsl"]), concern=concern, status=Status.MONITORING, reason="x")
    client.force_login(world.people["dsl"])
    home = client.get("/").content.decode()
    assert "1 new concern" in home and "2 not closed" in home and "/safeguarding/concerns/?status=new" in home
    pupil = client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    assert "2 concerns not closed" in pupil and chronology(world.pupil_in) in pupil
    other = client.get(f"/pupils/{world.pupil_out.pk}/").content.decode()
    assert "No concerns recorded." in other


def test_the_incident_panel_offers_raising_and_shows_the_team_linked_concerns(world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    concern = raise_one(world, incident=incident, pupil=world.pupil_in)
    request = RequestFactory().get("/")
    request.staff = staff_of(world.people["ta"])
    panel = incident_panel(request, incident)
    assert panel.context["raise_url"] == f"/safeguarding/raise/?pupil={world.pupil_in.pk}&incident={incident.pk}"
    assert panel.context["concerns"] is None
    request.staff = staff_of(world.people["dsl"])
    assert incident_panel(request, incident).context["concerns"] == [concern]


def test_the_incident_page_carries_the_panel(client, world):
    incident = IncidentFactory(pupil=world.pupil_in, created_by=world.people["ta"])
    concern = raise_one(world, incident=incident, pupil=world.pupil_in)
    client.force_login(world.people["ta"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Raise a safeguarding concern about this" in page
    assert f"/safeguarding/raise/?pupil={world.pupil_in.pk}&amp;incident={incident.pk}" in page
    assert concern.reference not in page and "No concern is linked" not in page
    client.force_login(world.people["dsl"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert concern.reference in page and "Raise a safeguarding concern about this" in page
