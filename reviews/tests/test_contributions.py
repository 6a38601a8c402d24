"""Staff contributions before an annual review: the SENCo asks named staff, they see it on their home
page and write it (draft, then submit: fixed), the pack prints what was submitted and who did not
answer. Only the asked person writes; the requester and MAKE_PACKS holders read."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.factories import MembershipFactory, UserFactory
from accounts.middleware import staff_context_for
from conftest import enrol_totp
from reviews import services_contributions as services
from reviews.models_contributions import Contribution
from reviews.sections_contributions import contributions_section
from sendsupport.models import AccessLog, Notification
from sendsupport.sections import pack_sections

DAY = datetime.timedelta(days=1)


def staff_of(user):
    return staff_context_for(user, None)


def ask(world, *, who=("ta",), pupil=None, by="senco", due=None, question=""):
    return services.ask_for_contributions(
        staff=staff_of(world.people[by]), pupil=pupil or world.pupil_out, asked=[world.people[w] for w in who],
        due_on=due or timezone.localdate() + 14 * DAY, question=question)


def pupil_page(pupil):
    return f"/reviews/pupils/{pupil.pk}/contributions/"


def write_page(c):
    return f"/reviews/contributions/{c.pk}/write/"


def read_page(c):
    return f"/reviews/contributions/{c.pk}/"


@pytest.fixture
def other_school_ta(world):
    user = UserFactory(full_name="Riverside Ta", email="ta@riverside.example")
    MembershipFactory(school=world.other_school, user=user, roles=["ta"])
    return user


# --- asking -------------------------------------------------------------------------------------------

def test_senco_asks_named_staff_and_each_is_told_without_the_pupils_name(
        client, world, django_capture_on_commit_callbacks):
    client.force_login(world.people["senco"])
    due = timezone.localdate() + 10 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pupil_page(world.pupil_out), {
            "asked": [world.people["ta"].pk, world.people["teacher"].pk], "due_on": due.isoformat(),
            "question": "How does she manage transitions?"})
    assert response.status_code == 302 and response["Location"] == pupil_page(world.pupil_out)
    rows = list(Contribution.objects.order_by("asked__email"))
    assert [r.asked for r in rows] == [world.people["ta"], world.people["teacher"]]
    assert all(r.due_on == due and r.requested_by == world.people["senco"] and not r.is_submitted for r in rows)
    assert rows[0].question == "How does she manage transitions?"
    told = Notification.objects.filter(school=world.school)
    assert {n.user for n in told} == {world.people["ta"], world.people["teacher"]}
    for note in told:
        assert "Isla" not in note.subject + note.body and "Morgan" not in note.subject + note.body
        assert note.url in {write_page(r) for r in rows}
    assert len(mail.outbox) == 2 and all("Isla" not in m.subject + m.body for m in mail.outbox)
    event = Contribution.pgh_event_model.objects.filter(pgh_obj_id=rows[0].pk).get()
    assert event.pgh_context.metadata["action"] == "reviews.contribution.ask"


@pytest.mark.parametrize("role,status", [("senco", 200), ("senior", 200), ("ta", 403), ("teacher", 403),
                                         ("dsl", 403), ("admin", 403), ("other_school_senco", 404)])
def test_who_may_ask_for_contributions(client, world, role, status):
    client.force_login(world.people[role])
    assert client.get(pupil_page(world.pupil_in)).status_code == status
    response = client.post(pupil_page(world.pupil_in), {"asked": [world.people["ta"].pk],
                                                        "due_on": (timezone.localdate() + DAY).isoformat()})
    assert response.status_code == (302 if status == 200 else status)
    assert Contribution.objects.count() == (1 if status == 200 else 0)


def test_ask_form_keeps_input_and_says_what_is_wrong_next_to_the_field(client, world, other_school_ta):
    client.force_login(world.people["senco"])
    past = timezone.localdate() - DAY
    response = client.post(pupil_page(world.pupil_in), {"due_on": past.isoformat(), "question": "Kept text"})
    page = response.content.decode()
    assert response.status_code == 400 and "Choose who to ask." in page and "The due date has passed" in page
    assert "Kept text" in page and past.isoformat() in page
    # Someone of another school is not on the list and can't be slipped in; who works with the pupil comes first.
    page = client.get(pupil_page(world.pupil_in)).content.decode()
    assert "Riverside Ta" not in page
    assert page.index("Ta Person (Teaching assistant; works with this pupil)") < page.index("Admin Person (School admin)")
    response = client.post(pupil_page(world.pupil_in), {"asked": [other_school_ta.pk],
                                                        "due_on": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "Choose people who work at your school." in response.content.decode()
    assert not Contribution.objects.exists()


def test_someone_asked_and_not_answered_is_not_asked_twice(world):
    ask(world, who=("ta",))
    with pytest.raises(ValidationError, match="Ta Person"):
        ask(world, who=("ta", "teacher"))
    assert Contribution.objects.count() == 1
    with pytest.raises(PermissionDenied):
        ask(world, who=("teacher",), by="teacher")


# --- the asked person: home page, draft, submit ---------------------------------------------------------

def test_asked_ta_sees_the_request_on_home_with_only_name_and_class_of_a_pupil_not_theirs(client, world):
    [c] = ask(world, who=("ta",), pupil=world.pupil_out, question="Does she settle after lunch?")
    client.force_login(world.people["ta"])
    home = client.get("/").content.decode()
    assert "Contributions asked of you" in home and "Isla Morgan" in home and "4B" in home
    assert write_page(c) in home
    page = client.get(write_page(c)).content.decode()
    assert "Isla Morgan" in page and "Does she settle after lunch?" in page
    assert f"/pupils/{world.pupil_out.pk}/" not in page  # no link into a record they may not open
    assert client.get(f"/pupils/{world.pupil_out.pk}/").status_code == 404  # still not on their caseload
    client.force_login(world.people["other_ta"])
    assert "Contributions asked of you" not in client.get("/").content.decode()


def test_draft_is_the_authors_own_then_submit_fixes_it(client, world, django_capture_on_commit_callbacks):
    [c] = ask(world, who=("ta",))
    client.force_login(world.people["ta"])
    response = client.post(write_page(c), {"progress": "Reads CVC words now.", "what_works": "", "still_hard": "",
                                           "action": "save"})
    assert response.status_code == 302 and response["Location"] == write_page(c)
    c.refresh_from_db()
    assert c.progress == "Reads CVC words now." and c.has_draft and not c.is_submitted
    assert "Reads CVC words now." in client.get(write_page(c)).content.decode()  # they come back to it
    # The person who asked sees that it isn't answered, not the draft.
    client.force_login(world.people["senco"])
    page = client.get(read_page(c)).content.decode()
    assert "Not answered yet" in page and "CVC" not in page
    assert "CVC" not in client.get(pupil_page(world.pupil_out)).content.decode()
    assert "CVC" not in client.get(f"/pupils/{world.pupil_out.pk}/history/").content.decode()

    client.force_login(world.people["ta"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(write_page(c), {"progress": "Reads CVC words now.", "what_works": "Short bursts",
                                               "still_hard": "", "action": "submit"})
    assert response.status_code == 302 and response["Location"] == read_page(c)
    c.refresh_from_db()
    assert c.is_submitted and c.what_works == "Short bursts"
    [note] = Notification.objects.filter(user=world.people["senco"])
    assert note.url == read_page(c) and "Isla" not in note.subject + note.body
    # Fixed: the page no longer offers the form, a resent submit changes nothing, the database refuses edits.
    assert client.get(write_page(c))["Location"] == read_page(c)
    client.post(write_page(c), {"progress": "Changed", "action": "submit"})
    services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=c, progress="Changed again")
    with pytest.raises(ValidationError, match="submitted"):
        services.save_contribution_draft(staff=staff_of(world.people["ta"]), contribution=c, progress="Changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).update(progress="Tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).delete()
    c.refresh_from_db()
    assert c.progress == "Reads CVC words now."
    actions = [e.pgh_context.metadata["action"] for e in Contribution.pgh_event_model.objects.filter(pgh_obj_id=c.pk)
               .order_by("pgh_id")]
    # Draft saves write no history row (they are autosaved as people type): the ask and the submitted version.
    assert actions == ["reviews.contribution.ask", "reviews.contribution.submit"]


def test_what_was_asked_cannot_be_changed_even_before_an_answer(world):
    [c] = ask(world, who=("ta",))
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).update(due_on=c.due_on + DAY)


def test_submit_needs_something_written_and_an_answer_to_the_question(client, world):
    [c] = ask(world, who=("ta",), question="How is her reading?")
    client.force_login(world.people["ta"])
    response = client.post(write_page(c), {"progress": "", "what_works": "", "still_hard": "", "answer": "",
                                           "action": "submit"})
    assert response.status_code == 400 and "Write something before you submit" in response.content.decode()
    response = client.post(write_page(c), {"progress": "Better", "what_works": "Phonics cards", "answer": "",
                                           "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 400 and "Answer the question you were asked" in page and "Phonics cards" in page
    c.refresh_from_db()
    assert not c.is_submitted and not c.progress  # nothing saved from a refused submit


@pytest.mark.parametrize("role,read,write", [
    ("ta", 302, 200),  # the asked person: reading an unanswered request opens their draft
    ("senco", 200, 403),  # asked for it: reads, never writes
    ("senior", 200, 403),  # MAKE_PACKS: reads
    ("other_ta", 404, 404), ("teacher", 404, 404), ("dsl", 404, 404), ("admin", 404, 404),
    ("other_school_senco", 404, 404),
])
def test_only_the_asked_person_writes_and_readers_are_the_requester_and_pack_makers(client, world, role, read,
                                                                                    write):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    client.force_login(world.people[role])
    assert client.get(read_page(c)).status_code == read
    assert client.get(write_page(c)).status_code == write
    response = client.post(write_page(c), {"progress": "Written by someone else", "action": "submit"})
    assert response.status_code == (302 if role == "ta" else write)
    c.refresh_from_db()
    assert c.is_submitted == (role == "ta")


def test_reading_a_submitted_contribution_is_logged_and_listed_for_the_author(client, world):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=c, progress="Joins in at carpet")
    client.force_login(world.people["senco"])
    page = client.get(read_page(c)).content.decode()
    assert "Joins in at carpet" in page
    assert AccessLog.objects.filter(user=world.people["senco"], action="reviews.contribution.view",
                                    pupil=world.pupil_in).exists()
    client.force_login(world.people["ta"])
    mine = client.get("/reviews/contributions/mine/").content.decode()
    assert "Amelia Hughes" in mine and "Submitted" in mine


def test_pupil_panel_counts_answers_for_pack_makers_only(client, world):
    [a, _] = ask(world, who=("ta", "teacher"), pupil=world.pupil_in)
    services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=a, progress="Good term")
    client.force_login(world.people["senco"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    assert "1 of 2 staff asked have answered" in page and pupil_page(world.pupil_in) in page
    assert "Safeguarding summary for packs" not in page
    client.force_login(world.people["ta"])
    assert "staff asked have answered" not in client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()


# --- the pack section ---------------------------------------------------------------------------------

def test_pack_section_prints_submitted_and_lists_who_did_not_answer(world, django_assert_num_queries):
    extra = UserFactory(full_name="Second Teacher", email="t2@oakfield.example")
    MembershipFactory(school=world.school, user=extra, roles=["teacher"])
    world.people["t2"] = extra
    rows = ask(world, who=("ta", "teacher", "t2"), pupil=world.pupil_in, question="Any worries about Year 5?")
    by_person = {r.asked: r for r in rows}
    ta_row, teacher_row = by_person[world.people["ta"]], by_person[world.people["teacher"]]
    services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=ta_row,
                                 progress="Uses her visual timetable without prompts. Plays with Isla Morgan.",
                                 what_works="Now-and-next board", answer="Only the new classroom.")
    services.save_contribution_draft(staff=staff_of(world.people["teacher"]), contribution=teacher_row,
                                     progress="DRAFT NOT FOR THE PACK")
    ask(world, who=("ta",), pupil=world.pupil_out)  # another pupil's request
    today = timezone.localdate()
    with django_assert_num_queries(2):  # the requests with who was asked and their job title; other pupils' names
        template, context = contributions_section(world.pupil_in, today - 365 * DAY, today)
    assert [s["name"] for s in context["submitted"]] == ["Ta Person"]
    assert {u["name"] for u in context["unanswered"]} == {"Teacher Person", "Second Teacher"}
    html = render_to_string(template, {**context, "section_id": "contributions", "section_title": "Staff contributions"})
    assert 'id="contributions"' in html and "1 of 3 submitted" in html
    assert "Uses her visual timetable" in html and "Only the new classroom." in html
    assert "Teaching assistant" in html and "Teacher Person" in html  # the factory's job title and "Second Teacher" in html
    assert "Plays with another pupil." in html  # another pupil's name typed in the text is not printed
    assert "DRAFT NOT FOR THE PACK" not in html and "Isla" not in html and "<script" not in html


def test_pack_section_takes_requests_from_the_period_to_eight_weeks_after_and_queries_stay_fixed(
        world, django_assert_num_queries):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    asked_on = timezone.localdate(c.requested_at)
    # A pack for a period that ended six weeks before the request: the request is for this review.
    end = asked_on - 42 * DAY
    assert contributions_section(world.pupil_in, end - 365 * DAY, end) is not None
    # Ten weeks before: an earlier review's pack; a period starting after the request: a later one.
    end = asked_on - 70 * DAY
    with django_assert_num_queries(1):
        assert contributions_section(world.pupil_in, end - 365 * DAY, end) is None
    assert contributions_section(world.pupil_in, asked_on + DAY, asked_on + 365 * DAY) is None
    for who in ("teacher", "other_ta"):
        ask(world, who=(who,), pupil=world.pupil_in)
    with django_assert_num_queries(2):
        _, context = contributions_section(world.pupil_in, asked_on - 365 * DAY, asked_on)
    assert len(context["unanswered"]) == 3


def test_both_sections_are_registered_in_order():
    sections = {s.key: s for s in pack_sections()}
    assert (sections["contributions"].order, sections["contributions"].title) == (82, "Staff contributions")
    assert sections["safeguarding_summary"].order == 85


@pytest.fixture
def deputy_senco(world):
    user = UserFactory(full_name="Deputy Senco", email="deputy@oakfield.example")
    MembershipFactory(school=world.school, user=user, roles=["senco"])
    enrol_totp(user)
    return user


def test_another_pack_maker_reads_but_never_writes(client, world, deputy_senco):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=c, progress="Settled")
    client.force_login(deputy_senco)
    assert client.get(read_page(c)).status_code == 200
    assert client.get(write_page(c)).status_code == 403


def test_home_panel_and_the_pupils_list_read_a_fixed_number_of_queries(world, django_assert_num_queries):
    from reviews.selectors_contributions import contributions_for_pupil, home_requests_for

    ta = staff_of(world.people["ta"])
    for pupils in ([world.pupil_in], [world.pupil_out, world.pupil_class]):
        for pupil in pupils:
            ask(world, who=("ta", "teacher"), pupil=pupil)
        with django_assert_num_queries(1):  # the requests with pupil, class and requester joined
            requests, _ = home_requests_for(ta)
            [(r.pupil.class_group, r.requested_by.full_name) for r in requests]
        with django_assert_num_queries(1):  # the requests with who was asked and who asked joined
            rows = contributions_for_pupil(world.pupil_in)
            [(r.asked.full_name, r.requested_by.full_name) for r in rows]
    assert len(requests) == 3 and len(rows) == 2
