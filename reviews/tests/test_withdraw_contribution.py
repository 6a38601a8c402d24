"""Withdrawing a staff contribution: its author takes back what they submitted, with a reason. The row
is kept (text and all) and marked withdrawn with who, when and why; packs made afterwards leave it
out; a pack already made stays as made and is named on the page; the person who asked is told.
Also: the pack names staff with their job title, never their roles in the app ("DSL")."""

import datetime
import subprocess

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership
from pupils.services import archive_pupil
from reviews import services as pack_services
from reviews import services_contributions as services
from reviews.models import EvidencePack
from reviews.models_contributions import Contribution
from reviews.render import pack_html
from reviews.sections_contributions import contributions_section
from reviews.selectors_contributions import packs_holding
from sendsupport.models import AccessLog, Notification

from .test_contributions import DAY, ask, pupil_page, read_page, staff_of

REASON = "I wrote about the wrong week: the carpet work was in October."


def withdraw_page(c):
    return f"/reviews/contributions/{c.pk}/withdraw/"


def submitted(world, who="ta", pupil=None, progress="Reads CVC words now.", **kw):
    [c] = ask(world, who=(who,), pupil=pupil or world.pupil_in, **kw)
    return services.submit_contribution(staff=staff_of(world.people[who]), contribution=c, progress=progress,
                                        answer="Yes" if kw.get("question") else "")


def made_pack(world, capture, pupil=None) -> EvidencePack:
    today = timezone.localdate()
    with capture(execute=True):
        pack = pack_services.start_pack(pupil=pupil or world.pupil_in, period_start=today - 100 * DAY,
                                        period_end=today, acting_user=world.people["senco"])
    pack.refresh_from_db()
    assert pack.status == EvidencePack.Status.READY
    return pack


def pack_text(pack) -> str:
    with pack_services.default_storage.open(pack.file) as f:
        data = f.read()
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- the author withdraws --------------------------------------------------------------------------------

def test_author_withdraws_with_a_reason_and_it_is_kept_marked_and_the_senco_told(
        client, world, django_capture_on_commit_callbacks):
    c = submitted(world)
    client.force_login(world.people["ta"])
    page = client.get(read_page(c)).content.decode()
    assert "Withdraw this contribution" in page and withdraw_page(c) in page
    page = client.get(withdraw_page(c)).content.decode()
    assert "Withdraw your contribution" in page and "Amelia Hughes" in page and "Reads CVC words now." in page
    assert "already in a pack" not in page  # no pack made yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_page(c), {"withdrawal_reason": f"  {REASON}  "})
    assert response.status_code == 302 and response["Location"] == read_page(c)
    c.refresh_from_db()
    # Kept whole, marked with who, when and why.
    assert c.is_submitted and c.is_withdrawn and c.progress == "Reads CVC words now."
    assert c.withdrawn_by == world.people["ta"] and c.withdrawal_reason == REASON
    assert timezone.now() - c.withdrawn_at < datetime.timedelta(minutes=1)
    events = Contribution.pgh_event_model.objects.filter(pgh_obj_id=c.pk).order_by("pgh_id")
    last = events.last()
    assert last.pgh_context.metadata["action"] == "reviews.withdraw_contribution"
    assert last.pgh_context.metadata["user"] == world.people["ta"].pk and last.withdrawal_reason == REASON
    assert AccessLog.objects.filter(user=world.people["ta"], action="reviews.contribution.withdraw",
                                    pupil=world.pupil_in).exists()
    # The person who asked is told, without the pupil or the reason (email leaves the system).
    [note] = Notification.objects.filter(user=world.people["senco"], subject__contains="withdrawn")
    assert note.url == read_page(c) and "Ta Person withdrew" in note.body
    for text in (note.subject + note.body, mail.outbox[-1].subject + mail.outbox[-1].body):
        assert "Amelia" not in text and "wrong week" not in text
    # The author's own pages say so and offer no second withdrawal.
    page = client.get(read_page(c)).content.decode()
    assert "Withdrawn by Ta Person" in page and REASON in page and "Withdraw this contribution" not in page
    assert "Withdrawn" in client.get("/reviews/contributions/mine/").content.decode()
    assert client.get(withdraw_page(c))["Location"] == read_page(c)

    # The SENCo sees it on the request's page, with who, when and why, and can still read what was written.
    client.force_login(world.people["senco"])
    page = client.get(pupil_page(world.pupil_in)).content.decode()
    assert "Withdrawn " in page and "wrong week" in page and "left out of packs made since" in page
    page = client.get(read_page(c)).content.decode()
    assert "Withdrawn by Ta Person" in page and REASON in page and "Reads CVC words now." in page
    assert "0 of 1 staff asked have answered (1 withdrew" in client.get(
        f"/pupils/{world.pupil_in.pk}/").content.decode()


def test_home_page_leads_back_to_a_recent_submission_until_it_is_withdrawn(client, world):
    c = submitted(world)
    client.force_login(world.people["ta"])
    home = client.get("/").content.decode()
    assert "Your contributions" in home and "You submitted 1 contribution to annual reviews" in home
    assert "/reviews/contributions/mine/" in home and "Contributions asked of you" not in home
    services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason=REASON)
    assert "Your contributions" not in client.get("/").content.decode()
    assert "Withdrawn" in client.get("/reviews/contributions/mine/").content.decode()
    # One submitted five weeks ago (made as the demo makes old rows): only under "My contributions".
    weeks_ago = timezone.now() - datetime.timedelta(weeks=5)
    Contribution.objects.create(school=world.school, pupil=world.pupil_out, asked=world.people["ta"],
                                requested_by=world.people["senco"], requested_at=weeks_ago, due_on=weeks_ago.date(),
                                progress="Older", submitted_at=weeks_ago)
    assert "Your contributions" not in client.get("/").content.decode()


def test_a_reason_is_needed_and_a_refusal_keeps_what_was_typed(client, world):
    c = submitted(world)
    client.force_login(world.people["ta"])
    response = client.post(withdraw_page(c), {"withdrawal_reason": ""})
    page = response.content.decode()
    assert response.status_code == 400 and "Say why you are withdrawing it" in page
    assert 'id="error_1_id_withdrawal_reason"' in page  # the message sits by the field
    too_long = "Wrong pupil. " * 100
    response = client.post(withdraw_page(c), {"withdrawal_reason": too_long})
    assert response.status_code == 400 and "Keep it under 1000 characters." in response.content.decode()
    assert too_long.strip()[:300] in response.content.decode()
    with pytest.raises(ValidationError, match="Say why"):  # the service checks again, whoever calls it
        services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason="   ")
    c.refresh_from_db()
    assert not c.is_withdrawn and not Notification.objects.filter(subject__contains="withdrawn").exists()


def test_a_draft_cannot_be_withdrawn_and_a_second_withdrawal_changes_nothing(client, world):
    [draft] = ask(world, who=("teacher",), pupil=world.pupil_in)
    services.save_contribution_draft(staff=staff_of(world.people["teacher"]), contribution=draft, progress="Draft")
    client.force_login(world.people["teacher"])
    assert client.get(withdraw_page(draft))["Location"] == f"/reviews/contributions/{draft.pk}/write/"
    with pytest.raises(ValidationError, match="Only a submitted contribution"):
        services.withdraw_contribution(staff=staff_of(world.people["teacher"]), contribution=draft, reason="x")

    c = submitted(world)
    ta = staff_of(world.people["ta"])
    first = services.withdraw_contribution(staff=ta, contribution=c, reason=REASON)
    again = services.withdraw_contribution(staff=ta, contribution=c, reason="A different reason")
    c.refresh_from_db()
    assert again.withdrawn_at == first.withdrawn_at == c.withdrawn_at and c.withdrawal_reason == REASON
    assert Notification.objects.filter(subject__contains="withdrawn").count() == 1


def test_the_database_keeps_a_withdrawal_fixed_and_the_text_unchanged(world):
    c = submitted(world)
    now = timezone.now()
    # Withdrawing can't rewrite what was submitted, nor be half-recorded.
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).update(withdrawn_at=now, withdrawn_by=world.people["ta"],
                                                    withdrawal_reason="x", progress="Rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).update(withdrawn_at=now, withdrawn_by=world.people["ta"])
    [unanswered] = ask(world, who=("teacher",), pupil=world.pupil_in)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=unanswered.pk).update(withdrawn_at=now, withdrawn_by=world.people["teacher"],
                                                             withdrawal_reason="Not submitted")
    services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason=REASON)
    # Once withdrawn, nothing about it changes, and it is never deleted.
    for change in ({"withdrawal_reason": "Edited"}, {"withdrawn_at": None, "withdrawn_by": None,
                                                     "withdrawal_reason": ""}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Contribution.objects.filter(pk=c.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        Contribution.objects.filter(pk=c.pk).delete()
    c.refresh_from_db()
    assert c.withdrawal_reason == REASON and c.progress == "Reads CVC words now."


def test_an_archived_pupils_contribution_is_read_only(world):
    c = submitted(world)
    archive_pupil(pupil=world.pupil_in, acting_user=world.people["senco"])
    with pytest.raises(ValidationError, match="archived"):
        services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason=REASON)


@pytest.mark.parametrize("role,status", [
    ("ta", 200),  # the author
    ("senco", 403),  # asked for it and reads it, never withdraws it
    ("senior", 403),  # a pack maker: reads, never withdraws
    ("other_ta", 404), ("teacher", 404), ("dsl", 404), ("admin", 404), ("other_school_senco", 404),
])
def test_only_the_author_may_withdraw(client, world, role, status):
    c = submitted(world)
    client.force_login(world.people[role])
    response = client.get(withdraw_page(c))
    assert response.status_code == status
    response = client.post(withdraw_page(c), {"withdrawal_reason": "Not mine to withdraw"})
    assert response.status_code == (302 if role == "ta" else status)
    if status != 200:
        assert b"Amelia" not in response.content
        with pytest.raises(PermissionDenied):  # the service refuses anyone but the author too
            services.withdraw_contribution(staff=staff_of(world.people[role]), contribution=c, reason="x")
    c.refresh_from_db()
    assert c.is_withdrawn == (role == "ta")


# --- packs -----------------------------------------------------------------------------------------------

def test_packs_made_after_a_withdrawal_leave_it_out(world):
    c = submitted(world, progress="WITHDRAWN TEXT")
    other = submitted(world, who="teacher", progress="Kept text from the teacher")
    today = timezone.localdate()
    services.withdraw_contribution(staff=staff_of(world.people["ta"]), contribution=c, reason=REASON)
    template, context = contributions_section(world.pupil_in, today - 100 * DAY, today)
    assert [s["contribution"] for s in context["submitted"]] == [other] and context["asked_count"] == 1
    assert not context["unanswered"]  # a withdrawal is not "asked, no contribution received"
    services.withdraw_contribution(staff=staff_of(world.people["teacher"]), contribution=other, reason="Wrong pupil")
    assert contributions_section(world.pupil_in, today - 100 * DAY, today) is None


def test_a_pack_already_made_is_named_stays_as_made_and_the_next_one_leaves_it_out(
        client, world, django_capture_on_commit_callbacks):
    c = submitted(world, progress="Counts to twenty with cubes.")
    before = made_pack(world, django_capture_on_commit_callbacks)
    assert "Counts to twenty with cubes." in pack_text(before)
    assert packs_holding(c) == [before]

    client.force_login(world.people["ta"])
    page = client.get(withdraw_page(c)).content.decode()
    assert "already in a pack" in page and "Evidence pack version 1" in page
    assert "can't be changed, so that copy stays" in page
    assert before.get_absolute_url() not in page  # a TA can't open packs: named, not linked
    with django_capture_on_commit_callbacks(execute=True):
        client.post(withdraw_page(c), {"withdrawal_reason": REASON})
    [note] = Notification.objects.filter(user=world.people["senco"], subject__contains="withdrawn")
    assert "A pack already made includes it" in note.body

    after = made_pack(world, django_capture_on_commit_callbacks)
    assert after.version == 2 and "Counts to twenty with cubes." not in pack_text(after)
    assert "Counts to twenty with cubes." in pack_text(before)  # the made pack is untouched
    c.refresh_from_db()
    assert packs_holding(c) == [before]  # the later pack doesn't hold it
    client.force_login(world.people["senco"])
    page = client.get(read_page(c)).content.decode()
    assert "printed before it was withdrawn" in page and before.get_absolute_url() in page
    assert after.get_absolute_url() not in page and "Make the pack again" in page


def test_packs_holding_reads_one_query_and_ignores_packs_made_before_it_was_submitted(
        world, django_capture_on_commit_callbacks, django_assert_num_queries):
    [c] = ask(world, who=("ta",), pupil=world.pupil_in)
    made_pack(world, django_capture_on_commit_callbacks)  # made while it was still unanswered
    c = services.submit_contribution(staff=staff_of(world.people["ta"]), contribution=c, progress="Later")
    with django_assert_num_queries(1):
        assert packs_holding(c) == []


# --- job titles, never roles, in the pack ----------------------------------------------------------------

def test_pack_names_staff_with_their_job_title_and_never_their_roles(world, django_assert_num_queries):
    """"DSL" beside a name would tell parents who holds a safeguarding role."""
    people = world.people
    Membership.objects.filter(user=people["dsl"]).update(job_title="Deputy head teacher")
    Membership.objects.filter(user=people["teacher"]).update(job_title="")
    Membership.objects.filter(user=people["senco"]).update(roles=["senco", "dsl"], job_title="")
    submitted(world, who="dsl", progress="Settles well at breakfast club.")
    submitted(world, who="senco", progress="Meets her reading target.")
    ask(world, who=("teacher",), pupil=world.pupil_in)  # asked, not answered: listed in the table
    today = timezone.localdate()
    with django_assert_num_queries(2):  # the requests with who was asked and their job title; other pupils' names
        _, context = contributions_section(world.pupil_in, today - 100 * DAY, today)
    assert {s["name"]: s["job_title"] for s in context["submitted"]} == {"Dsl Person": "Deputy head teacher",
                                                                          "Senco Person": ""}
    pack = pack_services.start_pack(pupil=world.pupil_in, period_start=today - 100 * DAY, period_end=today,
                                    acting_user=people["senco"])
    html = pack_html(pack)
    assert "Settles well at breakfast club." in html and "Meets her reading target." in html
    assert "<h2>Dsl Person, Deputy head teacher</h2>" in html and "<h2>Senco Person</h2>" in html
    assert "<td>Teacher Person</td><td>—</td>" in html  # no job title set: nothing, not a role
    assert "DSL" not in html and "Designated" not in html and "SENCo" not in html and "Teaching assistant" not in html
