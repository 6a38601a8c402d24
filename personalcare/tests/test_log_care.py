"""A named TA logs care in a few taps: the second adult where the plan needs one, an observation
of concern raised as a safeguarding concern in the same step (both saved or neither), and logs
that never change (corrections are addenda)."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from personalcare import services
from personalcare.models import CareLog, CareLogAddendum, CarePlan
from safeguarding.models import Concern
from sendsupport.models import Notification

from .conftest import log_care, staff_of


def when(minutes_ago=10):
    return timezone.localtime(timezone.now() - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def post(client, pupil, **data):
    body = {"care_given": ["pad_change"], "occurred_at": when(), "observations": ["none"]} | data
    return client.post(reverse("personalcare:log", args=[pupil.pk]), body)


def test_named_ta_logs_common_care_in_one_post(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in)
    assert response.status_code == 302 and response.url == reverse("personalcare:pupil", args=[care.pupil_in.pk])
    log = CareLog.objects.get()
    assert (log.pupil, log.plan, log.given_by, log.care_given) == (
        care.pupil_in, care.plan, care.people["ta"], ["pad_change"])
    assert log.observations == ["none"] and log.concern is None and log.second_adult is None
    page = client.get(response.url).content.decode()
    assert "Care logged for" in page and "Pad or nappy change" in page


def test_quick_log_shows_the_plans_key_points(client, care):
    client.force_login(care.people["ta"])
    page = client.get(reverse("personalcare:log", args=[care.pupil_out.pk])).content.decode()
    assert "Second adult required." in page and "Hoisting: always two." in page
    assert escape(care.plan_isla.communication) in page
    assert "Prefers a female member of staff" in page
    # the other named person is a tap button; the logger is not offered as their own second adult
    assert care.people["other_ta"].full_name in page


def test_second_adult_required_refuses_without_one_with_a_clear_message(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_out, care_notes="Kept")
    assert response.status_code == 400
    body = response.content.decode()
    assert escape(services.SECOND_ADULT_MESSAGE) in body
    assert 'value="Kept"' in body  # typed values kept
    assert not CareLog.objects.exists()


def test_second_adult_recorded_from_named_staff_or_anyone_else_with_a_reason(client, care):
    client.force_login(care.people["ta"])
    assert post(client, care.pupil_out, second_adult=care.people["other_ta"].pk).status_code == 302
    assert post(client, care.pupil_out, second_adult_other=care.people["senior"].pk,
                second_adult_reason="Both named adults off sick").status_code == 302
    assert [(log.second_adult, log.second_adult_reason) for log in CareLog.objects.order_by("id")] == [
        (care.people["other_ta"], ""), (care.people["senior"], "Both named adults off sick")]
    assert all(log.second_adult_required for log in CareLog.objects.all())


def test_second_adult_not_named_on_the_plan_is_refused_without_a_reason_next_to_the_field(client, care):
    client.force_login(care.people["ta"])
    senior = care.people["senior"]
    response = post(client, care.pupil_out, second_adult_other=senior.pk, care_notes="Kept")
    body = response.content.decode()
    assert response.status_code == 400 and not CareLog.objects.exists()
    message = escape(services.NOT_NAMED_MESSAGE.format(name=senior.full_name))
    assert f'<p id="error_1_id_second_adult_reason"><strong>{message}' in body
    assert f'href="#id_second_adult_reason">{message}' in body  # and in the list at the top, linked to it
    # What was typed is kept, and the "someone not named" part is open to show it.
    assert f'<option value="{senior.pk}" selected>' in body and 'value="Kept"' in body
    assert "<details open><summary" in body
    # Asked together with the form's other questions, not one refusal after another.
    body = post(client, care.pupil_out, second_adult_other=senior.pk, observations=["marks"],
                observation_notes="Bruise").content.decode()
    assert 'href="#id_second_adult_reason"' in body and 'href="#id_marks_concern-errors"' in body
    # The rule is the plan's, whoever logs: the teacher named on Amelia's plan, with the TA...
    assert post(client, care.pupil_in, second_adult=care.people["teacher"].pk).status_code == 302
    # ...but not the SENCo, who reads every plan but is named on none of these.
    with pytest.raises(ValidationError) as exc:
        log_care(care, second_adult=care.people["senco"], second_adult_reason="  ")
    assert list(exc.value.message_dict) == ["second_adult_reason"]


def test_a_reason_is_kept_only_for_someone_not_named(care):
    log = log_care(care, who="ta", pupil=care.pupil_out, second_adult=care.people["other_ta"],
                   second_adult_reason="Typed, then a named adult chosen")
    assert log.second_adult_reason == ""


def test_senco_is_told_when_the_second_adult_was_not_named(client, care, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = log_care(care, pupil=care.pupil_out, second_adult=care.people["senior"],
                       second_adult_reason="Cover: Mrs Other Ta at a course")
    note = Notification.objects.get(user=care.people["senco"])
    assert note.subject == "Personal care: second adult not named on the plan"
    assert care.people["senior"].full_name in note.body and "Cover" not in note.body  # the reason stays inside
    assert "moving and handling" not in note.body  # Isla's plan involves none
    client.force_login(care.people["senco"])
    page = client.get(note.url).content.decode()
    assert note.url == log.get_absolute_url()
    assert "Not named on the plan" in page and "Cover: Mrs Other Ta at a course" in page
    assert "(not named on the plan)" in client.get(reverse("personalcare:pupil", args=[care.pupil_out.pk])
                                                   ).content.decode()
    # A named second adult tells nobody.
    log_care(care, pupil=care.pupil_out, second_adult=care.people["other_ta"])
    assert Notification.objects.count() == 1


def test_senco_is_told_when_an_unnamed_second_adult_has_no_moving_and_handling_training(
        care, django_capture_on_commit_callbacks):
    from accounts.models import TrainingCourse, TrainingRecord

    CarePlan.objects.filter(pk=care.plan_isla.pk).update(moving_and_handling="Ceiling hoist, two adults.")
    today = timezone.localdate()
    trained = {"school": care.school, "course": TrainingCourse.MOVING_HANDLING}
    TrainingRecord.objects.create(user=care.people["teacher"], completed_on=today - datetime.timedelta(days=400),
                                  expires_on=today - datetime.timedelta(days=35), **trained)
    TrainingRecord.objects.create(user=care.people["senior"], completed_on=today - datetime.timedelta(days=40),
                                  **trained)
    with django_capture_on_commit_callbacks(execute=True):
        log_care(care, pupil=care.pupil_out, second_adult=care.people["teacher"], second_adult_reason="Cover")
        log_care(care, pupil=care.pupil_out, second_adult=care.people["senior"], second_adult_reason="Cover")
    expired, trained = Notification.objects.filter(user=care.people["senco"]).order_by("id")
    assert "no current moving and handling training" in expired.body
    assert "moving and handling" not in trained.body


def test_second_adult_cannot_be_the_logger_or_someone_from_another_school(client, care):
    with pytest.raises(ValidationError) as exc:
        log_care(care, pupil=care.pupil_out, second_adult=care.people["ta"])
    assert "second_adult" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        log_care(care, pupil=care.pupil_out, second_adult=care.people["other_school_senco"])
    assert exc.value.message_dict["second_adult"] == ["Choose a member of staff at this school."]
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_out, second_adult_other=care.people["other_school_senco"].pk)
    assert response.status_code == 400 and not CareLog.objects.exists()


def test_the_database_refuses_a_log_without_the_required_second_adult(care):
    with pytest.raises(Exception), transaction.atomic():
        CareLog.objects.create(school=care.school, pupil=care.pupil_out, plan=care.plan_isla,
                               occurred_at=timezone.now(),
                               care_given=["washing"], given_by=care.people["ta"], second_adult_required=True)


def checked(body, name):
    """The values of the ticked boxes or radios called `name` in a page."""
    return [m for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', body) if " checked" in tag
            for m in re.findall(r'value="([^"]*)"', tag)]


def test_a_refused_save_shows_only_what_was_noticed(client, care):
    """"Nothing to note" starts ticked; a TA taps "Marks or bruising" and saves without answering
    the concern question. The form comes back with marks ticked, not both."""
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, observations=["none", "marks"], observation_notes="Bruise")
    body = response.content.decode()
    assert response.status_code == 400 and "choose whether to raise a safeguarding concern" in body
    assert checked(body, "observations") == ["marks"]
    assert checked(body, "marks_concern") == [] and checked(body, "care_given") == ["pad_change"]
    # Refused for something else (no second adult), with two things noticed: both kept, nothing else.
    body = post(client, care.pupil_out, observations=["none", "soreness", "distress"],
                observation_notes="Red, upset").content.decode()
    assert escape(services.SECOND_ADULT_MESSAGE) in body
    assert checked(body, "observations") == ["soreness", "distress"]
    # "Nothing to note" on its own stays ticked, and nothing ticked stays unticked.
    assert checked(post(client, care.pupil_out).content.decode(), "observations") == ["none"]
    assert checked(post(client, care.pupil_out, observations=[]).content.decode(), "observations") == []
    assert not CareLog.objects.exists()


def test_observation_needs_a_description(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, observations=["soreness"])
    assert response.status_code == 400 and "Describe what you noticed" in response.content.decode()
    assert not CareLog.objects.exists()
    # "Nothing to note" is ticked to start with: tapping what was noticed is enough.
    assert post(client, care.pupil_in, observations=["none", "marks"], observation_notes="Bruise",
                marks_concern="no").status_code == 302
    assert CareLog.objects.get().observations == ["marks"]


def test_future_time_refused(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, occurred_at=when(-120))
    assert response.status_code == 400 and "in the future" in response.content.decode()


def test_time_before_the_plan_came_into_force_refused_next_to_the_field(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, occurred_at=when(21 * 24 * 60), care_notes="Kept")  # plan: 20 days ago
    body = response.content.decode()
    assert response.status_code == 400 and not CareLog.objects.exists()
    assert 'id="error_1_id_occurred_at"' in body and "before the pupil&#x27;s care plan came into force" in body
    assert 'value="Kept"' in body
    with pytest.raises(ValidationError) as exc:
        log_care(care, minutes_ago=21 * 24 * 60)
    assert "occurred_at" in exc.value.message_dict
    assert log_care(care, minutes_ago=19 * 24 * 60).plan == care.plan


def test_late_log_after_an_amendment_still_counts_from_the_first_version(care):
    senco = staff_of(care.people["senco"], care.school)
    draft = services.amend_plan(staff=senco, plan=care.plan)
    draft.consent_given_by, draft.consent_given_on = "Mother", care.plan.consent_given_on
    draft.save()
    services.sign_off_plan(staff=senco, plan=draft)
    assert log_care(care, minutes_ago=2 * 24 * 60).plan == draft  # before v2, after v1 came into force
    with pytest.raises(ValidationError):
        log_care(care, minutes_ago=21 * 24 * 60)


def test_marks_need_an_explicit_yes_or_no_about_a_concern(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, observations=["marks"], observation_notes="Bruise on the shin, 2cm")
    body = response.content.decode()
    assert response.status_code == 400 and not CareLog.objects.exists()
    assert 'id="id_marks_concern-errors"' in body and "choose whether to raise a safeguarding concern" in body
    assert "Bruise on the shin, 2cm" in body  # typed values kept
    assert post(client, care.pupil_in, observations=["marks"], observation_notes="Bruise on the shin, 2cm",
                marks_concern="no").status_code == 302
    assert CareLog.objects.get().concern is None
    assert post(client, care.pupil_in, observations=["marks"], observation_notes="Bruise on the arm",
                marks_concern="yes").status_code == 302
    assert CareLog.objects.get(observation_notes="Bruise on the arm").concern == Concern.objects.get()
    # Other observations keep the optional tick.
    assert post(client, care.pupil_in, observations=["soreness"], observation_notes="Red").status_code == 302


def test_the_service_refuses_marks_without_an_answer(care):
    with pytest.raises(ValidationError) as exc:
        log_care(care, observations=["marks"], observation_notes="Bruise")
    assert exc.value.message_dict["raise_concern"] == [services.MARKS_MESSAGE]
    assert log_care(care, observations=["marks"], observation_notes="Bruise", raise_concern=False).concern is None
    assert log_care(care, observations=["distress"], observation_notes="Cried").concern is None


def test_what_the_pupil_said_is_refused_without_a_concern(client, care):
    client.force_login(care.people["ta"])
    response = post(client, care.pupil_in, observations=["soreness"], observation_notes="Red patch",
                    child_words="It hurts")
    body = response.content.decode()
    assert response.status_code == 400 and not CareLog.objects.exists()
    assert 'id="error_1_id_child_words"' in body and "goes to the safeguarding team with a concern" in body
    assert "It hurts" in body
    with pytest.raises(ValidationError) as exc:
        log_care(care, child_words="It hurts", raise_concern=False)
    assert exc.value.message_dict["child_words"] == [services.CHILD_WORDS_MESSAGE]


def test_concern_raised_in_one_step_and_logger_told_it_was_received(client, care, django_capture_on_commit_callbacks):
    client.force_login(care.people["ta"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, care.pupil_in, observations=["marks"], raise_concern="on",
                        observation_notes="Three small round bruises on the inner arm, about 1cm, purple.",
                        child_words="Daddy squeezed")
    assert response.status_code == 302
    log = CareLog.objects.get()
    concern = Concern.objects.get()
    assert log.concern == concern
    assert (concern.pupil, concern.raised_by, concern.place) == (care.pupil_in, care.people["ta"],
                                                                 care.plan.care_location)
    assert "Three small round bruises" in concern.facts and "marks or bruising" in concern.facts
    assert concern.child_words == "Daddy squeezed"
    page = client.get(response.url).content.decode()
    assert f"Your safeguarding concern was received (reference {concern.reference})" in page
    # The DSL team is told (without detail); the logger can't open the concern from the log.
    assert Notification.objects.filter(user=care.people["dsl"], subject__contains=concern.reference).exists()
    detail = client.get(log.get_absolute_url()).content.decode()
    assert "received by the safeguarding team" in detail
    assert concern.get_absolute_url() not in detail
    assert client.get(concern.get_absolute_url()).status_code in (403, 404)


def test_the_log_and_its_concern_each_name_their_own_action_in_history(client, care):
    """One request, two actions: each history row says which one wrote it, with the request's
    user and URL (nested history contexts used to share one row: the last action labelled both)."""
    client.force_login(care.people["ta"])
    post(client, care.pupil_in, observations=["marks"], raise_concern="on",
         observation_notes="Three small round bruises on the inner arm, about 1cm, purple.")
    log, concern = CareLog.objects.get(), Concern.objects.get()
    log_context = CareLog.pgh_event_model.objects.get(pgh_obj_id=log.pk).pgh_context
    concern_context = Concern.pgh_event_model.objects.get(pgh_obj_id=concern.pk, pgh_label="insert").pgh_context
    assert log_context.metadata["action"] == "carelog.record"
    assert concern_context.metadata["action"] == "concern.raise"
    assert log_context.pk != concern_context.pk
    for context in (log_context, concern_context):
        assert context.metadata["user"] == care.people["ta"].pk
        assert context.metadata["url"] == reverse("personalcare:log", args=[care.pupil_in.pk])


def test_dsl_gets_a_link_to_the_concern_from_the_log(client, care):
    log = log_care(care, observations=["distress"], observation_notes="Cried and pushed away", raise_concern=True)
    client.force_login(care.people["dsl"])
    assert log.concern.get_absolute_url() in client.get(log.get_absolute_url()).content.decode()


def test_if_the_concern_fails_nothing_is_saved(care, monkeypatch):
    import safeguarding.services

    def refuse(**kwargs):
        raise ValidationError({"facts": "Write what you saw or heard."})

    monkeypatch.setattr(safeguarding.services, "raise_concern", refuse)
    with pytest.raises(ValidationError):
        log_care(care, observations=["marks"], observation_notes="Bruise", raise_concern=True)
    assert not CareLog.objects.exists() and not Concern.objects.exists()


def test_if_the_log_fails_the_concern_is_not_kept_either(care, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(CareLog, "save", broken_save)
    with pytest.raises(RuntimeError):
        log_care(care, observations=["marks"], observation_notes="Bruise", raise_concern=True)
    assert not Concern.objects.exists() and not Notification.objects.exists()


def test_low_supplies_tells_the_senco_without_detail(care, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log_care(care, low_supplies=True, supplies_note="Size 6 pads: two left")
    note = Notification.objects.get(user=care.people["senco"])
    assert "running low" in note.subject
    assert "Size 6" not in note.body and care.pupil_in.display_name not in note.body + note.subject
    with pytest.raises(ValidationError):
        log_care(care, low_supplies=True)


def test_archived_pupil_is_read_only(client, care):
    care.pupil_in.archived_at = timezone.now()
    care.pupil_in.save(update_fields=["archived_at"])
    client.force_login(care.people["ta"])
    assert post(client, care.pupil_in).status_code == 403
    with pytest.raises(ValidationError):
        log_care(care)


def test_logs_never_change_or_disappear(care):
    log = log_care(care)
    with pytest.raises(ProgrammingError), transaction.atomic():
        CareLog.objects.filter(pk=log.pk).update(care_notes="changed")
    with pytest.raises(ProgrammingError), transaction.atomic():
        CareLog.objects.filter(pk=log.pk).delete()
    assert CareLog.objects.get(pk=log.pk).care_notes == ""


def test_corrections_are_addenda_by_the_logger_or_senco(client, care):
    log = log_care(care)
    client.force_login(care.people["teacher"])  # named, but not the logger
    assert client.post(reverse("personalcare:log_addendum", args=[log.pk]), {"text": "x"}).status_code == 403
    client.force_login(care.people["ta"])
    response = client.post(reverse("personalcare:log_addendum", args=[log.pk]), {"text": ""})
    assert response.status_code == 400 and "Write the correction" in response.content.decode()
    response = client.post(reverse("personalcare:log_addendum", args=[log.pk]),
                           {"text": "Time was 10:45, not 10:30."})
    assert response.status_code == 302
    addendum = CareLogAddendum.objects.get()
    assert (addendum.log, addendum.author) == (log, care.people["ta"])
    assert "Time was 10:45" in client.get(log.get_absolute_url()).content.decode()
    with pytest.raises(ProgrammingError), transaction.atomic():
        CareLogAddendum.objects.filter(pk=addendum.pk).update(text="edited")
    client.force_login(care.people["senior"])
    assert client.post(reverse("personalcare:log_addendum", args=[log.pk]), {"text": "x"}).status_code == 404


def test_only_named_staff_may_log_through_the_service(care):
    from django.core.exceptions import PermissionDenied

    for who in ("senco", "dsl", "other_ta", "senior"):
        with pytest.raises(PermissionDenied):
            services.record_care(staff=staff_of(care.people[who], care.school), pupil=care.pupil_in,
                                 occurred_at=timezone.now(), care_given=["washing"])


def test_services_refuse_another_schools_records(care):
    """Commands and tasks call the services without a view in front: the school is checked there."""
    from django.core.exceptions import PermissionDenied

    from accounts.access import StaffContext
    from personalcare.factories import CarePlanFactory

    log = log_care(care)
    elsewhere = staff_of(care.people["other_school_senco"], care.other_school)
    draft = CarePlanFactory(pupil=care.pupil_class, created_by=care.people["senco"])
    draft.named_staff.add(care.people["ta"])
    for call in (lambda: services.amend_plan(staff=elsewhere, plan=care.plan),
                 lambda: services.sign_off_plan(staff=elsewhere, plan=draft),
                 lambda: services.add_addendum(staff=elsewhere, log=log, text="x")):
        with pytest.raises(PermissionDenied):
            call()
    # the TA, named on the plan, acting as a member of another school
    ta_elsewhere = StaffContext(user=care.people["ta"], school=care.other_school, roles=frozenset({"ta"}))
    with pytest.raises(PermissionDenied):
        services.record_care(staff=ta_elsewhere, pupil=care.pupil_in, occurred_at=timezone.now(),
                             care_given=["washing"])
    assert CareLog.objects.count() == 1 and CareLogAddendum.objects.count() == 0
    assert CarePlan.objects.get(pk=draft.pk).is_draft and CarePlan.objects.count() == 3


def test_the_pupils_care_page_lists_the_newest_logs_first(care):
    from personalcare.selectors import pupil_page

    older = log_care(care, minutes_ago=3 * 60)
    newer = log_care(care, minutes_ago=60)
    assert [log.pk for log in pupil_page(care.pupil_in, log_limit=1)["logs"]] == [newer.pk]
    assert [log.pk for log in pupil_page(care.pupil_in)["logs"]][:2] == [newer.pk, older.pk]
