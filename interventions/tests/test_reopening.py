"""Re-opening a group or programme ended by mistake: the SENCo gives the reason; the ending is undone
(a group's placements it ended open again, the planned sessions it cancelled are planned again)
but not forgotten: it stays in the history and on the page ("Ended on X by Y: reason; re-opened on
Z by W: reason"). Sessions recorded by staff stay. Every other role is refused; another school's
group or programme is a 404.

Also here: a group's weekend days (a rare Saturday club) are accepted everywhere and shown as the
days it has; and what "My sessions today" shows of pupils outside the TA's caseload."""

import pytest
from django.core.exceptions import ValidationError

from interventions import services_placements as services
from interventions import services_sessions
from interventions.models import Group, Placement, Reopening, Session, TherapyProgramme
from interventions.tests.test_endings import REFUSED, actions, elsa, end_group, group_post, weekday_group
from interventions.tests.test_placements import DAY, today, deliver, login, make_group, make_intervention, place
from interventions.tests.test_programmes import make_programme
from sendsupport import history
from sendsupport.models import AccessLog


def reopen(world, group, reason="Ended the wrong group"):
    return services.reopen_group(group=group, reason=reason, acting_user=world.people["senco"])


def cancelled_by_ending(group):
    return Session.objects.filter(group=group, cancel_reason__startswith="Group ended:")


# --- the service: a group -------------------------------------------------------------------------

def test_reopening_a_group_undoes_what_its_ending_did_and_keeps_the_ending_in_history(world):
    group = elsa(world)
    amelia = place(world, group, world.pupil_in)
    isla = place(world, group, world.pupil_out)
    oliver = place(world, group, world.pupil_class, end_date=today() - 5 * DAY)  # the ending ended it at its own end
    delivered = deliver(world, group, today() - 3 * DAY, present=[amelia], absent=[isla])
    assembly = Session.objects.create(group=group, date=today() - DAY, status="cancelled", cancel_reason="Assembly",
                                      recorded_by=world.people["ta"])
    ended_on = today() - 2 * DAY
    ending = end_group(world, group, ended_on, "Targets met early")
    assert (ending.placements_ended, ending.sessions_cancelled) == (3, 22)

    reopening = reopen(world, group, "  Ended the wrong group  ")

    group.refresh_from_db()
    assert (group.ended_on, group.end_reason, group.ended_by) == (None, "", None)
    assert (reopening.group, reopening.ended_on, reopening.end_reason, reopening.ended_by) == (
        group, ended_on, "Targets met early", world.people["senco"])
    assert (reopening.reason, reopening.reopened_by) == ("Ended the wrong group", world.people["senco"])
    assert (reopening.placements_reopened, reopening.sessions_restored) == (3, 22)
    assert set(Placement.objects.filter(group=group).values_list("ended_on", flat=True)) == {None}
    assert not cancelled_by_ending(group).exists()  # planned again, not stored
    # What staff recorded stays: the delivered session with its register, and the cancellation on the day.
    assert set(Session.objects.filter(group=group).values_list("pk", flat=True)) == {delivered.pk, assembly.pk}
    assert delivered.attendance.count() == 2
    assert group.planned_dates()[-1] == group.planned_end_date

    # The ending is still in the group's history, and each write says which action made it.
    events = list(Group.pgh_event_model.objects.filter(pgh_obj_id=group.pk).order_by("pgh_id"))
    assert (events[-2].ended_on, events[-2].end_reason, events[-2].ended_by_id) == (
        ended_on, "Targets met early", world.people["senco"].pk)
    assert (events[-1].ended_on, events[-1].end_reason) == (None, "")
    assert {k: events[-1].pgh_context.metadata[k] for k in ("user", "action")} == {
        "user": world.people["senco"].pk, "action": "interventions.reopen_group"}
    assert actions(Placement, pgh_obj_id=amelia.pk, pgh_label="update") == {
        "interventions.end_group", "interventions.reopen_group"}
    assert Session.pgh_event_model.objects.filter(pgh_label="delete", group_id=group.pk).count() == 22
    assert actions(Session, group_id=group.pk, pgh_label="delete") == {"interventions.reopen_group"}
    assert actions(Reopening, pgh_obj_id=reopening.pk) == {"interventions.reopen_group"}

    # It runs again: today's session can be recorded, and a pupil added.
    services_sessions.record_session(group=group, date=today(), status="cancelled", cancel_reason="Trip",
                                     placements=[], attendance=[], acting_user=world.people["ta"])
    assert Placement.objects.filter(group=group, ended_on__isnull=True).count() == 3


def test_only_what_the_ending_wrote_and_nobody_changed_since_is_undone(world):
    group = elsa(world)
    amelia = place(world, group, world.pupil_in)
    isla = place(world, group, world.pupil_out)
    oliver = place(world, group, world.pupil_class)
    # Oliver's placement ended on its own before the group did: it stays ended.
    services.end_placement(placement=oliver, ended_on=today() - 4 * DAY, acting_user=world.people["senco"])
    end_group(world, group, today() - 2 * DAY)
    # Isla's end changed after the ending (not through the app, but it could be): hers is no longer
    # the ending's to undo.
    with history.action(user=world.people["senco"].pk, action="tests.correct_end"):
        Placement.objects.filter(pk=isla.pk).update(ended_on=today() - 3 * DAY)

    reopening = reopen(world, group)

    ends = dict(Placement.objects.filter(group=group).values_list("pk", "ended_on"))
    assert ends == {amelia.pk: None, isla.pk: today() - 3 * DAY, oliver.pk: today() - 4 * DAY}
    assert reopening.placements_reopened == 1


def test_a_group_ended_again_undoes_only_its_latest_ending_and_both_are_shown(client, world):
    group = elsa(world, name="ELSA Tuesday")
    place(world, group, world.pupil_in)
    end_group(world, group, today() - 2 * DAY, "Targets met early")
    reopen(world, group, "Ended the wrong group")
    end_group(world, group, today(), "Staffing")
    second = reopen(world, group, "Cover found")
    assert (second.ended_on, second.end_reason, second.sessions_restored) == (today(), "Staffing", 21)
    assert not cancelled_by_ending(group).exists()

    login(client, world, "senco")
    text = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert (f"Ended on {today() - 2 * DAY:%-d %B %Y} by Senco Person: Targets met early; re-opened on "
            f"{today():%-d %B %Y} by Senco Person: Ended the wrong group") in text
    assert (f"Ended on {today():%-d %B %Y} by Senco Person: Staffing; re-opened on {today():%-d %B %Y} by "
            "Senco Person: Cover found") in text


def test_a_group_ended_outside_the_app_is_reopened_with_nothing_else_undone(world):
    """The demo seed writes ended groups directly: no ending in the history to undo, so only the
    group's own ending is lifted and its placements stay as they are."""
    group = elsa(world)
    placement = place(world, group, world.pupil_in)
    Placement.objects.filter(pk=placement.pk).update(ended_on=today() - DAY)
    Group.objects.filter(pk=group.pk).update(ended_on=today() - DAY, end_reason="Ran to its planned end",
                                             ended_by=world.people["senco"])
    group.refresh_from_db()
    reopening = reopen(world, group)
    group.refresh_from_db()
    placement.refresh_from_db()
    assert group.ended_on is None and placement.ended_on == today() - DAY
    assert (reopening.placements_reopened, reopening.sessions_restored) == (0, 0)


@pytest.mark.parametrize("reason,words", [("   ", "Say why the group is being re-opened."),
                                          ("x" * 201, "200 characters or fewer")])
def test_reopening_refusals_are_keyed_by_field_and_change_nothing(world, reason, words):
    group = elsa(world)
    place(world, group, world.pupil_in)
    end_group(world, group, today() - DAY)
    sessions = Session.objects.filter(group=group).count()
    with pytest.raises(ValidationError) as refused:
        reopen(world, group, reason)
    assert words in refused.value.message_dict["reason"][0]
    group.refresh_from_db()
    assert group.ended_on == today() - DAY and not Reopening.objects.exists()
    assert Session.objects.filter(group=group).count() == sessions
    assert not Placement.objects.filter(ended_on__isnull=True).exists()


def test_a_running_group_has_no_ending_to_undo(world):
    group = elsa(world)
    with pytest.raises(ValidationError, match="is running: there is no ending to undo"):
        reopen(world, group)
    assert not Reopening.objects.exists()


# --- the service: a programme ---------------------------------------------------------------------

def test_reopening_a_programme_keeps_its_log_and_its_ending_in_history(world):
    programme = make_programme(world)
    services.add_delivery(programme=programme, delivered_on=today() - 2 * DAY, minutes=20, note="", rating=None,
                          acting_user=world.people["ta"])
    services.end_programme(programme=programme, ended_on=today() - DAY, reason="Discharged by the therapist",
                           acting_user=world.people["senco"])
    with pytest.raises(ValidationError) as refused:
        services.reopen_programme(programme=programme, reason="", acting_user=world.people["senco"])
    assert "Say why the programme is being re-opened." in refused.value.message_dict["reason"][0]

    reopening = services.reopen_programme(programme=programme, reason="Wrong pupil's programme",
                                          acting_user=world.people["senco"])

    programme.refresh_from_db()
    assert (programme.ended_on, programme.end_reason, programme.ended_by) == (None, "", None)
    assert (reopening.programme, reopening.group, reopening.ended_on, reopening.end_reason) == (
        programme, None, today() - DAY, "Discharged by the therapist")
    assert programme.deliveries.count() == 1
    assert TherapyProgramme.pgh_event_model.objects.filter(pgh_obj_id=programme.pk, ended_on=today() - DAY,
                                                           end_reason="Discharged by the therapist").exists()
    assert actions(TherapyProgramme, pgh_obj_id=programme.pk, pgh_label="update") == {
        "interventions.end_programme", "interventions.reopen_programme"}
    with pytest.raises(ValidationError, match="is current: there is no ending to undo"):
        services.reopen_programme(programme=programme, reason="Again", acting_user=world.people["senco"])


# --- the pages --------------------------------------------------------------------------------------

def test_senco_reopens_a_group_from_its_page(client, world):
    group = elsa(world, name="ELSA Tuesday")
    place(world, group, world.pupil_in)
    place(world, group, world.pupil_out)
    end_group(world, group, today() - DAY, "Targets met early")
    login(client, world, "senco")
    ended = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert f'href="/interventions/groups/{group.pk}/reopen/"' in ended and "Re-open this group" in ended
    assert "Ended and re-opened" not in ended

    form_page = client.get(f"/interventions/groups/{group.pk}/reopen/")
    assert form_page.status_code == 200
    text = form_page.content.decode()
    assert "The placements of Amelia Hughes and Isla Morgan, ended by the ending, are open again." in text
    assert (f"The 22 planned sessions its ending cancelled ({today():%-d %b} to "
            f"{group.planned_end_date:%-d %b %Y}) are planned again") in text
    assert "Reason: Targets met early" in text  # the ending it would undo
    assert AccessLog.objects.filter(action="interventions.group.reopen_form", user=world.people["senco"]).exists()

    empty = client.post(f"/interventions/groups/{group.pk}/reopen/", {"reason": ""})
    assert empty.status_code == 400
    assert empty.context["form"].errors == {"reason": ["Say why it is being re-opened."]}
    assert Group.objects.get(pk=group.pk).ended_on == today() - DAY

    response = client.post(f"/interventions/groups/{group.pk}/reopen/", {"reason": "Ended the wrong group"},
                           follow=True)
    assert response.redirect_chain == [(f"/interventions/groups/{group.pk}/", 302)]
    after = response.content.decode()
    assert "ELSA Tuesday re-opened: 2 placements open again, 22 cancelled sessions planned again." in after
    assert (f"Ended on {today() - DAY:%-d %B %Y} by Senco Person: Targets met early; re-opened on "
            f"{today():%-d %B %Y} by Senco Person: Ended the wrong group") in after
    assert "This group ended on" not in after and "End this group" in after and "Add a pupil" in after
    assert Group.objects.get(pk=group.pk).ended_on is None
    # Asking again (an old tab) changes nothing and says so.
    again = client.post(f"/interventions/groups/{group.pk}/reopen/", {"reason": "x"}, follow=True)
    assert "is not ended: there is nothing to re-open" in again.content.decode()
    assert Reopening.objects.count() == 1


@pytest.mark.parametrize("role,status", REFUSED + [("other_ta", 403)])
def test_only_the_senco_reopens_a_group(client, world, role, status):
    group = elsa(world, staff=("ta", "other_ta") if role == "other_ta" else ("ta",))
    end_group(world, group, today() - DAY)
    login(client, world, role)
    assert client.get(f"/interventions/groups/{group.pk}/reopen/").status_code == status
    assert client.post(f"/interventions/groups/{group.pk}/reopen/", {"reason": "x"}).status_code == status
    assert Group.objects.get(pk=group.pk).ended_on == today() - DAY and not Reopening.objects.exists()
    if role in ("ta", "senior"):  # they read the group page, without the button
        assert "Re-open this group" not in client.get(f"/interventions/groups/{group.pk}/").content.decode()


def test_another_schools_ended_group_or_programme_is_a_404_for_our_senco(client, world):
    theirs = make_group(world, school=world.other_school, staff=())
    Group.objects.filter(pk=theirs.pk).update(ended_on=today(), end_reason="x")
    programme = make_programme(world, pupil=world.pupil_other_school, staff=())
    TherapyProgramme.objects.filter(pk=programme.pk).update(ended_on=today(), end_reason="x")
    login(client, world, "senco")
    for url in (f"/interventions/groups/{theirs.pk}/reopen/", f"/interventions/programmes/{programme.pk}/reopen/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert not Reopening.objects.exists()


def test_senco_reopens_a_programme_and_its_page_shows_the_ending_undone(client, world):
    programme = make_programme(world)
    services.end_programme(programme=programme, ended_on=today(), reason="Discharged by the therapist",
                           acting_user=world.people["senco"])
    login(client, world, "senco")
    page = client.get(f"/interventions/programmes/{programme.pk}/").content.decode()
    assert "Re-open this programme" in page and "End this programme" not in page
    assert client.get(f"/interventions/programmes/{programme.pk}/reopen/").status_code == 200
    response = client.post(f"/interventions/programmes/{programme.pk}/reopen/",
                           {"reason": "Discharge was for the other pupil"}, follow=True)
    text = response.content.decode()
    assert "Amelia Hughes&#x27;s Speech and language therapy programme re-opened." in text
    assert (f"Ended on {today():%-d %B %Y} by Senco Person: Discharged by the therapist; re-opened on "
            f"{today():%-d %B %Y} by Senco Person: Discharge was for the other pupil") in text
    assert "End this programme" in text


@pytest.mark.parametrize("role,status", REFUSED)
def test_only_the_senco_reopens_a_programme(client, world, role, status):
    programme = make_programme(world)
    services.end_programme(programme=programme, ended_on=today(), reason="Discharged",
                           acting_user=world.people["senco"])
    login(client, world, role)
    assert client.get(f"/interventions/programmes/{programme.pk}/reopen/").status_code == status
    assert client.post(f"/interventions/programmes/{programme.pk}/reopen/", {"reason": "x"}).status_code == status
    assert TherapyProgramme.objects.get(pk=programme.pk).ended_on == today() and not Reopening.objects.exists()


def test_reopened_group_page_query_count_is_flat(client, world, django_assert_num_queries):
    group = elsa(world)
    place(world, group, world.pupil_in)
    end_group(world, group)
    reopen(world, group)
    login(client, world, "senco")
    client.get(f"/interventions/groups/{group.pk}/")
    # As a running group's page (test_placements: 13), and one query for the endings undone.
    with django_assert_num_queries(14):
        client.get(f"/interventions/groups/{group.pk}/")
    for n in range(3):
        end_group(world, group, today(), f"Ending {n}")
        reopen(world, group, f"Re-opening {n}")
    with django_assert_num_queries(14):
        text = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert "Re-opening 2" in text


# --- weekend days ---------------------------------------------------------------------------------

def test_a_weekend_group_shows_its_days_and_its_edit_form_saves(client, world):
    group = make_group(world, days=(0, 2, 5), name="Saturday club",
                       intervention=make_intervention(world.school, name="Lego"))
    place(world, group, world.pupil_in)
    login(client, world, "senco")
    page = client.get(f"/interventions/groups/{group.pk}/").content.decode()
    assert "Mon, Wed, Sat at 09:15" in page and ", ," not in page
    assert "Mon, Wed, Sat 09:15" in client.get("/interventions/groups/").content.decode()
    assert client.get("/interventions/provision-map/").context["rows"][0]["days"] == "Mon, Wed, Sat"

    form = client.get(f"/interventions/groups/{group.pk}/edit/")
    assert form.context["form"]["days"].value() == [0, 2, 5]
    assert 'id="id_days_5"' in form.content.decode() and 'id="id_days_6"' in form.content.decode()
    response = client.post(f"/interventions/groups/{group.pk}/edit/", group_post(group, name="Saturday Lego club"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.days) == ("Saturday Lego club", [0, 2, 5])
    response = client.post(f"/interventions/groups/{group.pk}/edit/", group_post(group, days=["6"]))
    assert response.status_code == 302 and Group.objects.get(pk=group.pk).days == [6]


def test_an_ended_weekend_group_keeps_its_days_and_its_name_can_still_change(client, world):
    group = elsa(world, name="Every day ELSA")  # Monday to Sunday
    end_group(world, group, today() - DAY)
    login(client, world, "senco")
    assert "Mon, Tue, Wed, Thu, Fri, Sat, Sun" in client.get(f"/interventions/groups/{group.pk}/").content.decode()
    response = client.post(f"/interventions/groups/{group.pk}/edit/", group_post(group, name="ELSA daily"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.days, group.ended_on) == ("ELSA daily", [0, 1, 2, 3, 4, 5, 6], today() - DAY)


def test_a_new_group_may_meet_on_saturday(client, world):
    kit = make_intervention(world.school, name="Sensory circuits")
    login(client, world, "senco")
    start = today() - 7 * DAY
    response = client.post("/interventions/groups/new/", {
        "intervention": kit.pk, "name": "Saturday circuits", "staff": [world.people["ta"].pk], "days": ["5"],
        "starts_at": "10:00", "minutes_per_session": "", "start_date": start.isoformat(),
        "planned_end_date": (today() + 28 * DAY).isoformat()})
    assert response.status_code == 302
    group = Group.objects.get(name="Saturday circuits")
    planned = group.planned_dates()
    assert group.days == [5] and len(planned) == 5 and {d.weekday() for d in planned} == {5}


def test_a_weekday_group_form_still_offers_the_school_week_first(client, world):
    group = weekday_group(world)
    login(client, world, "senco")
    form = client.get(f"/interventions/groups/{group.pk}/edit/").context["form"]
    assert [label for _, label in form.fields["days"].choices] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert "weekend" in form.fields["days"].help_text


# --- my sessions today: the register's names, nothing more -----------------------------------------

def test_my_sessions_today_names_the_register_and_shows_nothing_else(client, world):
    group = elsa(world, name="ELSA Tuesday")
    amelia = place(world, group, world.pupil_in, smart_target="Amelia's own target")
    isla = place(world, group, world.pupil_out, smart_target="Isla's private target")
    login(client, world, "ta")
    for url in ("/interventions/today/", "/"):
        text = client.get(url).content.decode()
        assert "Amelia Hughes" in text and "Isla Morgan" in text  # the group's staff keep its register
        assert "Isla's private target" not in text and "Amelia's own target" not in text
        assert f"/pupils/{world.pupil_out.pk}/" not in text
        assert f"/placements/{isla.pk}/" not in text and f"/placements/{amelia.pk}/" not in text
        assert f"/interventions/groups/{group.pk}/sessions/{today().isoformat()}/" in text  # the register itself
