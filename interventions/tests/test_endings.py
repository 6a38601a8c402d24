"""Ending a group or a therapy programme: the SENCo gives the last day it ran and why. A group's
open placements end that day, its planned sessions after it are stored as cancelled (never
deleted; past sessions untouched), and it leaves the current lists and the provision map while its
page and history stay readable. Every refusal is said next to its field; every other role is
refused (another school's group or programme is a 404)."""

import re

import pytest
from django.core.exceptions import ValidationError

from interventions import services_placements as services
from interventions import services_sessions
from interventions.models import Attendance, Group, Placement, ProgrammeDelivery, Session, TherapyProgramme
from interventions.tests.test_placements import (
    DAY, today, deliver, login, make_group, make_intervention, place, placement_post,
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


def end_group(world, group, ended_on=None, reason="Targets met early"):
    return services.end_group(group=group, ended_on=ended_on or today(), reason=reason, acting_user=world.people["senco"])


def actions(model, **filters):
    return {e.pgh_context.metadata["action"] for e in model.pgh_event_model.objects.filter(**filters)
            .select_related("pgh_context") if e.pgh_context}


# --- the service: a group -------------------------------------------------------------------------

def test_ending_a_group_ends_its_placements_and_cancels_the_planned_sessions_after_it(world):
    group = elsa(world)
    amelia = place(world, group, world.pupil_in)
    isla = place(world, group, world.pupil_out)
    oliver = place(world, group, world.pupil_class, end_date=today() - 5 * DAY)  # planned to leave before the end
    delivered = deliver(world, group, today() - 3 * DAY, present=[amelia], absent=[isla])
    assembly = Session.objects.create(group=group, date=today() - DAY, status="cancelled", cancel_reason="Assembly",
                                      recorded_by=world.people["ta"])
    ended_on = today() - 2 * DAY

    ending = end_group(world, group, ended_on, "  Targets met early  ")

    group.refresh_from_db()
    assert (group.ended_on, group.end_reason, group.ended_by) == (ended_on, "Targets met early", world.people["senco"])
    assert (ending.placements_ended, ending.sessions_cancelled) == (3, 22)  # 23 dates after it, one recorded
    ends = dict(Placement.objects.filter(group=group).values_list("pk", "ended_on"))
    assert ends == {amelia.pk: ended_on, isla.pk: ended_on, oliver.pk: today() - 5 * DAY}
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
    end_group(world, group, today() - DAY)
    sessions = Session.objects.count()
    with pytest.raises(ValidationError, match="already ended on"):
        end_group(world, group, today())
    group.refresh_from_db()
    assert group.ended_on == today() - DAY and Session.objects.count() == sessions


@pytest.mark.parametrize("ended_on,reason,field,words", [
    (today() + DAY, "Staffing", "ended_on", "can't be in the future"),
    (today() - 22 * DAY, "Staffing", "ended_on", "The group started on"),
    (today() - 5 * DAY, "Staffing", "ended_on", "A session was delivered on"),
    (today(), "   ", "reason", "Say why the group is ending."),
    (today(), "x" * 201, "reason", "200 characters or fewer"),
])
def test_refusals_are_keyed_by_field_and_change_nothing(world, ended_on, reason, field, words):
    group = elsa(world)
    placement = place(world, group, world.pupil_in)
    deliver(world, group, today() - 4 * DAY, present=[placement])
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, ended_on, reason)
    assert words in refused.value.message_dict[field][0]
    group.refresh_from_db()
    placement.refresh_from_db()
    assert group.ended_on is None and placement.ended_on is None
    assert Session.objects.filter(group=group).count() == 1


def test_a_group_that_ran_past_its_planned_end_ends_no_later_than_that(world):
    group = elsa(world, start_date=today() - 30 * DAY, planned_end_date=today() - 10 * DAY)
    place(world, group, world.pupil_in)
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, today())
    assert "planned to end on" in refused.value.message_dict["ended_on"][0]
    ending = end_group(world, group, today() - 10 * DAY)
    assert ending.sessions_cancelled == 0 and ending.placements_ended == 1


def test_a_group_that_hasnt_started_is_called_off_today(world):
    group = elsa(world, start_date=today() + 7 * DAY, planned_end_date=today() + 13 * DAY)
    placement = place(world, group, world.pupil_in)
    with pytest.raises(ValidationError) as refused:
        end_group(world, group, today() - DAY)
    assert "hasn't started yet" in refused.value.message_dict["ended_on"][0]
    ending = end_group(world, group, today(), "Staffing: the TA is leaving")
    assert ending.sessions_cancelled == 7 and ending.group.planned_dates() == []
    assert sorted(Session.objects.filter(group=group).values_list("date", flat=True)) == [
        today() + n * DAY for n in range(7, 14)]
    placement.refresh_from_db()
    assert placement.ended_on == today()


def test_a_long_reason_is_shortened_on_the_cancelled_sessions_only(world):
    group = elsa(world)
    reason = "Targets met " + "y" * 188  # 200 characters: allowed
    end_group(world, group, today(), reason)
    group.refresh_from_db()
    cancelled = Session.objects.filter(group=group).first()
    assert group.end_reason == reason
    assert len(cancelled.cancel_reason) == 200 and cancelled.cancel_reason.endswith("…")


def test_after_the_end_sessions_up_to_it_can_still_be_recorded_and_scores_stay_open(client, world):
    group = elsa(world)
    placement = place(world, group, world.pupil_in)
    end_group(world, group, today() - DAY)
    late = services_sessions.record_session(
        group=group, date=today() - DAY, status="delivered", placements=[placement], acting_user=world.people["ta"],
        attendance=[{"placement_id": placement.pk, "status": "present", "absence_reason": ""}])
    assert late.status == "delivered"
    with pytest.raises(ValidationError, match="outside"):
        services_sessions.record_session(group=group, date=today(), status="cancelled", cancel_reason="x",
                                         placements=[], attendance=[], acting_user=world.people["ta"])
    login(client, world, "ta")
    response = client.post(f"/interventions/placements/{placement.pk}/scores/", {
        "entry_score": "40", "entry_date": (today() - 20 * DAY).isoformat(), "exit_score": "55",
        "exit_date": today().isoformat(), "target_progress": "4"})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.change == 15


def test_no_pupil_joins_an_ended_group(client, world):
    group = elsa(world)
    end_group(world, group, today())
    with pytest.raises(ValidationError) as refused:
        place(world, group, world.pupil_in, start_date=today(), end_date=today())
    assert "ended on" in refused.value.message_dict["pupil"][0]
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/pupils/add/",
                           placement_post(world, start_date=today().isoformat(), end_date=today().isoformat()))
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
    assert f'value="{today().isoformat()}"' in text  # today by default
    assert AccessLog.objects.filter(action="interventions.group.end_form", user=world.people["senco"]).exists()

    response = client.post(f"/interventions/groups/{group.pk}/end/",
                           {"ended_on": today().isoformat(), "reason": "Targets met early"}, follow=True)
    assert response.redirect_chain == [(f"/interventions/groups/{group.pk}/", 302)]
    after = response.content.decode()
    assert "ELSA Tuesday ended on" in after and "2 placements ended, 21 planned sessions after it cancelled" in after
    assert "This group ended on" in after and "Reason: Targets met early" in after
    assert "21 planned sessions after that" in after
    assert "End this group" not in after and "Add a pupil" not in after
    assert Group.objects.get(pk=group.pk).ended_on == today()

    history = client.get(f"/interventions/groups/{group.pk}/sessions/")
    assert history.context["after_end"]["count"] == 21
    assert all(r.date <= today() for r in history.context["rows"])  # the cancelled ones are summed up, not listed
    # Asking again (an old tab) changes nothing and says so.
    again = client.post(f"/interventions/groups/{group.pk}/end/", {"ended_on": today().isoformat(), "reason": "x"},
                        follow=True)
    assert "already ended on" in again.content.decode() and Session.objects.filter(group=group).count() == 21


def test_end_form_refusal_is_next_to_the_field_and_keeps_the_reason(client, world):
    group = elsa(world)
    login(client, world, "senco")
    response = client.post(f"/interventions/groups/{group.pk}/end/",
                           {"ended_on": (today() + DAY).isoformat(), "reason": "Typed reason"})
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
    post = client.post(f"/interventions/groups/{group.pk}/end/", {"ended_on": today().isoformat(), "reason": "x"})
    assert post.status_code == status
    assert Group.objects.get(pk=group.pk).ended_on is None
    if role in ("ta", "senior"):  # they read the group page, without the button
        assert "End this group" not in client.get(f"/interventions/groups/{group.pk}/").content.decode()


def test_another_schools_group_is_a_404_for_our_senco(client, world):
    theirs = make_group(world, school=world.other_school, staff=())
    login(client, world, "senco")
    assert client.get(f"/interventions/groups/{theirs.pk}/end/").status_code == 404
    assert client.post(f"/interventions/groups/{theirs.pk}/end/",
                       {"ended_on": today().isoformat(), "reason": "x"}).status_code == 404


def test_an_ended_group_leaves_the_current_lists_but_stays_readable(client, world):
    group = elsa(world, name="Ended ELSA")
    running = elsa(world, name="Running ELSA")
    ended_placement = place(world, group, world.pupil_in)
    place(world, running, world.pupil_in)
    Session.objects.create(group=group, date=today() - 2 * DAY, status="cancelled", cancel_reason="Trip",
                           recorded_by=world.people["ta"])
    end_group(world, group, today() - DAY)

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
    due_today = client.get("/interventions/today/").context["groups"]
    assert [g.name for g in due_today] == ["Running ELSA"]
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
                                     smart_target="t", start_date=group.start_date, end_date=today(), review_due=today(),
                                     ended_on=today(), created_by=world.people["senco"])
        deliver(world, group, today() - (i + 1) * DAY, present=[p])
    with django_assert_num_queries(11):
        client.get(f"/interventions/groups/{group.pk}/")


# --- an ended group is fixed: only its name can still be changed ------------------------------------

def weekday_group(world, name="ELSA Tuesday"):
    """A group as the form makes them (school days only), run by the TA, 21 days back and ahead."""
    return make_group(world, intervention=make_intervention(world.school, name=f"{name} kit"), name=name)


def group_post(group, **changes):
    """Everything the edit form sends for `group` as it is (a page opened before it ended)."""
    data = {"intervention": group.intervention_id, "name": group.name,
            "staff": [u.pk for u in group.staff.all()], "days": [str(d) for d in group.days],
            "starts_at": group.starts_at.strftime("%H:%M"), "minutes_per_session": str(group.minutes_per_session),
            "start_date": group.start_date.isoformat(), "planned_end_date": group.planned_end_date.isoformat()}
    data.update(changes)
    return data


def test_an_ended_groups_edit_page_shows_what_is_fixed_read_only_with_the_ending(client, world):
    group = weekday_group(world)
    end_group(world, group, today() - DAY, "Targets met early")
    login(client, world, "senco")
    response = client.get(f"/interventions/groups/{group.pk}/edit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"This group ended on {today() - DAY:%-d %B %Y}" in text and "(ended by Senco Person)" in text
    assert "Reason: Targets met early" in text and "Only its name can still be changed." in text
    form = response.context["form"]
    assert {name for name, field in form.fields.items() if field.disabled} == {
        "intervention", "staff", "days", "starts_at", "minutes_per_session", "start_date", "planned_end_date"}
    assert re.search(r'<input type="date" name="planned_end_date"[^>]*disabled', text)
    assert re.search(r'<input type="text" name="name" value="ELSA Tuesday"[^>]*>', text)
    assert "disabled" not in re.search(r'<input type="text" name="name"[^>]*>', text).group(0)
    # A group still running: everything is open.
    running = weekday_group(world, "Running")
    assert not any(f.disabled for f in client.get(f"/interventions/groups/{running.pk}/edit/").context[
        "form"].fields.values())


def test_an_ended_group_can_be_renamed_and_keeps_the_rest(client, world):
    group = weekday_group(world)
    end_group(world, group, today() - DAY)
    before = Group.objects.values().get(pk=group.pk)
    login(client, world, "senco")
    # What the browser sends: the disabled fields aren't posted.
    response = client.post(f"/interventions/groups/{group.pk}/edit/", {"name": "ELSA Tuesday (autumn)"})
    assert response.status_code == 302
    after = Group.objects.values().get(pk=group.pk)
    assert after == {**before, "name": "ELSA Tuesday (autumn)"}
    assert [u.pk for u in Group.objects.get(pk=group.pk).staff.all()] == [world.people["ta"].pk]
    assert actions(Group, pgh_obj_id=group.pk, pgh_label="update") >= {"interventions.group.edit"}


def test_an_ended_group_run_by_someone_who_has_left_can_still_be_renamed(client, world):
    group = weekday_group(world)
    group.staff.add(world.people["other_ta"])
    end_group(world, group, today() - DAY)
    world.school.memberships.filter(user=world.people["other_ta"]).update(is_active=False)  # left the school
    login(client, world, "senco")
    page = client.get(f"/interventions/groups/{group.pk}/edit/")
    assert "Other Ta" in page.content.decode()  # still shown among who ran it
    response = client.post(f"/interventions/groups/{group.pk}/edit/", {"name": "Renamed"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Renamed" and set(group.staff.all()) == {world.people["ta"], world.people["other_ta"]}


@pytest.mark.parametrize("field,value", [
    ("planned_end_date", (today() + 40 * DAY).isoformat()),
    ("start_date", (today() - 30 * DAY).isoformat()),
    ("days", ["0"]),
    ("staff", "other_ta"),
    ("starts_at", "13:30"),
    ("minutes_per_session", "45"),
])
def test_a_change_posted_to_an_ended_group_is_refused_next_to_the_field(client, world, field, value):
    group = weekday_group(world)
    end_group(world, group, today() - DAY)
    before = Group.objects.values().get(pk=group.pk)
    login(client, world, "senco")
    if value == "other_ta":
        value = [world.people["other_ta"].pk]
    response = client.post(f"/interventions/groups/{group.pk}/edit/",
                           group_post(group, name="Typed new name", **{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[field] == [f"The group ended on {today() - DAY:%-d %B %Y}: this is fixed and can't be changed."]
    assert set(errors) == {field}
    assert 'value="Typed new name"' in response.content.decode()  # what was typed is kept
    assert Group.objects.values().get(pk=group.pk) == before
    assert list(Group.objects.get(pk=group.pk).staff.all()) == [world.people["ta"]]


def test_the_service_refuses_changes_to_an_ended_group_whoever_calls(world):
    """A form checked while the group was running, saved after it ended (or any other caller)."""
    from interventions.forms_placements import GroupForm

    group = weekday_group(world)
    form = GroupForm(group_post(group, name="Renamed", planned_end_date=(today() + 40 * DAY).isoformat(),
                                staff=[world.people["other_ta"].pk]),
                     instance=Group.objects.get(pk=group.pk), school=world.school)
    assert form.is_valid(), form.errors
    end_group(world, group, today() - DAY)
    before = Group.objects.values().get(pk=group.pk)
    with pytest.raises(ValidationError) as refused:
        services.save_group(form=form, school=world.school, acting_user=world.people["senco"])
    assert set(refused.value.message_dict) == {"planned_end_date", "staff"}
    assert "this is fixed and can't be changed" in refused.value.message_dict["planned_end_date"][0]
    assert Group.objects.values().get(pk=group.pk) == before
    assert list(Group.objects.get(pk=group.pk).staff.all()) == [world.people["ta"]]
    # The name alone goes through, and the ending stays, though the form was opened before it.
    running = Group.objects.get(pk=group.pk)
    running.ended_on, running.end_reason, running.ended_by = None, "", None  # as it was then
    form = GroupForm(group_post(running, name="Renamed"), instance=running, school=world.school)
    assert form.is_valid(), form.errors
    services.save_group(form=form, school=world.school, acting_user=world.people["senco"])
    assert Group.objects.values().get(pk=group.pk) == {**before, "name": "Renamed"}


# --- therapy programmes ---------------------------------------------------------------------------

def end_programme(world, programme, ended_on=None, reason="Discharged by the therapist"):
    return services.end_programme(programme=programme, ended_on=ended_on or today(), reason=reason,
                                  acting_user=world.people["senco"])


def log(world, programme, day):
    return services.add_delivery(programme=programme, delivered_on=day, minutes=10, note="", rating=None,
                                 acting_user=world.people["ta"])


def test_ending_a_programme_is_recorded_once_with_its_reason(world):
    programme = make_programme(world)
    log(world, programme, today() - 3 * DAY)
    end_programme(world, programme, today() - 2 * DAY)
    programme.refresh_from_db()
    assert (programme.ended_on, programme.end_reason, programme.ended_by) == (
        today() - 2 * DAY, "Discharged by the therapist", world.people["senco"])
    assert actions(TherapyProgramme, pgh_obj_id=programme.pk, pgh_label="update") == {"interventions.end_programme"}
    with pytest.raises(ValidationError, match="already ended"):
        end_programme(world, programme)
    # A missed line up to the end may still be logged; none after it.
    assert log(world, programme, today() - 2 * DAY).pk
    with pytest.raises(ValidationError) as refused:
        log(world, programme, today() - DAY)
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
    log(world, programme, today() - 3 * DAY)
    with pytest.raises(ValidationError) as refused:
        end_programme(world, programme, today() - back * DAY, reason)
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
                      {"ended_on": (today() - 40 * DAY).isoformat(), "reason": "Moved school"})
    assert bad.status_code == 400 and "The programme was set on" in bad.context["form"].errors["ended_on"][0]
    assert b"Moved school" in bad.content
    response = client.post(f"/interventions/programmes/{programme.pk}/end/",
                           {"ended_on": today().isoformat(), "reason": "Moved school"}, follow=True)
    text = response.content.decode()
    assert "programme ended on" in text and "This programme ended on" in text and "Reason: Moved school" in text
    assert "End this programme" not in text
    assert client.get("/interventions/programmes/").context["programmes"] == []
    assert [p.pk for p in client.get("/interventions/programmes/?ended=1").context["programmes"]] == [programme.pk]


def test_the_delivery_log_stays_open_up_to_the_end(client, world):
    programme = make_programme(world)
    end_programme(world, programme, today() - 2 * DAY)
    login(client, world, "ta")
    page = client.get(f"/interventions/programmes/{programme.pk}/")
    assert "Log a missed delivery" in page.content.decode()
    assert page.context["form"]["delivered_on"].value() == today() - 2 * DAY
    late = client.post(f"/interventions/programmes/{programme.pk}/log/",
                       {"delivered_on": (today() - DAY).isoformat(), "minutes": "10", "rating": "", "note": "Typed"})
    assert late.status_code == 400 and "log deliveries up to that date" in late.context["form"].errors[
        "delivered_on"][0]
    assert b"Typed" in late.content


@pytest.mark.parametrize("role,status", REFUSED)
def test_only_the_senco_ends_a_programme(client, world, role, status):
    programme = make_programme(world)
    login(client, world, role)
    assert client.get(f"/interventions/programmes/{programme.pk}/end/").status_code == status
    assert client.post(f"/interventions/programmes/{programme.pk}/end/",
                       {"ended_on": today().isoformat(), "reason": "x"}).status_code == status
    assert TherapyProgramme.objects.get(pk=programme.pk).ended_on is None


def test_another_schools_programme_is_a_404_for_our_senco(client, world):
    theirs = make_programme(world, pupil=world.pupil_other_school, staff=())
    login(client, world, "senco")
    assert client.get(f"/interventions/programmes/{theirs.pk}/end/").status_code == 404


# --- an ended programme is fixed: its therapist, service name and report can still change -----------

def programme_data(programme, **changes):
    data = {"therapist": programme.therapist, "service": programme.service, "service_name": programme.service_name,
            "set_on": programme.set_on.isoformat(), "targets": programme.targets,
            "activities": programme.activities, "frequency": programme.frequency,
            "review_on": programme.review_on.isoformat(), "outcome": programme.outcome_id or "",
            "staff": [u.pk for u in programme.staff.all()]}
    data.update(changes)
    return data


def test_an_ended_programmes_edit_page_shows_what_is_fixed_read_only(client, world):
    programme = make_programme(world)
    end_programme(world, programme, today() - DAY, "Discharged by the therapist")
    login(client, world, "senco")
    response = client.get(f"/interventions/programmes/{programme.pk}/edit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"This programme ended on {today() - DAY:%-d %B %Y}" in text and "Reason: Discharged by the therapist" in text
    assert {name for name, f in response.context["form"].fields.items() if f.disabled} == {
        "pupil", "service", "set_on", "targets", "activities", "frequency", "review_on", "outcome", "staff"}
    assert re.search(r'<input type="date" name="review_on"[^>]*disabled', text)


def test_an_ended_programme_takes_a_late_report_and_keeps_its_dates(client, world, tmp_path, settings):
    from interventions.tests.test_programmes import pdf

    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(world)
    end_programme(world, programme, today() - DAY)
    before = TherapyProgramme.objects.values().get(pk=programme.pk)
    login(client, world, "senco")
    response = client.post(f"/interventions/programmes/{programme.pk}/edit/",
                           {"therapist": "Jo Patel-Hart", "service_name": "NHS SALT", "report": pdf("Discharge.pdf")})
    assert response.status_code == 302
    after = TherapyProgramme.objects.values().get(pk=programme.pk)
    assert (after["therapist"], after["service_name"], after["report_name"]) == (
        "Jo Patel-Hart", "NHS SALT", "Discharge.pdf")
    assert {k: v for k, v in after.items() if k not in {"therapist", "service_name", "report", "report_name"}} == {
        k: v for k, v in before.items() if k not in {"therapist", "service_name", "report", "report_name"}}


@pytest.mark.parametrize("field,value", [
    ("set_on", (today() - 40 * DAY).isoformat()),
    ("review_on", (today() + 90 * DAY).isoformat()),
    ("targets", "Something else"),
    ("staff", []),
])
def test_a_change_posted_to_an_ended_programme_is_refused_next_to_the_field(client, world, field, value):
    programme = make_programme(world)
    end_programme(world, programme, today() - DAY)
    before = TherapyProgramme.objects.values().get(pk=programme.pk)
    login(client, world, "senco")
    data = programme_data(programme, therapist="Typed therapist", **{field: value})
    if field == "staff":
        data["staff"] = [world.people["other_ta"].pk]
    response = client.post(f"/interventions/programmes/{programme.pk}/edit/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors == {field: [f"The programme ended on {today() - DAY:%-d %B %Y}: this is fixed and can't be changed."]}
    assert "Typed therapist" in response.content.decode()
    assert TherapyProgramme.objects.values().get(pk=programme.pk) == before
    assert list(TherapyProgramme.objects.get(pk=programme.pk).staff.all()) == [world.people["ta"]]


def test_the_service_refuses_changes_to_an_ended_programme_whoever_calls(world):
    from interventions.forms_placements import ProgrammeForm

    programme = make_programme(world)
    form = ProgrammeForm(programme_data(programme, review_on=(today() + 90 * DAY).isoformat(), therapist="New name"),
                         instance=TherapyProgramme.objects.get(pk=programme.pk), school=world.school)
    assert form.is_valid(), form.errors
    end_programme(world, programme, today() - DAY)
    before = TherapyProgramme.objects.values().get(pk=programme.pk)
    with pytest.raises(ValidationError) as refused:
        services.save_programme(form=form, school=world.school, acting_user=world.people["senco"])
    assert set(refused.value.message_dict) == {"review_on"}
    assert TherapyProgramme.objects.values().get(pk=programme.pk) == before
    # The therapist's name alone goes through from a form opened before the end; it stays ended.
    running = TherapyProgramme.objects.get(pk=programme.pk)
    running.ended_on, running.end_reason, running.ended_by = None, "", None
    form = ProgrammeForm(programme_data(running, therapist="New name"), instance=running, school=world.school)
    assert form.is_valid(), form.errors
    services.save_programme(form=form, school=world.school, acting_user=world.people["senco"])
    assert TherapyProgramme.objects.values().get(pk=programme.pk) == {**before, "therapist": "New name"}
