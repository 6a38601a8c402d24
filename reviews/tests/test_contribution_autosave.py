"""Autosave of a contribution being written: the page posts the whole draft to itself with
action=autosave, through the same form, service, CSRF and permission checks as Save draft. It never
submits; a contribution already submitted or withdrawn is never changed by a late autosave; drafts
write no history row (the history keeps the ask, the submitted version and the withdrawal)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from reviews import services_contributions as services
from reviews.models_contributions import Contribution
from sendsupport.models import Notification

from .test_contributions import ask, read_page, staff_of, write_page

AUTOSAVE = {"progress": "Reads CVC words now.", "what_works": "Short bursts", "still_hard": "", "action": "autosave"}


def autosave(client, c, **fields):
    return client.post(write_page(c), {**AUTOSAVE, **fields}, HTTP_ACCEPT="application/json")


def history_actions(c) -> list[str]:
    return [e.pgh_context.metadata["action"] for e in Contribution.pgh_event_model.objects
            .filter(pgh_obj_id=c.pk).select_related("pgh_context").order_by("pgh_id")]


def test_autosave_keeps_the_whole_draft_and_the_page_shows_it_on_return(client, world):
    [c] = ask(world, who=("ta",), question="How is her reading?")
    client.force_login(world.people["ta"])
    response = autosave(client, c, answer="  Better each week.  ")
    assert response.status_code == 200
    data = response.json()
    c.refresh_from_db()
    assert (c.progress, c.what_works, c.answer) == ("Reads CVC words now.", "Short bursts", "Better each week.")
    assert c.has_draft and not c.is_submitted
    assert data["version"] == c.draft_saved_at.isoformat() and len(data["saved_at"]) == 5  # "10:42"
    # A second save replaces the whole draft, emptied fields included.
    autosave(client, c, what_works="", answer="Better.")
    c.refresh_from_db()
    assert (c.progress, c.what_works, c.answer) == ("Reads CVC words now.", "", "Better.")
    page = client.get(write_page(c)).content.decode()
    assert "Reads CVC words now." in page and "Better." in page
    assert f'data-draft-version="{c.draft_saved_at.isoformat()}"' in page and "data-unsaved" not in page
    assert "reviews/contribution-autosave" in page  # the script; without it the buttons work as before


def test_autosave_never_submits_and_tells_nobody(client, world, django_capture_on_commit_callbacks):
    [c] = ask(world, who=("ta",))
    client.force_login(world.people["ta"])
    with django_capture_on_commit_callbacks(execute=True):
        assert autosave(client, c).status_code == 200
    c.refresh_from_db()
    assert not c.is_submitted and c.progress == "Reads CVC words now."
    assert not Notification.objects.filter(user=world.people["senco"], subject__contains="submitted").exists()
    # The person who asked still sees no answer.
    client.force_login(world.people["senco"])
    page = client.get(read_page(c)).content.decode()
    assert "Not answered yet" in page and "CVC" not in page


def test_drafts_write_no_history_rows_but_the_submitted_version_and_withdrawal_do(client, world):
    [c] = ask(world, who=("ta",))
    client.force_login(world.people["ta"])
    for n in range(5):  # a few seconds of typing
        autosave(client, c, progress=f"Reads CVC words now{'.' * n}")
    client.post(write_page(c), {**AUTOSAVE, "action": "save"})  # the Save draft button
    assert history_actions(c) == ["reviews.contribution.ask"]
    client.post(write_page(c), {**AUTOSAVE, "action": "submit"})
    services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason="Wrong week.")
    assert history_actions(c) == ["reviews.contribution.ask", "reviews.contribution.submit",
                                  "reviews.withdraw_contribution"]
    [submitted_version] = Contribution.pgh_event_model.objects.filter(
        pgh_obj_id=c.pk, pgh_context__metadata__action="reviews.contribution.submit")
    assert submitted_version.progress == "Reads CVC words now." and submitted_version.submitted_at


@pytest.mark.parametrize("then", ["submitted", "withdrawn"])
def test_a_late_autosave_never_changes_a_submitted_or_withdrawn_contribution(client, world, then):
    [c] = ask(world, who=("ta",))
    ta = staff_of(world.people["ta"])
    services.submit_contribution(staff=ta, contribution=c, progress="What I submitted")
    if then == "withdrawn":
        services.withdraw_contribution(staff=ta, contribution=c, reason="Wrong pupil.")
    c.refresh_from_db()
    before = Contribution.objects.filter(pk=c.pk).values().get()
    events = Contribution.pgh_event_model.objects.filter(pgh_obj_id=c.pk).count()

    with pytest.raises(ValidationError, match="submitted"):  # the service refuses...
        services.save_contribution_draft(staff=ta, contribution=c, progress="A late autosave")
    client.force_login(world.people["ta"])
    response = autosave(client, c, progress="A late autosave")  # ...and the page is told, not redirected
    assert response.status_code == 409 and "already submitted" in response.json()["message"]
    assert Contribution.objects.filter(pk=c.pk).values().get() == before
    assert Contribution.pgh_event_model.objects.filter(pgh_obj_id=c.pk).count() == events


@pytest.mark.parametrize("role,status", [
    ("senco", 403), ("senior", 403),  # they read it, never write it
    ("teacher", 404), ("other_ta", 404), ("dsl", 404), ("admin", 404), ("other_school_senco", 404),
])
def test_only_the_asked_person_autosaves(client, world, role, status):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    client.force_login(world.people[role])
    assert autosave(client, c, progress="Written by someone else").status_code == status
    c.refresh_from_db()
    assert c.progress == "" and c.draft_saved_at is None


def test_a_signed_out_autosave_is_sent_to_sign_in_and_saves_nothing(client, world):
    [c] = ask(world, who=("ta",))
    response = autosave(client, c)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    c.refresh_from_db()
    assert c.progress == ""


def test_autosave_needs_the_csrf_token_like_save_draft(world):
    [c] = ask(world, who=("ta",))
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["ta"])
    client.get(write_page(c))  # sets the CSRF cookie, as the page does
    assert autosave(client, c).status_code == 403
    c.refresh_from_db()
    assert c.progress == ""
    token = client.cookies["csrftoken"].value
    assert autosave(client, c, csrfmiddlewaretoken=token).status_code == 200


def test_a_refused_submit_marks_the_typing_unsaved_so_the_page_autosaves_it(client, world):
    [c] = ask(world, who=("ta",), question="How is her reading?")
    client.force_login(world.people["ta"])
    response = client.post(write_page(c), {**AUTOSAVE, "answer": "", "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 400 and "Answer the question" in page and "data-unsaved" in page
    c.refresh_from_db()
    assert c.progress == "" and not c.is_submitted
