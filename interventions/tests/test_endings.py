"""Ending a group or a therapy programme: the SENCo gives the last day it ran and why. A group's
open placements end that day, its planned sessions after it are stored as cancelled (never
deleted; past sessions untouched), and it leaves the current lists and the provision map while its
page and history stay readable. Every refusal is said next to its field; every other role is
refused (another school's group or programme is a 404)."""

import pytest
from django.core.exceptions import ValidationError

from interventions import services_placements as services
from interventions import services_sessions
from interventions.models import Attendance, Group, Placement, ProgrammeDelivery, Session, TherapyProgramme
from interventions.tests.test_placements import (
    DAY, TODAY, deliver, login, make_group, make_intervention, place, placement_post,
)
from interventions.tests.test_programmes import make_programme
from sendsupport.models import AccessLog

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)  # tests run on any day of the week: every date is a planned date
REFUSED = [("ta", 403), ("teacher", 403), ("dsl", 403), ("senior", 403), ("admin", 403),
           ("other_school_senco", 404)]


def elsa(world, **kw):
    """A group meeting every day from 21 days ago to 21 days ahead, run by the TA."""
    kit = make_intervention(world.school, name=kw.get("name", "ELSA"), max_group_size=6)
    return make_group(world, days=EVERY_DAY, intervention=kit, **kw)


def end_group(world, group, ended_on=TODAY, reason="Targets met early"):
    return services.end_group(group=group, ended_on=ended_on, reason=reason, acting_user=world.people["senco"])


def actions(model, **filters):
    return {e.pgh_context.metadata["action"] for e in model.pgh_event_model.objects.filter(**filters)
            .select_related("pgh_context") if e.pgh_context}


# --- the service: a group -------------------------------------------------------------------------

def test_ending_a_group_ends_its_placements_and_cancels_the_planned_sessions_after_it(world):
    group = elsa(world)
    amelia = place(world, group, world.pupil_in)
    isla = place(world, group, world.pupil_out)
    oliver = place(world, group, world.pupil_class, end_date=TODAY - 5 * DAY)  # planned to leave before the end
    delivered = deliver(world, group, TODAY - 3 * DAY, present=[amelia], absent=[isla])
    assembly = Session.objects.create(group=group, date=TODAY - DAY, status="cancelled", cancel_reason="Assembly",
                                      recorded_by=world.people["ta"])
    ended_on = TODAY - 2 * DAY

    ending = end_group(world, group, ended_on, "  Targets met early  ")

    group.refresh_from_db()
    assert (group.ended_on, group.end_reason, group.ended_by) == (ended_on, "Targets met early", world.people["senco"])
    assert (ending.placements_ended, ending.sessions_cancelled) == (3, 22)  # 23 dates after it, one recorded
    ends = dict(Placement.objects.filter(group=group).values_list("pk", "ended_on"))
    assert ends == {amelia.pk: ended_on, isla.pk: ended_on, oliver.pk: TODAY - 5 * DAY}
    after = Session.objects.filter(group=group, date__gt=ended_on).order_by("date")
    assert [s.date for s in after] == [ended_on + n * DAY for n in range(1, 24)]
    assert {s.status for s in after} == {"cancelled"} and all(s.minutes is None for s in after)
    assert {s.cancel_reason for s in after if s.pk != assembly.pk} == {"Group ended: Targets met early"}
    assembly.refresh_from_db()
    assert assembly.cancel_reason == "Assembly"  # already recorded: left as it was
    delivered.refresh_from_db()
    assert delivered.status == "delivered" and Attendance.objects.filter(session=delivered).count() == 2
    assert group.planned_dates()[-1] == ended_on
    # One action name on every row it wrote, under the SENCo.
    assert actions(Group, pgh_obj_id=group.pk, pgh_label="update") == {"interventions.end_group"}
    assert actions(Placement, pgh_obj_id=amelia.pk, pgh_label="update") == {"interventions.end_group"}
    assert actions(Session, pgh_obj_id=after.last().pk) == {"interventions.end_group"}
    assert Group.pgh_event_model.objects.filter(pgh_obj_id=group.pk).latest("pgh_id").pgh_context.metadata[
        "user"] == world.people["senco"].pk


def test_a_group_ends_once(world):
    group = elsa(world)
    end_group(world, group, TODAY - DAY)
    sessions = Session.objects.count()
    with pytest.raises(ValidationError, match="already ended on"):
        end_group(world, group, TODAY)
    group.refresh_from_db()
    assert group.ended_on == TODAY - DAY and Session.objects.count() == sessions


@pytest.mark.parametrize("ended_on,reason,field,words", [
    (TODAY + DAY, "Staffing", "ended_on", "can't be in the future"),
    (TODAY - 22 * DAY, "Staffing", "ended_on", "The group started on"),
    (TODAY - 5 * DAY, "Staffing", "ended_on", "A session was delivered on"),
    (TODAY, "   ", "reason", "Say why the group is ending."),
    (TODAY, "x" * 201, "reason", "200 characters or fewer"),
])
def test_refusals_are_keyed_by_field_and_change_nothing(world, ended_on, reason, field, words):
    group = elsa(world)
    placement = place(world, group, world.pupil_in)
    deliver(world, group, TODAY - 4 * DAY, present=[placement])
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, ended_on, reason)
    assert words in refused.value.message_dict[field][0]
    group.refresh_from_db()
    placement.refresh_from_db()
    assert group.ended_on is None and placement.ended_on is None
    assert Session.objects.filter(group=group).count() == 1


def test_a_group_that_ran_past_its_planned_end_ends_no_later_than_that(world):
    group = elsa(world, start_date=TODAY - 30 * DAY, planned_end_date=TODAY - 10 * DAY)
    place(world, group, world.pupil_in)
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, TODAY)
    assert "planned to end on" in refused.value.message_dict["ended_on"][0]
    ending = end_group(world, group, TODAY - 10 * DAY)
    assert ending.sessions_cancelled == 0 and ending.placements_ended == 1


def test_a_group_that_hasnt_started_is_called_off_today(world):
    group = elsa(world, start_date=TODAY + 7 * DAY, planned_end_date=TODAY + 13 * DAY)
    placement = place(world, group, world.pupil_in)
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, TODAY - DAY)
    assert "hasn't started yet" in refused.value.message_dict["ended_on"][0]
    ending = end_group(world, group, TODAY, "Staffing: the TA is leaving")
    assert ending.sessions_cancelled == 7 and ending.group.planned_dates() == []
    assert sorted(Session.objects.filter(group=group).values_list("date", flat=True)) == [
        TODAY + n * DAY for n in range(7, 14)]
    placement.refresh_from_db()
    assert placement.ended_on == TODAY


def test_a_long_reason_is_shortened_on_the_cancelled_sessions_only(world):
    group = elsa(world)
    reason = "Targets met " + "y" * 188  # 200 characters: allowed
    end_group(world, group, TODAY, reason)
    group.refresh_from_db()
    cancelled = Session.objects.filter(group=group).first()
    assert group.end_reason == reason
    assert len(cancelled.cancel_reason) == 200 and cancelled.cancel_reason.endswith("…")


def test_after_the_end_sessions_up_to_it_can_still_be_recorded_and_scores_stay_open(client, world):
    group = elsa(world)
    placement = place(world, group, world.pupil_in)
    end_group(world, group, TODAY - DAY)
    late = services_sessions.record_session(
        group=group, date=TODAY - DAY, status="delivered", placements=[placement], acting_user=world.people["ta"],
        attendance=[{"placement_id": placement.pk, "status": "present", "absence_reason": ""}])
    assert late.status == "delivered"
    with pytest.raises(ValidationError, match="outside"):
        services_sessions.record_session(group=group, date=TODAY, status="cancelled", cancel_reason="x",
                                         placements=[], attendance=[], acting_user=world.people["ta"])
    login(client, world, "ta")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/", {
        "entry_score": "40", "entry_date": (TODAY - 20 * DAY).isoformat(), "exit_score": "55",
        "exit_date": TODAY.isoformat(), "target_progress": "4"})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.change == 15


def test_no_pupil_joins_an_ended_group(client, world):
    group = elsa(world)
    end_group(world, group, TODAY)
    with pytest.raises(ValidationError) as refused:
        place(world, group, world.pupil_in, start_date=TODAY, end_date=TODAY)
    assert "ended on" in refused.value.message_dict["pupil"][0]
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/",
                           placement_post(world, start_date=TODAY.isoformat(), end_date=TODAY.isoformat()))
    assert response.status_code == 302 and not Placement.objects.exists()
    page = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert "no pupils can be added" in page and "Add a pupil" not in page


# --- the pages: a group ---------------------------------------------------------------------------

def test_senco_ends_a_group_from_its_page(client, world):
    group = elsa(world, name="ELSA Tuesday")
    place(world, group, world.pupil_in)
    place(world, group, world.pupil_out)
    login(client, world, "senco")
    before = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert f'href="/interventions/groups/{group.pk}/end/"' in before and "End this group" in before

    form_page = client.get(f"/interventions/groups/{group.pk}/end/")
    assert form_page.status_code == 200
    text = form_page.content.decode()
    assert "The placements of Amelia Hughes and Isla Morgan end on the end date" in text
    assert f'value="{TODAY.isoformat()}"' in text  # today by default
    assert AccessLog.objects.filter(action="interventions.group.end_form", user=world.people["senco"]).exists()

    response = client.post(f"/interventions/groups/{group.pk}/end/",
                           {"ended_on": TODAY.isoformat(), "reason": "Targets met early"}, follow=True)
    assert response.redirect_chain == [(f"/interventions/groups/{group.pk}/", 302)]
    after = response.content.decode()
    assert "ELSA Tuesday ended on" in after and "2 placements ended, 21 planned sessions after it cancelled" in after
    assert "This group ended on" in after and "Reason: Targets met early" in after
    assert "21 planned sessions after that" in after
    assert "End this group" not in after and "Add a pupil" not in after
    assert Group.objects.get(pk=group.pk).ended_on == TODAY

    history = client.get(f"/interventions/groups/{group.pk}/sessions/")
    assert history.context["after_end"]["count"] == 21
    assert all(r.date <= TODAY for r in history.context["rows"])  # the cancelled ones are summed up, not listed
    # Asking again (an old tab) changes nothing and says so.
    again = client.post(f"/interventions/groups/{group.pk}/end/", {"ended_on": TODAY.isoformat(), "reason": "x"},
                        follow=True)
    assert "already ended on" in again.content.decode() and Session.objects.filter(group=group).count() == 21


def test_end_form_refusal_is_next_to_the_field_and_keeps_the_reason(client, world):
    group = elsa(world)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/end/",
                           {"ended_on": (TODAY + DAY).isoformat(), "reason": "Typed reason"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "can't be in the future" in form.errors["ended_on"][0]
    text = response.content.decode()
    assert "To stop it on a later date, change its planned end instead." in text  # the date's help
    assert "Typed reason" in text and 'aria-invalid="true"' in text
    assert Group.objects.get(pk=group.pk).ended_on is None
    empty = client.post(f"/interventions/groups/{group.pk}/end/", {"ended_on": "", "reason": ""})
    assert empty.context["form"].errors == {"ended_on": ["Enter the end date."], "reason": ["Say why it is ending."]}


@pytest.mark.parametrize("role,status", REFUSED + [("other_ta", 403)])
def test_only_the_senco_ends_a_group(client, world, role, status):
    group = elsa(world, staff=("ta", "other_ta") if role == "other_ta" else ("ta",))
    login(client, world, role)
    assert client.get(f"/interventions/groups/{group.pk}/end/").status_code == status
    post = client.post(f"/interventions/groups/{group.pk}/end/", {"ended_on": TODAY.isoformat(), "reason": "x"})
    assert post.status_code == status
    assert Group.objects.get(pk=group.pk).ended_on is None
    if role in ("ta", "senior"):  # they read the group page, without the button
        assert "End this group" not in client.get(f"/interventions/groups/{group.pk}/").content.decode()


def test_another_schools_group_is_a_404_for_our_senco(client, world):
    theirs = make_group(world, school=world.other_school, staff=())
    login(client, world, "senco")
    assert client.get(f"/interventions/groups/{theirs.pk}/end/").status_code == 404
    assert client.post(f"/interventions/groups/{theirs.pk}/end/",
                       {"ended_on": TODAY.isoformat(), "reason": "x"}).status_code == 404


def test_an_ended_group_leaves_the_current_lists_but_stays_readable(client, world):
    group = elsa(world, name="Ended ELSA")
    running = elsa(world, name="Running ELSA")
    ended_placement = place(world, group, world.pupil_in)
    place(world, running, world.pupil_in)
    Session.objects.create(group=group, date=TODAY - 2 * DAY, status="cancelled", cancel_reason="Trip",
                           recorded_by=world.people["ta"])
    end_group(world, group, TODAY - DAY)

    login(client, world, "senco")
    assert [g.name for g in client.get("/interventions/groups/").context["groups"]] == ["Running ELSA"]
    assert {g.name for g in client.get("/interventions/groups/?ended=1").context["groups"]} == {
        "Ended ELSA", "Running ELSA"}
    assert client.get("/interventions/").context["counts"]["groups"] == 1
    assert [r["group"].name for r in client.get("/interventions/provision-map/").context["rows"]] == ["Running ELSA"]
    assert "Ended ELSA" in {r["group"].name for r in
                            client.get("/interventions/provision-map/?ended=1").context["rows"]}
    # The impact page counts cancellations on the day (the trip), not the sessions the ending called off,
    # and plans (and misses) nothing after the end.
    impact = client.get("/interventions/impact/").context
    ended = next(r for r in impact["interventions"] if r["intervention"] == group.intervention)
    assert (ended["planned"], ended["cancelled"], ended["missed"]) == (21, 1, 20)

    login(client, world, "ta")  # who runs it: no session today, the page and the history still open
    today = client.get("/interventions/today/").context["groups"]
    assert [g.name for g in today] == ["Running ELSA"]
    assert client.get(f"/interventions/groups/{group.pk}/").status_code == 200
    assert client.get(f"/interventions/groups/{group.pk}/sessions/").status_code == 200
    assert client.get(f"/interventions/placements/{ended_placement.pk}/").status_code == 200
    panel = client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Running ELSA" in panel and "Ended ELSA" not in panel


def test_ended_group_page_query_count_is_flat(client, world, django_assert_num_queries):
    from pupils.factories import PupilFactory

    group = elsa(world)
    place(world, group, world.pupil_in)
    end_group(world, group)
    login(client, world, "senco")
    client.get(f"/interventions/groups/{group.pk}/")
    # Session, user, membership, the group (with its intervention and who ended it), the access log,
    # placements, staff, the sessions its ending cancelled, and the session save (savepoint, update,
    # release). No add-a-pupil form, so none of its choices.
    with django_assert_num_queries(11):
        client.get(f"/interventions/groups/{group.pk}/")
    for i in range(4):
        p = Placement.objects.create(group=group, pupil=PupilFactory(school=world.school, legal_last_name=f"X{i}"),
                                     smart_target="t", start_date=group.start_date, end_date=TODAY, review_due=TODAY,
                                     ended_on=TODAY, created_by=world.people["senco"])
        deliver(world, group, TODAY - (i + 1) * DAY, present=[p])
    with django_assert_num_queries(11):
        client.get(f"/interventions/groups/{group.pk}/")


# --- therapy programmes ---------------------------------------------------------------------------

def end_programme(world, programme, ended_on=TODAY, reason="Discharged by the therapist"):
    return services.end_programme(programme=programme, ended_on=ended_on, reason=reason,
                                  acting_user=world.people["senco"])


def log(world, programme, day):
    return services.add_delivery(programme=programme, delivered_on=day, minutes=10, note="", rating=None,
                                 acting_user=world.people["ta"])


def test_ending_a_programme_is_recorded_once_with_its_reason(world):
    programme = make_programme(world)
    log(world, programme, TODAY - 3 * DAY)
    end_programme(world, programme, TODAY - 2 * DAY)
    programme.refresh_from_db()
    assert (programme.ended_on, programme.end_reason, programme.ended_by) == (
        TODAY - 2 * DAY, "Discharged by the therapist", world.people["senco"])
    assert actions(TherapyProgramme, pgh_obj_id=programme.pk, pgh_label="update") == {"interventions.end_programme"}
    with pytest.raises(ValidationError, match="already ended"):
        end_programme(world, programme)
    # A missed line up to the end may still be logged; none after it.
    assert log(world, programme, TODAY - 2 * DAY).pk
    with pytest.raises(ValidationError) as refused:
        log(world, programme, TODAY - DAY)
    assert "ended on" in refused.value.message_dict["delivered_on"][0]
    assert ProgrammeDelivery.objects.filter(programme=programme).count() == 2


@pytest.mark.parametrize("back,reason,field,words", [
    (-1, "Discharged", "ended_on", "can't be in the future"),
    (31, "Discharged", "ended_on", "The programme was set on"),
    (4, "Discharged", "ended_on", "A delivery was logged on"),
    (0, "", "reason", "Say why the programme is ending."),
])
def test_programme_refusals_are_keyed_by_field(world, back, reason, field, words):
    programme = make_programme(world)  # set 30 days ago
    log(world, programme, TODAY - 3 * DAY)
    with pytest.raises(ValidationError) as refused:
        end_programme(world, programme, TODAY - back * DAY, reason)
    assert words in refused.value.message_dict[field][0]
    programme.refresh_from_db()
    assert programme.ended_on is None


def test_senco_ends_a_programme_from_its_page(client, world):
    programme = make_programme(world)
    login(client, world, "senco")
    assert "End this programme" in client.get(f"/interventions/programmes/{programme.pk}/").content.decode()
    form_page = client.get(f"/interventions/programmes/{programme.pk}/end/")
    assert form_page.status_code == 200 and "End Amelia Hughes's Speech and language therapy programme" in (
        form_page.content.decode())
    assert AccessLog.objects.filter(action="interventions.programme.end_form", pupil=world.pupil_in).exists()
    bad = client.post(f"/interventions/programmes/{programme.pk}/end/",
                      {"ended_on": (TODAY - 40 * DAY).isoformat(), "reason": "Moved school"})
    assert bad.status_code == 400 and "The programme was set on" in bad.context["form"].errors["ended_on"][0]
    assert b"Moved school" in bad.content
    response = client.post(f"/interventions/programmes/{programme.pk}/end/",
                           {"ended_on": TODAY.isoformat(), "reason": "Moved school"}, follow=True)
    text = response.content.decode()
    assert "programme ended on" in text and "This programme ended on" in text and "Reason: Moved school" in text
    assert "End this programme" not in text
    assert client.get("/interventions/programmes/").context["programmes"] == []
    assert [p.pk for p in client.get("/interventions/programmes/?ended=1").context["programmes"]] == [programme.pk]


def test_the_delivery_log_stays_open_up_to_the_end(client, world):
    programme = make_programme(world)
    end_programme(world, programme, TODAY - 2 * DAY)
    login(client, world, "ta")
    page = client.get(f"/interventions/programmes/{programme.pk}/")
    assert "Log a missed delivery" in page.content.decode()
    assert page.context["form"]["delivered_on"].value() == TODAY - 2 * DAY
    late = client.post(f"/interventions/programmes/{programme.pk}/log/",
                       {"delivered_on": (TODAY - DAY).isoformat(), "minutes": "10", "rating": "", "note": "Typed"})
    assert late.status_code == 400 and "log deliveries up to that date" in late.context["form"].errors[
        "delivered_on"][0]
    assert b"Typed" in late.content


@pytest.mark.parametrize("role,status", REFUSED)
def test_only_the_senco_ends_a_programme(client, world, role, status):
    programme = make_programme(world)
    login(client, world, role)
    assert client.get(f"/interventions/programmes/{programme.pk}/end/").status_code == status
    assert client.post(f"/interventions/programmes/{programme.pk}/end/",
                       {"ended_on": TODAY.isoformat(), "reason": "x"}).status_code == status
    assert TherapyProgramme.objects.get(pk=programme.pk).ended_on is None


def test_another_schools_programme_is_a_404_for_our_senco(client, world):
    theirs = make_programme(world, pupil=world.pupil_other_school, staff=())
    login(client, world, "senco")
    assert client.get(f"/interventions/programmes/{theirs.pk}/end/").status_code == 404
