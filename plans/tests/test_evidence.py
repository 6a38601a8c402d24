"""Progress evidence against outcomes: a TA records a rating, a dated note and photos; the outcome
page shows the current rating and a timeline that continues when the plan is amended; the SENCo
sees every outcome of a pupil on one page; files are private to the pupil's readers."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.middleware import staff_context_for
from plans import services
from plans.models import EvidenceFile, Outcome, Plan, ProgressEvidence, Rating, Target
from plans.panels_evidence import progress_panel
from sendsupport.models import AccessLog


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- building plans and uploads -------------------------------------------------------------------

def in_force_plan(world, pupil=None, *, outcomes=1, targets=2, area="cl") -> Plan:
    """An EHCP with outcomes and targets, issued (put in force) by the SENCo."""
    pupil = pupil or world.pupil_in
    senco = world.people["senco"] if pupil.school_id == world.school.pk else world.people["other_school_senco"]
    plan = Plan.objects.create(pupil=pupil, kind="ehcp", created_by=senco, date_issued=date(2026, 9, 1))
    for i in range(outcomes):
        outcome = Outcome.objects.create(plan=plan, area_of_need=area, order=i,
                                         text=f"Outcome {i + 1}: will read simple sentences aloud by July")
        for j in range(targets):
            Target.objects.create(outcome=outcome, order=j, text=f"Target {j + 1} of outcome {i + 1}")
    return services.put_in_force(plan=plan, acting_user=senco)


def outcome_of(plan, n=0) -> Outcome:
    return plan.outcomes.order_by("id")[n]


def png(name="work.png", size=(24, 16)):
    buf = io.BytesIO()
    Image.new("RGB", size, "teal").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf(name="reading record.pdf", extra=b""):
    body = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n" + extra + b"%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def post_evidence(client, pupil, outcome, *, files=(), **overrides):
    data = {"rating": Rating.DEVELOPING, "observed_on": timezone.localdate().isoformat(),
            "note": "Read four sentences with one prompt.", "target": "", **overrides}
    if files:
        data["files"] = list(files)
    return client.post(f"/pupils/{pupil.pk}/outcomes/{outcome.pk}/evidence/", data)


def add(world, outcome, *, by="ta", rating=Rating.EMERGING, on=None, target=None, note="Seen in class", files=()):
    return services.add_evidence(pupil=outcome.plan.pupil, outcome=outcome, target=target,
                                 observed_on=on or timezone.localdate(), note=note, rating=rating,
                                 files=list(files), acting_user=world.people[by])


# --- adding evidence ------------------------------------------------------------------------------

def test_ta_adds_evidence_with_a_photo_and_a_pdf(client, world, media):
    plan = in_force_plan(world)
    outcome = outcome_of(plan)
    target = outcome.targets.first()
    client.force_login(world.people["ta"])
    form = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/evidence/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "The outcome as a whole" in page and target.text in page and "Secure" in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # the date defaults to today

    response = post_evidence(client, world.pupil_in, outcome, target=target.pk, rating=Rating.SECURE,
                             note="Read the whole page to me.", files=[png("IMG_0042 Amelia reading.png"), pdf()])
    assert response.status_code == 302
    assert response["Location"] == f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/"

    evidence = ProgressEvidence.objects.get()
    assert (evidence.rating, evidence.target, evidence.note) == (Rating.SECURE, target, "Read the whole page to me.")
    assert evidence.recorded_by == world.people["ta"] and evidence.outcome_lineage == outcome.lineage
    assert evidence.recorded_at is not None and evidence.observed_on == timezone.localdate()
    files = {f.original_name: f for f in evidence.files.all()}
    assert files["IMG_0042 Amelia reading.png"].content_type == "image/png"
    assert files["reading record.pdf"].content_type == "application/pdf"
    for f in files.values():
        stored = Path(f.file.path)
        assert stored.is_file() and media in stored.parents
        # The stored name reveals nothing about the pupil or the file: a random name under the school.
        assert f.file.name.startswith(f"private/evidence/{world.school.pk}/")
        assert "Amelia" not in f.file.name and "reading" not in f.file.name and "." not in stored.name

    event = apps.get_model("plans", "ProgressEvidenceEvent").objects.get(
        pgh_obj_id=evidence.pk)
    assert event.pgh_context.metadata["user"] == world.people["ta"].pk
    assert event.pgh_context.metadata["action"] == "evidence.add"

    outcome_page = client.get(response["Location"])
    text = outcome_page.content.decode()
    assert "Evidence saved with 2 files: Secure" in text
    assert "Read the whole page to me." in text and "Ta Person" in text
    assert f'/pupils/{world.pupil_in.pk}/evidence-files/{files["IMG_0042 Amelia reading.png"].pk}/' in text
    assert "PDF: reading record.pdf" in text


def test_a_file_whose_content_is_not_what_it_claims_is_refused_and_nothing_is_saved(client, world, media):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = post_evidence(client, world.pupil_in, outcome, note="Typed on a phone, kept", files=[pdf(), fake])
    assert response.status_code == 400
    page = response.content.decode()
    assert "“photo.png” isn&#x27;t a photo (JPEG, PNG, WebP or HEIC) or a PDF" in page
    assert "Choose any photos or documents again." in page
    assert "Typed on a phone, kept" in page  # everything typed is kept
    assert response.context["form"]["rating"].value() == str(Rating.DEVELOPING)  # the rating chosen stays chosen
    assert not ProgressEvidence.objects.exists() and not EvidenceFile.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]  # no file left behind either


def test_a_pdf_named_like_a_photo_is_stored_as_what_it_is(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    disguised = SimpleUploadedFile("scan.jpg", pdf().read(), content_type="image/jpeg")
    assert post_evidence(client, world.pupil_in, outcome, files=[disguised]).status_code == 302
    stored = EvidenceFile.objects.get()
    assert stored.content_type == "application/pdf"
    response = client.get(f"/pupils/{world.pupil_in.pk}/evidence-files/{stored.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="scan.pdf"'


def test_a_heic_photo_from_an_iphone_is_accepted(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    # The start of a real HEIC file: an ISO media 'ftyp' box whose brand is heic.
    heic = (24).to_bytes(4, "big") + b"ftypheic" + (0).to_bytes(4, "big") + b"mif1heic" + b"\0" * 64
    assert post_evidence(client, world.pupil_in, outcome,
                         files=[SimpleUploadedFile("IMG_1.HEIC", heic, content_type="image/heic")]).status_code == 302
    assert EvidenceFile.objects.get().content_type == "image/heic"
    # A video (another ISO media file) is not a photo.
    video = (24).to_bytes(4, "big") + b"ftypisom" + (0).to_bytes(4, "big") + b"isomavc1" + b"\0" * 64
    response = post_evidence(client, world.pupil_in, outcome,
                             files=[SimpleUploadedFile("clip.heic", video, content_type="image/heic")])
    assert response.status_code == 400 and "“clip.heic” isn" in response.content.decode()


def test_too_many_files_or_a_file_too_large_is_refused_with_a_message(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    response = post_evidence(client, world.pupil_in, outcome, files=[png(f"p{i}.png") for i in range(6)])
    assert response.status_code == 400
    assert "Attach at most 5 files at a time (you chose 6)." in response.content.decode()
    big = pdf("big.pdf", extra=b"0" * (10 * 1024 * 1024))
    response = post_evidence(client, world.pupil_in, outcome, files=[big])
    assert response.status_code == 400
    assert "“big.pdf” is 10.1 MB: the limit is 10 MB a file." in response.content.decode()
    assert not ProgressEvidence.objects.exists()


def test_a_date_in_the_future_is_refused(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post_evidence(client, world.pupil_in, outcome, observed_on=tomorrow.isoformat(), note="Next week")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The date can&#x27;t be in the future" in page and "Next week" in page
    assert not ProgressEvidence.objects.exists()


def test_a_rating_and_a_note_are_required(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    response = post_evidence(client, world.pupil_in, outcome, rating="", note="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose how far along this is." in page and "Write a short note of what you saw." in page
    assert not ProgressEvidence.objects.exists()


def test_a_target_of_another_outcome_is_refused(client, world):
    plan = in_force_plan(world, outcomes=2)
    other_target = outcome_of(plan, 1).targets.first()
    client.force_login(world.people["ta"])
    response = post_evidence(client, world.pupil_in, outcome_of(plan, 0), target=other_target.pk)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ProgressEvidence.objects.exists()


def test_pressing_save_twice_records_the_evidence_once(client, world):
    outcome = outcome_of(in_force_plan(world))
    client.force_login(world.people["ta"])
    token = "a" * 32
    first = post_evidence(client, world.pupil_in, outcome, submission=token)
    second = post_evidence(client, world.pupil_in, outcome, submission=token)
    assert first.status_code == second.status_code == 302
    assert ProgressEvidence.objects.count() == 1
    assert "That evidence was already saved." in client.get(second["Location"]).content.decode()
    assert post_evidence(client, world.pupil_in, outcome, submission="b" * 32).status_code == 302
    assert ProgressEvidence.objects.count() == 2  # a new form is a new entry


def test_evidence_is_added_only_to_the_plan_in_force(client, world):
    plan = in_force_plan(world)
    client.force_login(world.people["senco"])
    draft = services.amend(plan=plan, acting_user=world.people["senco"])
    draft_outcome = outcome_of(draft)
    assert client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{draft_outcome.pk}/evidence/").status_code == 404
    assert post_evidence(client, world.pupil_in, draft_outcome).status_code == 404
    page = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{draft_outcome.pk}/").content.decode()
    assert "on a draft of the plan" in page and "/evidence/" not in page
    assert not ProgressEvidence.objects.exists()


def test_archived_pupils_records_are_read_only(client, world):
    outcome = outcome_of(in_force_plan(world))
    world.pupil_in.archived_at = timezone.now()
    world.pupil_in.save(update_fields=["archived_at"])
    client.force_login(world.people["ta"])
    response = post_evidence(client, world.pupil_in, outcome)
    assert response.status_code == 302 and not ProgressEvidence.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "archived: their records are read-only" in page and "Add evidence" not in page


# --- reading progress -----------------------------------------------------------------------------

def test_current_rating_is_the_latest_evidence_by_the_date_seen(client, world):
    outcome = outcome_of(in_force_plan(world))
    today = timezone.localdate()
    add(world, outcome, rating=Rating.SECURE, on=today - timedelta(days=2), note="Monday: secure")
    add(world, outcome, rating=Rating.DEVELOPING, on=today - timedelta(days=9), note="Typed up late: developing")
    client.force_login(world.people["ta"])
    response = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/")
    assert response.status_code == 200
    assert response.context["current"].note == "Monday: secure"
    assert [e.note for e in response.context["timeline"]] == ["Monday: secure", "Typed up late: developing"]
    assert AccessLog.objects.filter(action="plans.outcome.view", pupil=world.pupil_in).count() == 1


def test_each_target_shows_its_own_latest_rating(client, world):
    outcome = outcome_of(in_force_plan(world))
    first, second = outcome.targets.all()
    add(world, outcome, target=first, rating=Rating.ACHIEVED, note="Target one met")
    add(world, outcome, rating=Rating.EMERGING, note="Whole outcome")
    client.force_login(world.people["ta"])
    context = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/").context
    by_target = {item.target.pk: item.latest for item in context["targets"]}
    assert by_target[first.pk].note == "Target one met" and by_target[second.pk] is None
    assert context["current"].note == "Whole outcome"


def test_the_timeline_continues_after_the_plan_is_amended(client, world):
    senco = world.people["senco"]
    plan = in_force_plan(world)
    old_outcome = outcome_of(plan)
    old_target = old_outcome.targets.first()
    add(world, old_outcome, target=old_target, rating=Rating.EMERGING, on=timezone.localdate() - timedelta(days=30),
        note="Before the review")
    draft = services.amend(plan=plan, acting_user=senco)
    new_plan = services.put_in_force(plan=draft, acting_user=senco)
    new_outcome = outcome_of(new_plan)
    assert new_outcome.lineage == old_outcome.lineage and new_outcome.pk != old_outcome.pk

    client.force_login(world.people["ta"])
    response = post_evidence(client, world.pupil_in, new_outcome, rating=Rating.SECURE, note="After the review")
    assert response.status_code == 302
    # The superseded version's outcome takes no more evidence...
    assert post_evidence(client, world.pupil_in, old_outcome).status_code == 404

    new_page = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{new_outcome.pk}/")
    assert [e.note for e in new_page.context["timeline"]] == ["After the review", "Before the review"]
    assert new_page.context["current"].rating == Rating.SECURE
    assert "recorded on plan v1" in new_page.content.decode()
    # ...and the new version's target shows the rating given to it under the old version.
    latest = {item.target.lineage: item.latest for item in new_page.context["targets"]}
    assert latest[old_target.lineage].note == "Before the review"

    old_page = client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{old_outcome.pk}/")
    assert old_page.status_code == 200 and len(old_page.context["timeline"]) == 2
    text = old_page.content.decode()
    assert "has been replaced" in text and f"/outcomes/{new_outcome.pk}/" in text

    progress = client.get(f"/pupils/{world.pupil_in.pk}/progress/").context
    (row,) = progress["groups"][0].outcomes
    assert (row.pk, row.current_rating, row.evidence_count) == (new_outcome.pk, Rating.SECURE, 2)


def test_senco_sees_every_outcome_of_a_pupil_on_one_page(client, world):
    plan = in_force_plan(world, outcomes=2, area="cl")
    semh = Outcome.objects.create(plan=plan, area_of_need="semh", text="Will name three feelings")
    first, second = outcome_of(plan, 0), outcome_of(plan, 1)
    today = timezone.localdate()
    add(world, first, rating=Rating.EMERGING, on=today - timedelta(days=20))
    add(world, first, rating=Rating.SECURE, on=today - timedelta(days=3))
    add(world, semh, rating=Rating.DEVELOPING, on=today - timedelta(days=60))
    client.force_login(world.people["senco"])
    response = client.get(f"/pupils/{world.pupil_in.pk}/progress/")
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.label for g in groups] == ["Cognition and learning", "Social, emotional and mental health"]
    rows = {o.pk: o for g in groups for o in g.outcomes}
    assert (rows[first.pk].current_label, rows[first.pk].evidence_count) == ("Secure", 2)
    assert rows[first.pk].latest_on == today - timedelta(days=3) and not rows[first.pk].is_stale
    assert (rows[second.pk].current_rating, rows[second.pk].evidence_count, rows[second.pk].is_stale) == (None, 0, True)
    assert rows[semh.pk].is_stale  # nothing for over six weeks
    page = response.content.decode()
    assert "No evidence yet" in page and "Secure" in page and "No evidence for over 6 weeks" in page
    assert "1 developing · 1 secure · 1 no evidence yet" in page
    assert AccessLog.objects.filter(action="plans.progress.view", pupil=world.pupil_in).count() == 1


def test_progress_page_without_a_plan_in_force_says_so(client, world):
    client.force_login(world.people["senco"])
    response = client.get(f"/pupils/{world.pupil_in.pk}/progress/")
    assert response.status_code == 200 and "No plan is in force" in response.content.decode()


def test_the_pupil_panel_lists_outcomes_with_their_rating(rf, world):
    outcome = outcome_of(in_force_plan(world))
    add(world, outcome, rating=Rating.DEVELOPING)
    request = rf.get("/")
    request.staff = staff_context_for(world.people["ta"])
    panel = progress_panel(request, pupil=world.pupil_in)
    (row,) = panel.context["outcomes"]
    assert row.current_label == "Developing" and panel.context["can_add"]
    request.staff = staff_context_for(world.people["dsl"])
    assert progress_panel(request, pupil=world.pupil_in).context["can_add"] is False
    request.staff = staff_context_for(world.people["admin"])
    assert progress_panel(request, pupil=world.pupil_in) is None
    request.staff = staff_context_for(world.people["ta"])
    assert progress_panel(request, pupil=world.pupil_class) is None  # no plan in force


def test_ta_reaches_add_evidence_from_the_pupils_page(client, world, monkeypatch):
    from sendsupport import panels

    registered = panels._registries.get("pupil", [])
    if progress_panel not in registered:  # until the app registers it in its AppConfig
        monkeypatch.setitem(panels._registries, "pupil", [*registered, progress_panel])
    outcome = outcome_of(in_force_plan(world))
    add(world, outcome, rating=Rating.DEVELOPING)
    client.force_login(world.people["ta"])
    page = client.get(f"/pupils/{world.pupil_in.pk}/").content.decode()
    assert "Progress towards outcomes" in page and "Developing" in page
    assert f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/evidence/" in page


# --- files ----------------------------------------------------------------------------------------

def test_evidence_files_are_served_privately_and_the_read_is_logged(client, world):
    outcome = outcome_of(in_force_plan(world))
    evidence = add(world, outcome, files=[png('Amelia "best" work<1>.png')])
    stored = evidence.files.get()
    client.force_login(world.people["senco"])
    response = client.get(f"/pupils/{world.pupil_in.pk}/evidence-files/{stored.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="Amelia _best_ work_1.png"'
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    log = AccessLog.objects.get(action="evidence.file.view")
    assert (log.user, log.pupil) == (world.people["senco"], world.pupil_in)


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role,pupil_attr,read,add_status", [
    ("ta", "pupil_in", 200, 200),
    ("teacher", "pupil_class", 200, 200),
    ("senco", "pupil_in", 200, 200),
    ("dsl", "pupil_in", 200, 403),
    ("senior", "pupil_in", 200, 403),
    ("admin", "pupil_in", 403, 403),
    ("ta", "pupil_out", 404, 404),
    ("teacher", "pupil_in", 404, 404),
    ("other_ta", "pupil_in", 404, 404),
    ("ta", "pupil_other_school", 404, 404),
    ("other_school_senco", "pupil_in", 404, 404),
])
def test_who_may_read_and_add_evidence(client, world, role, pupil_attr, read, add_status):
    pupil = getattr(world, pupil_attr)
    outcome = outcome_of(in_force_plan(world, pupil))
    stored = add(world, outcome, by="other_school_senco" if pupil.school_id != world.school.pk else "senco",
                 files=[png()]).files.get()
    client.force_login(world.people[role])
    base = f"/pupils/{pupil.pk}"
    assert client.get(f"{base}/outcomes/{outcome.pk}/").status_code == read
    assert client.get(f"{base}/progress/").status_code == read
    assert client.get(f"{base}/evidence-files/{stored.pk}/").status_code == read
    assert client.get(f"{base}/outcomes/{outcome.pk}/evidence/").status_code == add_status
    before = ProgressEvidence.objects.count()
    response = post_evidence(client, pupil, outcome)
    assert response.status_code == (302 if add_status == 200 else add_status)
    assert ProgressEvidence.objects.count() == before + (1 if add_status == 200 else 0)
    if read == 200:
        page = client.get(f"{base}/outcomes/{outcome.pk}/").content.decode()
        assert (f"{base}/outcomes/{outcome.pk}/evidence/" in page) == (add_status == 200)


def test_another_pupils_outcome_or_file_under_this_pupil_is_not_found(client, world):
    mine = outcome_of(in_force_plan(world, world.pupil_in))
    theirs = outcome_of(in_force_plan(world, world.pupil_class))
    their_file = add(world, theirs, by="senco", files=[png()]).files.get()
    add(world, mine, by="senco")
    client.force_login(world.people["senco"])  # may see both pupils
    base = f"/pupils/{world.pupil_in.pk}"
    assert client.get(f"{base}/outcomes/{theirs.pk}/").status_code == 404
    assert client.get(f"{base}/outcomes/{theirs.pk}/evidence/").status_code == 404
    assert post_evidence(client, world.pupil_in, theirs).status_code == 404
    assert client.get(f"{base}/evidence-files/{their_file.pk}/").status_code == 404
    assert client.get(f"/pupils/{world.pupil_class.pk}/evidence-files/{their_file.pk}/").status_code == 200
    assert ProgressEvidence.objects.filter(pupil=world.pupil_in).count() == 1


# --- fixed number of queries ----------------------------------------------------------------------

def grow(world, outcomes, per_outcome, *, with_files=True):
    for outcome in outcomes:
        for i in range(per_outcome):
            add(world, outcome, rating=i % 5, on=timezone.localdate() - timedelta(days=i),
                target=outcome.targets.first() if i % 2 else None, files=[png()] if with_files else ())


def test_outcome_page_query_count_is_flat(client, world, django_assert_num_queries):
    outcome = outcome_of(in_force_plan(world, targets=3))
    client.force_login(world.people["ta"])
    for per_outcome in (1, 12):
        grow(world, [outcome], per_outcome)
        client.get("/")  # the session's MFA flag
        # session, user, membership+school, pupil (+class, school), outcome+plan, access-log insert,
        # evidence with recorder/target/outcome/plan, their files, targets,
        # session save (savepoint, update, release)
        with django_assert_num_queries(12):
            assert client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/").status_code == 200


def test_progress_page_query_count_is_flat(client, world, django_assert_num_queries):
    plan = in_force_plan(world, outcomes=2)
    client.force_login(world.people["senco"])
    for extra_outcomes, per_outcome in ((0, 1), (8, 6)):
        for i in range(extra_outcomes):
            Outcome.objects.create(plan=plan, area_of_need=["ci", "semh", "sp"][i % 3], text=f"More {i}")
        grow(world, plan.outcomes.all(), per_outcome, with_files=False)
        client.get("/")
        # session, user, membership+school, pupil, access-log insert, plan in force,
        # outcomes annotated with rating/latest/count, session save (savepoint, update, release)
        with django_assert_num_queries(10):
            assert client.get(f"/pupils/{world.pupil_in.pk}/progress/").status_code == 200


def test_add_form_query_count_is_flat(client, world, django_assert_num_queries):
    outcome = outcome_of(in_force_plan(world, targets=2))
    client.force_login(world.people["ta"])
    for per_outcome in (1, 10):
        grow(world, [outcome], per_outcome, with_files=False)
        client.get("/")
        # session, user, membership+school, pupil, outcome+plan (in force), latest evidence, targets,
        # session save (savepoint, update, release)
        with django_assert_num_queries(10):
            assert client.get(f"/pupils/{world.pupil_in.pk}/outcomes/{outcome.pk}/evidence/").status_code == 200
