"""Evidence packs: the SENCo makes a pack (a new version each time, kept with its SHA-256), watches
its progress, downloads it (audited); batches for reviews due, where one pupil's failure stops no
other; the worker's lease, the sweeper, idempotency and transient errors; refusals per role.

Tasks run eagerly here (on commit, with django_capture_on_commit_callbacks); real WeasyPrint.
A real worker on Redis is in test_pack_worker.py."""

import datetime
import hashlib
import io
import re
import subprocess
import zipfile
import zlib
from datetime import timedelta

import pghistory
import pytest
from django.core.files.storage import default_storage
from django.db import InternalError, ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone

from incidents.factories import IncidentFactory
from incidents.models import InvolvedPupil
from interventions.models import Group, Intervention, Placement
from plans.models import AnnualReview, Plan, add_months
from pupils.factories import PupilFactory
from reviews import services
from reviews.models import MAX_ATTEMPTS, EvidencePack, PackBatch
from reviews.panels_packs import pupil_packs_panel
from reviews.tasks import build_pack_task, sweep_pack_jobs_task
from sendsupport import sections
from sendsupport.models import AccessLog, Notification


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


D = datetime.date
Status = EvidencePack.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def history(world):
    """Amelia (pupil_in) has an EHCP in force, a review held 200 days ago and one booked; she shares
    an intervention group with Isla (pupil_out), whom her pack must never name, and Isla was involved
    in one of her incidents. Her target names Oliver, Mo (Mohammed Ali) and Isla Morgan."""
    school, senco = world.school, world.people["senco"]
    amelia, isla = world.pupil_in, world.pupil_out
    plan = Plan.objects.create(pupil=amelia, kind="ehcp", status="in_force", created_by=senco,
                               date_issued=today() - timedelta(days=500))
    AnnualReview.objects.create(pupil=amelia, plan=plan, meeting_date=today() - timedelta(days=200), status="held",
                                created_by=senco)
    AnnualReview.objects.create(pupil=amelia, plan=plan, meeting_date=today() + timedelta(days=20),
                                status="planned", created_by=senco)
    lego = Intervention.objects.create(school=school, name="Lego-based therapy", area_of_need="ci", max_group_size=3)
    group = Group.objects.create(school=school, intervention=lego, name="Lego club", days=[1, 3],
                                 starts_at=datetime.time(13, 15), minutes_per_session=45,
                                 start_date=today() - timedelta(days=60), planned_end_date=today() + timedelta(days=30),
                                 created_by=senco)
    # Staff name other pupils in Amelia's target: by first name, preferred name and full name.
    PupilFactory(school=school, legal_first_name="Mohammed", legal_last_name="Ali", preferred_name="Mo")
    targets = {amelia.pk: "Amelia will take turns with Oliver and Mo. Isla Morgan will watch.",
               isla.pk: "Isla will take turns."}
    for pupil in (amelia, isla):
        Placement.objects.create(group=group, pupil=pupil, smart_target=targets[pupil.pk],
                                 start_date=group.start_date, end_date=group.planned_end_date,
                                 review_due=group.planned_end_date + timedelta(days=7), created_by=senco)
    # An incident in the period where Isla was involved: the incident sections say "another pupil".
    incident = IncidentFactory(pupil=amelia, created_by=world.people["ta"],
                               occurred_at=timezone.now() - timedelta(days=5))
    InvolvedPupil.objects.create(incident=incident, pupil=isla, part="Isla was called names")
    return plan


def make(world, pupil=None, *, who="senco", start=None, end=None, capture=None) -> EvidencePack:
    pupil = pupil or world.pupil_in
    return services.start_pack(pupil=pupil, period_start=start or today() - timedelta(days=100), period_end=end or today(),
                               acting_user=world.people[who])


def made(world, django_capture_on_commit_callbacks, **kw) -> EvidencePack:
    with django_capture_on_commit_callbacks(execute=True):
        pack = make(world, **kw)
    pack.refresh_from_db()
    return pack


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def pdf_pages(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def failing_section():
    """A section that breaks for one pupil (a bug in some app's section)."""
    victims = set()

    def build(pupil, start, end):
        if pupil.pk in victims:
            raise ValueError("section bug")
        return None

    sections.register_pack_section("zz_breaks", "Breaks for one pupil", 999, build)
    yield victims
    sections._sections.pop("zz_breaks", None)


# --- making a pack --------------------------------------------------------------------------------

def test_senco_makes_a_pack_from_the_form_and_downloads_it(client, world, history, django_capture_on_commit_callbacks):
    client.force_login(world.people["senco"])
    amelia = world.pupil_in
    page = client.get(reverse("reviews:pack_new") + f"?pupil={amelia.pk}")
    assert page.status_code == 200
    # Default period: since the review held 200 days ago, up to today.
    assert page.context["form"].initial["period_start"] == today() - timedelta(days=200)
    assert page.context["form"].initial["period_end"] == today()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:pack_new"), {"pupil": amelia.pk, "period_start": "", "period_end": ""})
    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and response["Location"] == pack.get_absolute_url()
    assert (pack.status, pack.version, pack.attempts) == (Status.READY, 1, 1)
    assert (pack.period_start, pack.period_end) == (today() - timedelta(days=200), today())
    assert pack.review_date == today() + timedelta(days=20)  # the review booked
    assert pack.lease_token is None and pack.lease_expires_at is None and pack.steps_done == pack.steps_total

    with default_storage.open(pack.file) as f:
        stored = f.read()
    assert hashlib.sha256(stored).hexdigest() == pack.sha256 and len(stored) == pack.size

    response = client.get(reverse("reviews:pack_download", args=[pack.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == stored and response.content.startswith(b"%PDF-")
    assert AccessLog.objects.filter(user=world.people["senco"], pupil=amelia, action="pupil.evidence_pack.download").count() == 1

    text = pdf_text(stored)
    assert "EHCP annual review" not in text  # Amelia is on SEN support, not an EHCP
    for words in ("CONFIDENTIAL", "Annual review evidence pack", amelia.display_name, amelia.upn,
                  "Oakfield Primary", "Contents", "Interventions and therapy programmes", "Senco Person", "Page 1 of"):
        assert words in text, words
    # The group peer and the pupil involved in the incident are never named, anywhere.
    assert "Behaviour summary" in text and "called names" in text  # the incident with Isla is in
    assert "Isla" not in text and "Morgan" not in text
    # Names typed in her target: first name, preferred name, full name; her own stays. The cover says
    # how many were replaced: three in the target and Isla's in the incident's part.
    assert "Amelia will take turns with another pupil and another pupil. Another pupil will watch." in text
    assert "Oliver" not in text and "Mo." not in text and "Mohammed" not in text
    assert "In this pack 4 names of other pupils typed in records were replaced that way." in " ".join(text.split())
    assert "\ue000" not in text
    assert pdf_pages(stored) == pack.page_count >= 3  # cover, contents, a section
    # The requester is told.
    assert Notification.objects.filter(user=world.people["senco"], subject="Evidence pack ready").count() == 1


def test_the_pdf_is_tagged_with_title_and_language(world, history, django_capture_on_commit_callbacks):
    pack = made(world, django_capture_on_commit_callbacks)
    with default_storage.open(pack.file) as f:
        data = f.read()
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert f"Title:           Evidence pack: {world.pupil_in.display_name}" in info
    assert "Tagged:          yes" in info
    meta = subprocess.run(["pdfinfo", "-meta", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert 'pdfuaid:part="1"' in meta  # PDF/UA-1
    structure = subprocess.run(["pdfinfo", "-struct", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "H1" in structure and "Table" in structure
    # The catalogue (in a compressed object stream) names the document's language.
    objects = b"".join(zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S)
                       if m[:1] == b"x")
    assert b"/Lang (en-GB)" in objects


def test_contents_gives_the_page_each_section_starts_on(world, history, django_capture_on_commit_callbacks):
    pack = made(world, django_capture_on_commit_callbacks)
    with default_storage.open(pack.file) as f:
        text = pdf_text(f.read())
    contents = next(line for line in text.splitlines() if "Interventions and therapy programmes" in line and "." in line)
    page = int(contents.split()[-1])
    pages = text.split("\f")
    assert "Interventions and therapy programmes" in pages[page - 1]
    assert page >= 3  # after the cover and the contents


def test_default_period_is_the_last_twelve_months_without_a_review(world):
    period = services.default_period(world.pupil_out)
    assert period.start == add_months(today(), -12)
    assert period.end == today() and period.review_date is None and not period.since_review


def test_making_it_again_keeps_the_old_version(world, history, django_capture_on_commit_callbacks):
    first = made(world, django_capture_on_commit_callbacks)
    second = made(world, django_capture_on_commit_callbacks, start=today() - timedelta(days=30))
    assert (first.version, second.version) == (1, 2)
    assert first.file != second.file and first.sha256 != second.sha256
    first.refresh_from_db()
    assert first.status == Status.READY and default_storage.exists(first.file)
    with default_storage.open(first.file) as f:
        assert hashlib.sha256(f.read()).hexdigest() == first.sha256


def test_a_ready_pack_cannot_be_changed_or_deleted(world, history, django_capture_on_commit_callbacks):
    pack = made(world, django_capture_on_commit_callbacks)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        EvidencePack.objects.filter(pk=pack.pk).update(sha256="0" * 64)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        EvidencePack.objects.filter(pk=pack.pk).delete()


def test_an_altered_file_is_refused(client, world, history, django_capture_on_commit_callbacks):
    pack = made(world, django_capture_on_commit_callbacks)
    with open(default_storage.path(pack.file), "ab") as f:
        f.write(b"tampered")
    client.force_login(world.people["senco"])
    response = client.get(reverse("reviews:pack_download", args=[pack.pk]))
    assert response.status_code == 409 and b"no longer matches" in response.content


def test_period_must_be_in_order_and_not_after_today(client, world):
    client.force_login(world.people["senco"])
    response = client.post(reverse("reviews:pack_new"), {
        "pupil": world.pupil_in.pk, "period_start": "2026-05-01", "period_end": "2026-04-01"})
    assert response.status_code == 400
    assert "must be on or before its end" in response.context["form"].errors["period_start"][0]
    assert response.context["form"]["period_start"].value() == "2026-05-01"  # typed values kept
    response = client.post(reverse("reviews:pack_new"), {
        "pupil": world.pupil_in.pk, "period_start": "2026-05-01",
        "period_end": (today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 400 and "after today" in response.context["form"].errors["period_end"][0]
    assert not EvidencePack.objects.exists()


# --- progress -------------------------------------------------------------------------------------

def test_progress_fragment_polls_until_the_pack_is_finished(client, world, history, django_assert_num_queries,
                                                            django_capture_on_commit_callbacks):
    client.force_login(world.people["senco"])
    pack = make(world)  # queued: no worker yet (on_commit not run)
    url = reverse("reviews:pack_progress", args=[pack.pk])
    client.get(url)  # warm the session
    # session, user, membership (staff context), the pack with its pupil and requester; the
    # session's idle-timeout refresh (savepoint, update, release)
    with django_assert_num_queries(7):
        response = client.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body and "Waiting for a worker" in body and "download" not in body.lower()

    token = services.claim_pack(pack.pk)
    services.report_progress(pack.pk, token, step="Gathering: Interventions and therapy programmes", steps_done=1)
    body = client.get(url).content.decode()
    assert "Gathering: Interventions and therapy programmes" in body and 'value="1"' in body

    EvidencePack.objects.filter(pk=pack.pk).update(status=Status.QUEUED, lease_token=None)
    build_pack_task.delay(pack.pk)
    body = client.get(url).content.decode()
    assert "hx-trigger" not in body and reverse("reviews:pack_download", args=[pack.pk]) in body


def test_failed_pack_shows_its_reason_and_can_be_started_again(client, world, history, failing_section,
                                                               django_capture_on_commit_callbacks):
    failing_section.add(world.pupil_in.pk)
    pack = made(world, django_capture_on_commit_callbacks)
    assert pack.status == Status.FAILED and not pack.file and "could not be made (ValueError)" in pack.failure_reason
    client.force_login(world.people["senco"])
    body = client.get(pack.get_absolute_url()).content.decode()
    assert "could not be made" in body and "Start it again" in body and "hx-trigger" not in body
    assert client.get(reverse("reviews:pack_download", args=[pack.pk])).status_code == 404
    again_url = reverse("reviews:pack_new") + f"?pupil={pack.pupil_id}&from={pack.period_start}&to={pack.period_end}"
    assert f'href="{again_url.replace("&", "&amp;")}"' in body
    form = client.get(again_url).context["form"]
    assert (form.initial["period_start"], form.initial["period_end"]) == (pack.period_start, pack.period_end)
    failing_section.clear()
    again = made(world, django_capture_on_commit_callbacks)
    assert again.status == Status.READY and again.version == 2


def test_pack_list_is_fixed_queries_and_pupil_panel(client, world, rf, django_assert_num_queries):
    client.force_login(world.people["senco"])
    client.get(reverse("reviews:pack_list"))
    for n in (1, 8):
        while EvidencePack.objects.count() < n:
            make(world, world.pupil_class if EvidencePack.objects.count() % 2 else world.pupil_in)
        # session, user, membership, the page of packs (with pupil and requester), recent batches;
        # the session's idle-timeout refresh (savepoint, update, release)
        with django_assert_num_queries(8):
            response = client.get(reverse("reviews:pack_list"))
        assert len(response.context["packs"]) == n
    from accounts.middleware import staff_context_for

    request = rf.get("/")
    request.staff = staff_context_for(world.people["senco"], world.school)
    with django_assert_num_queries(1):  # the pupil's latest versions
        panel = pupil_packs_panel(request, pupil=world.pupil_in)
    assert panel is not None and len(panel.context["packs"]) == 3 and panel.context["more"]
    request.staff = staff_context_for(world.people["ta"], world.school)
    assert pupil_packs_panel(request, pupil=world.pupil_in) is None


# --- refusals -------------------------------------------------------------------------------------

REFUSED = ["ta", "teacher", "admin", "dsl"]


@pytest.fixture
def a_pack_and_batch(world, history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.start_batch(staff=_staff(world, "senco"), due_by=today() + timedelta(weeks=8),
                                     acting_user=world.people["senco"])
    return batch.packs.get(), batch


def _staff(world, role, school=None):
    from accounts.middleware import staff_context_for

    return staff_context_for(world.people[role], school or world.school)


def _urls(pack, batch):
    return [reverse("reviews:pack_list"), reverse("reviews:pack_new"), reverse("reviews:pack_new") + f"?pupil={pack.pupil_id}",
            reverse("reviews:batch_new"), pack.get_absolute_url(), reverse("reviews:pack_progress", args=[pack.pk]),
            reverse("reviews:pack_download", args=[pack.pk]), batch.get_absolute_url(),
            reverse("reviews:batch_progress", args=[batch.pk]), reverse("reviews:batch_download", args=[batch.pk])]


@pytest.mark.parametrize("role", REFUSED)
def test_roles_without_make_packs_are_refused_everything(client, world, a_pack_and_batch, role):
    pack, batch = a_pack_and_batch
    client.force_login(world.people[role])
    for url in _urls(pack, batch):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reviews:pack_new"), {"pupil": pack.pupil_id}).status_code == 403
    assert client.post(reverse("reviews:batch_new"), {"due_by": today().isoformat()}).status_code == 403
    assert EvidencePack.objects.count() == 1
    assert not AccessLog.objects.filter(action="pupil.evidence_pack.download").exists()


@pytest.mark.parametrize("role,status", [("senco", 200), ("senior", 200)])
def test_senco_and_senior_leader_may(client, world, a_pack_and_batch, role, status):
    pack, batch = a_pack_and_batch
    client.force_login(world.people[role])
    for url in _urls(pack, batch):
        assert client.get(url).status_code == status, url
    assert AccessLog.objects.filter(user=world.people[role], action="pupil.evidence_pack.download").count() == 2


def test_another_schools_senco_gets_404(client, world, a_pack_and_batch):
    pack, batch = a_pack_and_batch
    client.force_login(world.people["other_school_senco"])
    for url in _urls(pack, batch)[2:]:
        if url != reverse("reviews:batch_new"):
            assert client.get(url).status_code == 404, url
    assert client.post(reverse("reviews:pack_new"), {"pupil": pack.pupil_id}).status_code == 400  # not a choice
    assert world.pupil_in.display_name not in client.get(reverse("reviews:pack_list")).content.decode()
    assert not AccessLog.objects.filter(action="pupil.evidence_pack.download").exists()


def test_another_schools_pupil_cannot_be_packed(client, world):
    client.force_login(world.people["senco"])
    assert client.get(reverse("reviews:pack_new") + f"?pupil={world.pupil_other_school.pk}").status_code == 404
    response = client.post(reverse("reviews:pack_new"), {"pupil": world.pupil_other_school.pk})
    assert response.status_code == 400 and "pupil" in response.context["form"].errors
    assert not EvidencePack.objects.exists()


# --- batches --------------------------------------------------------------------------------------

def _due(world, pupil, days):
    senco = world.people["senco"]
    issued = today() + timedelta(days=days)
    return Plan.objects.create(pupil=pupil, kind="ehcp", status="in_force", created_by=senco,
                               date_issued=add_months(issued, -12))


def test_batch_makes_a_pack_per_pupil_due_and_one_failure_stops_no_other(
        client, world, failing_section, django_capture_on_commit_callbacks):
    _due(world, world.pupil_in, 10)
    _due(world, world.pupil_class, 20)
    _due(world, world.pupil_out, 100)  # due after the window: not in the batch
    failing_section.add(world.pupil_class.pk)
    client.force_login(world.people["senco"])
    due_by = today() + timedelta(weeks=4)
    preview = client.get(reverse("reviews:batch_new") + f"?due_by={due_by.isoformat()}")
    assert [p.pk for p in preview.context["pupils"]] == [world.pupil_in.pk, world.pupil_class.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:batch_new"), {"due_by": due_by.isoformat()})
    batch = PackBatch.objects.get()
    assert response["Location"] == batch.get_absolute_url()
    packs = {p.pupil_id: p for p in batch.packs.all()}
    assert set(packs) == {world.pupil_in.pk, world.pupil_class.pk}
    assert packs[world.pupil_in.pk].status == Status.READY
    assert packs[world.pupil_class.pk].status == Status.FAILED and packs[world.pupil_class.pk].failure_reason
    batch.refresh_from_db()
    assert batch.notified_at is not None
    notes = Notification.objects.filter(user=world.people["senco"], subject="Evidence packs ready")
    assert [n.body for n in notes] == ["1 evidence packs are ready; 1 failed."]

    body = client.get(reverse("reviews:batch_progress", args=[batch.pk])).content.decode()
    assert "hx-trigger" not in body and "1 of 2 ready" in body and "1 failed" in body

    response = client.get(reverse("reviews:batch_download", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    (name,) = archive.namelist()
    assert name == packs[world.pupil_in.pk].download_name
    assert hashlib.sha256(archive.read(name)).hexdigest() == packs[world.pupil_in.pk].sha256
    logged = AccessLog.objects.filter(action="pupil.evidence_pack.download")
    assert [log.pupil_id for log in logged] == [world.pupil_in.pk]


def test_batch_with_nobody_due_says_so(client, world):
    client.force_login(world.people["senco"])
    response = client.post(reverse("reviews:batch_new"), {"due_by": today().isoformat()})
    assert response.status_code == 400 and "No pupil" in response.context["form"].errors["due_by"][0]
    assert not PackBatch.objects.exists()


def test_batch_progress_is_fixed_queries(client, world, django_assert_num_queries):
    client.force_login(world.people["senco"])
    for n, pupils in ((1, [world.pupil_in]), (3, [world.pupil_in, world.pupil_class, world.pupil_out])):
        for i, p in enumerate(pupils):
            if not Plan.objects.filter(pupil=p).exists():
                _due(world, p, 5 + i)
        batch = services.start_batch(staff=_staff(world, "senco"), due_by=today() + timedelta(weeks=2),
                                     acting_user=world.people["senco"])
        client.get(reverse("reviews:batch_progress", args=[batch.pk]))
        # session, user, membership, the batch, its packs with pupils; the session's refresh (3)
        with django_assert_num_queries(8):
            response = client.get(reverse("reviews:batch_progress", args=[batch.pk]))
        assert len(response.context["packs"]) == n


# --- the worker's lease, the sweeper, idempotency -------------------------------------------------

def test_running_the_task_again_for_a_ready_pack_does_nothing(world, history, django_capture_on_commit_callbacks):
    pack = made(world, django_capture_on_commit_callbacks)
    events = pack.events.count()
    assert build_pack_task.delay(pack.pk).get() == "skipped"
    after = EvidencePack.objects.get(pk=pack.pk)
    assert (after.status, after.attempts, after.file, after.sha256, after.finished_at) == (
        Status.READY, 1, pack.file, pack.sha256, pack.finished_at)
    assert after.events.count() == events


def test_a_live_workers_pack_is_not_taken_by_a_second_message(world):
    pack = make(world)
    token = services.claim_pack(pack.pk)
    assert token is not None and services.claim_pack(pack.pk) is None  # lease still running
    assert build_pack_task.delay(pack.pk).get() == "skipped"
    pack.refresh_from_db()
    assert pack.lease_token == token and pack.attempts == 1


def test_sweeper_requeues_a_pack_whose_lease_ran_out(world, history, django_capture_on_commit_callbacks):
    pack = make(world)
    services.claim_pack(pack.pk)  # a worker took it, then died
    assert services.sweep_pack_jobs().requeued == []  # lease still running
    later = timezone.now() + timedelta(seconds=services.lease_seconds() + 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.sweep_pack_jobs(now=later)
    assert result.requeued == [pack.pk] and len(callbacks) == 2  # the build, then the "ready" email
    pack.refresh_from_db()
    assert pack.status == Status.READY and pack.attempts == 2  # the requeued message built it


def test_sweeper_fails_a_pack_after_its_last_attempt(world):
    pack = make(world)
    for _ in range(MAX_ATTEMPTS):
        EvidencePack.objects.filter(pk=pack.pk).update(status=Status.QUEUED)
        services.claim_pack(pack.pk)
    later = timezone.now() + timedelta(seconds=services.lease_seconds() + 1)
    result = services.sweep_pack_jobs(now=later)
    assert result.failed == [pack.pk] and result.requeued == []
    pack.refresh_from_db()
    assert pack.status == Status.FAILED and f"after {MAX_ATTEMPTS} attempts" in pack.failure_reason
    assert pack.lease_token is None
    assert Notification.objects.filter(user=world.people["senco"], subject="Evidence pack failed").exists()


def test_sweeper_resends_a_queued_pack_whose_message_was_lost(world, django_capture_on_commit_callbacks):
    pack = make(world)  # its message never sent (on_commit not run)
    assert services.sweep_pack_jobs().resent == []
    later = timezone.now() + timedelta(seconds=services.queue_grace_seconds() + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_pack_jobs(now=later).resent == [pack.pk]
    pack.refresh_from_db()
    assert pack.status == Status.READY


def test_sweep_task_reports_what_it_did(world):
    assert sweep_pack_jobs_task.delay().get() == {"requeued": [], "failed": [], "resent": []}


def test_a_worker_that_lost_its_lease_records_no_file(world, history, monkeypatch):
    pack = make(world)
    real = services.report_progress

    def sweeper_strikes(pack_id, token, **kw):
        # The sweeper requeued the pack while this worker was slow.
        EvidencePack.objects.filter(pk=pack_id).update(status=Status.QUEUED, lease_token=None)
        return real(pack_id, token, **kw)

    monkeypatch.setattr(services, "report_progress", sweeper_strikes)
    assert services.build_pack(pack_id=pack.pk) == "skipped"
    pack.refresh_from_db()
    assert pack.status == Status.QUEUED and not pack.file and not pack.sha256


def test_a_transient_storage_error_gives_the_pack_back_then_fails_it_on_the_last_attempt(world, history, monkeypatch):
    pack = make(world)

    def storage_down(name, content, **kw):
        raise OSError("disk away")

    monkeypatch.setattr(default_storage, "save", storage_down)
    with pytest.raises(OSError):
        services.build_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    assert pack.status == Status.QUEUED and pack.attempts == 1 and pack.lease_token is None
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(OSError):
            services.build_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    assert pack.status == Status.FAILED and pack.attempts == MAX_ATTEMPTS
    assert f"after {MAX_ATTEMPTS} attempts" in pack.failure_reason and not pack.file


def test_task_retries_a_transient_error_and_stops_when_the_pack_failed(world, history, monkeypatch):
    from celery.exceptions import Retry

    pack = make(world)
    monkeypatch.setattr(default_storage, "save", lambda *a, **k: (_ for _ in ()).throw(OSError("disk away")))
    monkeypatch.setattr(build_pack_task, "retry", lambda **kw: Retry("again"))
    with pytest.raises(Retry):
        build_pack_task.run(pack.pk)
    EvidencePack.objects.filter(pk=pack.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert build_pack_task.run(pack.pk) == "failed"
    assert EvidencePack.objects.get(pk=pack.pk).status == Status.FAILED


def test_history_records_who_started_a_pack(world):
    with pghistory.context(url="/test"):
        pack = make(world)
    event = pack.events.get(pgh_label="insert")
    assert event.pgh_context.metadata["user"] == world.people["senco"].pk
    assert event.pgh_context.metadata["action"] == "reviews.pack.start"


def test_versions_are_numbered_per_pupil(world):
    a1, b1, a2 = make(world), make(world, world.pupil_class), make(world)
    assert (a1.version, b1.version, a2.version) == (1, 1, 2)
