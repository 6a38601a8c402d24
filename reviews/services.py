"""Evidence packs: starting one (a new version each time) or a batch, and the worker's side of a
pack's life: claim a lease, report progress (which renews the lease), finish or fail; and the
sweeper that requeues or fails a pack whose worker died (DECISIONS.md, Celery).

Every change of a pack's state is a conditional UPDATE on the row (status and lease token in the
WHERE clause), so two workers, a redelivered message and the sweeper can never both own a pack.
Each attempt stores its PDF under a name known beforehand (`attempt_file`), so when the pack
finishes (made or failed) the files of attempts that died before recording theirs are removed."""

import hashlib
import logging
import math
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from plans.models import AnnualReview, Plan, VersionStatus, add_months
from pupils.models import Pupil
from sendsupport import history
from sendsupport.notifications import notify
from sendsupport.sections import pack_sections

from .models import MAX_ATTEMPTS, EvidencePack, PackBatch

log = logging.getLogger(__name__)
Status = EvidencePack.Status
HELD = [AnnualReview.Status.HELD, AnnualReview.Status.REPORT_SENT]
BOOKED = [AnnualReview.Status.PLANNED, AnnualReview.Status.PAPERS_SENT]
FINAL_STEPS = ["Making the PDF", "Storing the file"]
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)  # database or storage away for a moment


def _seconds(name: str, default: float) -> float:
    # Environment, not settings: the worker tests shorten these for a worker process they start.
    return float(os.environ.get(name) or default)


def lease_seconds() -> float:
    return _seconds("SENDSUPPORT_PACK_LEASE_SECONDS", 300)


def queue_grace_seconds() -> float:
    """How long a queued pack may wait for a worker before the sweeper sends its message again."""
    return _seconds("SENDSUPPORT_PACK_QUEUE_GRACE_SECONDS", 15 * 60)


def step_delay_seconds() -> float:
    """Test hook: a pause at every step, so a test can kill the worker mid-pack. 0 in production."""
    return _seconds("SENDSUPPORT_PACK_TEST_STEP_DELAY", 0)


def stored_delay_seconds() -> float:
    """Test hook: a pause once the file is stored and before it is recorded, so a test can kill
    the worker there (the file is then on disk but no pack names it). 0 in production."""
    return _seconds("SENDSUPPORT_PACK_TEST_STORED_DELAY", 0)


class LeaseLost(Exception):
    """The sweeper gave this pack to another worker (our lease ran out): stop without writing."""


# --- the period a pack covers ---------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date
    review_date: date | None  # the review the pack is for: the one booked, else when it is due
    since_review: bool  # the period starts at the last annual review (else it is the last 12 months)


def default_periods(pupil_ids, *, today: date | None = None) -> dict[int, Period]:
    """For each pupil: since their last annual review held (else the last 12 months) up to today,
    and the date of the review the pack is for. Three queries whatever the number of pupils."""
    today = today or timezone.localdate()
    pupil_ids = list(pupil_ids)
    held = dict(AnnualReview.objects.filter(pupil_id__in=pupil_ids, status__in=HELD, meeting_date__lte=today)
                .values("pupil_id").annotate(last=Max("meeting_date")).values_list("pupil_id", "last"))
    booked = dict(AnnualReview.objects.filter(pupil_id__in=pupil_ids, status__in=BOOKED)
                  .values("pupil_id").annotate(next=Min("meeting_date")).values_list("pupil_id", "next"))
    plans = {p.pupil_id: p for p in Plan.objects.filter(pupil_id__in=pupil_ids, status=VersionStatus.IN_FORCE)}
    out = {}
    for pid in pupil_ids:
        plan = plans.get(pid)
        # The EHCP's own "date of last annual review" covers reviews held before the app was used.
        last = held.get(pid) or (plan.last_annual_review if plan and plan.is_ehcp else None)
        if last and last > today:
            last = None
        start = last or add_months(today, -12)
        out[pid] = Period(start=start, end=today, review_date=booked.get(pid) or (plan.next_review_due if plan else None),
                          since_review=last is not None)
    return out


def default_period(pupil: Pupil, *, today: date | None = None) -> Period:
    return default_periods([pupil.pk], today=today)[pupil.pk]


# --- starting packs -------------------------------------------------------------------------------

def _next_versions(pupil_ids) -> dict[int, int]:
    """Lock the pupils' rows so two people starting a pack at once get versions n and n+1."""
    list(Pupil.objects.select_for_update().filter(pk__in=pupil_ids).values_list("pk", flat=True))
    latest = dict(EvidencePack.objects.filter(pupil_id__in=pupil_ids).values("pupil_id")
                  .annotate(v=Max("version")).values_list("pupil_id", "v"))
    return {pid: (latest.get(pid) or 0) + 1 for pid in pupil_ids}


def _check_period(start: date, end: date, today: date) -> None:
    if start > end:
        raise ValidationError({"period_start": "The start of the period must be on or before its end."})
    if end > today:
        raise ValidationError({"period_end": "The period cannot end after today."})


def _enqueue(pack_ids) -> None:
    from .tasks import build_pack_task

    ids = list(pack_ids)
    transaction.on_commit(lambda: [build_pack_task.delay(pid) for pid in ids])


@transaction.atomic
def start_pack(*, pupil: Pupil, period_start: date, period_end: date, acting_user,
               review_date: date | None = None) -> EvidencePack:
    """A new version of the pupil's evidence pack, queued for a worker (the old versions stay)."""
    _check_period(period_start, period_end, timezone.localdate())
    if review_date is None:
        review_date = default_period(pupil).review_date
    with history.action(user=acting_user.pk, action="reviews.pack.start"):
        version = _next_versions([pupil.pk])[pupil.pk]
        pack = EvidencePack(school_id=pupil.school_id, pupil=pupil, version=version, period_start=period_start,
                            period_end=period_end, review_date=review_date, requested_by=acting_user,
                            steps_total=len(pack_sections()) + len(FINAL_STEPS),
                            lease_expires_at=timezone.now() + timedelta(seconds=queue_grace_seconds()))
        pack.full_clean()
        pack.save()
    _enqueue([pack.pk])
    return pack


def pupils_due_by(staff, due_by: date, *, today: date | None = None) -> list[Pupil]:
    """Pupils this person may see whose review is due (or booked, or overdue) on or before `due_by`,
    from the plans app's reviews-due list; each pupil once, soonest first."""
    from plans.selectors_reviews import reviews_due

    today = today or timezone.localdate()
    weeks = max(0, math.ceil((due_by - today).days / 7))
    seen, out = set(), []
    for item in reviews_due(staff, weeks=weeks, today=today):
        if item.sort_date <= due_by and item.pupil.pk not in seen:
            seen.add(item.pupil.pk)
            out.append(item.pupil)
    return out


@transaction.atomic
def start_batch(*, staff, due_by: date, acting_user) -> PackBatch:
    """A pack for every pupil with a review due by `due_by`, each from its own default period."""
    pupils = pupils_due_by(staff, due_by)
    if not pupils:
        raise ValidationError({"due_by": "No pupil you can see has a review due by that date."})
    periods = default_periods([p.pk for p in pupils])
    now = timezone.now()
    with history.action(user=acting_user.pk, action="reviews.batch.start"):
        batch = PackBatch.objects.create(school=staff.school, due_by=due_by, requested_by=acting_user)
        versions = _next_versions([p.pk for p in pupils])
        steps_total = len(pack_sections()) + len(FINAL_STEPS)
        packs = EvidencePack.objects.bulk_create([
            EvidencePack(school=staff.school, pupil=p, batch=batch, version=versions[p.pk],
                         period_start=periods[p.pk].start, period_end=periods[p.pk].end,
                         review_date=periods[p.pk].review_date, requested_by=acting_user, steps_total=steps_total,
                         lease_expires_at=now + timedelta(seconds=queue_grace_seconds()))
            for p in pupils
        ])
    _enqueue([p.pk for p in packs])
    return batch


# --- the worker's side ----------------------------------------------------------------------------

def claim_pack(pack_id: int) -> uuid.UUID | None:
    """Take the pack for this worker: only a queued pack, or a running one whose lease ran out
    (its worker died before the sweeper noticed). None when it is done, failed or owned by a live
    worker: a redelivered or duplicate message then does nothing."""
    now, token = timezone.now(), uuid.uuid4()
    with history.action(action="reviews.pack.claim"):
        claimed = (EvidencePack.objects.filter(pk=pack_id)
                   .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now))
                   .update(status=Status.RUNNING, lease_token=token, attempts=F("attempts") + 1,
                           lease_expires_at=now + timedelta(seconds=lease_seconds()), heartbeat_at=now,
                           started_at=now, steps_done=0, step="Starting", failure_reason=""))
    return token if claimed else None


def report_progress(pack_id: int, token: uuid.UUID, *, step: str | None = None, steps_done: int | None = None) -> None:
    """Record the step and renew the lease; raise LeaseLost if the pack is no longer ours."""
    now = timezone.now()
    fields = {"lease_expires_at": now + timedelta(seconds=lease_seconds()), "heartbeat_at": now}
    if step is not None:
        fields.update(step=step, steps_done=steps_done)
    if not EvidencePack.objects.filter(pk=pack_id, status=Status.RUNNING, lease_token=token).update(**fields):
        raise LeaseLost(pack_id)


class Heartbeat:
    """Renews the lease from a thread while one long step (the PDF render) runs, so a live worker
    keeps its pack however long the render takes and a dead one loses it within a lease."""

    def __init__(self, pack_id: int, token: uuid.UUID):
        self.pack_id, self.token = pack_id, token
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"pack-{pack_id}-heartbeat")

    def _run(self):
        try:
            while not self.stop.wait(lease_seconds() / 3):
                try:
                    report_progress(self.pack_id, self.token)
                except LeaseLost:
                    return
        finally:
            connection.close()  # the thread's own connection

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def _finish(pack_id: int, token: uuid.UUID | None, **fields) -> bool:
    qs = EvidencePack.objects.filter(pk=pack_id, status__in=[Status.QUEUED, Status.RUNNING])
    if token is not None:
        qs = qs.filter(lease_token=token, status=Status.RUNNING)
    return bool(qs.update(lease_token=None, lease_expires_at=None, finished_at=timezone.now(), **fields))


def fail_pack(*, pack_id: int, reason: str, token: uuid.UUID | None = None) -> bool:
    """Mark the pack failed with a reason the SENCo can read (they can start it again)."""
    with history.action(action="reviews.pack.fail"):
        failed = _finish(pack_id, token, status=Status.FAILED, failure_reason=reason, step="")
    if failed:
        _after_finish(pack_id)
    return failed


def release_pack(*, pack_id: int, token: uuid.UUID) -> bool:
    """Give a running pack back to the queue (a transient error: the task retries it)."""
    with history.action(action="reviews.pack.release"):
        return bool(EvidencePack.objects.filter(pk=pack_id, status=Status.RUNNING, lease_token=token).update(
            status=Status.QUEUED, lease_token=None, step="Waiting to try again",
            lease_expires_at=timezone.now() + timedelta(seconds=queue_grace_seconds())))


def _pause(seconds: float | None = None):
    seconds = step_delay_seconds() if seconds is None else seconds
    if seconds:
        import time

        time.sleep(seconds)


# --- the pack's file ------------------------------------------------------------------------------

def attempt_file(pack: EvidencePack, attempt: int) -> str:
    """Where attempt n of a pack stores its PDF. The name is known from the row alone, before
    anything is written, so whatever a killed attempt left (a partial file, or a whole one it
    died before recording) is found and removed when the pack finishes. Each attempt has its own
    name: a worker that lost its lease but is still running can't overwrite the recorded file.
    The pack's creation time keeps names apart if a database is rebuilt over old files."""
    return (f"private/packs/{pack.school_id}/{pack.pupil_id}/"
            f"pack-{pack.pk}-v{pack.version}-{pack.created_at:%Y%m%dT%H%M%S%f}-attempt{attempt}.pdf")


def _remove_file(pack_id: int, name: str) -> None:
    try:
        default_storage.delete(name)  # nothing there is fine: most attempts never got so far
    except OSError:
        log.exception("evidence pack %s: could not remove %s", pack_id, name)


def _remove_stray_files(pack: EvidencePack) -> None:
    """Remove every attempt's file except the one the pack records (none, when it failed). Run when
    the pack finishes, made or failed: the attempts before it can no longer be recorded."""
    for attempt in range(1, pack.attempts + 1):
        if (name := attempt_file(pack, attempt)) != pack.file:
            _remove_file(pack.pk, name)


def build_pack(*, pack_id: int) -> str:
    """Make the pack's PDF and store it. Returns "ready", or "skipped" when there was nothing to do
    (already made, failed, or another worker owns it). Transient errors (database, storage) give the
    pack back to the queue and propagate for the task to retry; any other error fails the pack."""
    from .render import pack_html, pack_title, render_pdf

    token = claim_pack(pack_id)
    if token is None:
        return "skipped"
    pack = EvidencePack.objects.select_related("pupil__school", "requested_by").get(pk=pack_id)
    if pack.lease_token != token:  # lost between the claim and the read: `attempts` isn't ours
        return "skipped"
    name = attempt_file(pack, pack.attempts)
    stored = False
    sections = pack_sections()
    steps = iter(range(len(sections)))

    def on_section(title):
        report_progress(pack_id, token, step=f"Gathering: {title}", steps_done=next(steps))
        _pause()

    try:
        with Heartbeat(pack_id, token):
            html = pack_html(pack, on_section=on_section)
            report_progress(pack_id, token, step=FINAL_STEPS[0], steps_done=len(sections))
            _pause()
            pdf, pages = render_pdf(html, title=pack_title(pack))
            report_progress(pack_id, token, step=FINAL_STEPS[1], steps_done=len(sections) + 1)
            _pause()
            digest = hashlib.sha256(pdf).hexdigest()
            stored = True  # from here a file may exist, partial if the write fails
            name = default_storage.save(name, ContentFile(pdf))  # the storage's name, should that one be taken
            _pause(stored_delay_seconds())
        with history.action(user=pack.requested_by_id, action="reviews.pack.ready"):
            done = _finish(pack_id, token, status=Status.READY, file=name, sha256=digest, size=len(pdf),
                           page_count=pages, step="", steps_done=pack.steps_total)
        if not done:
            raise LeaseLost(pack_id)
    except LeaseLost:
        log.warning("evidence pack %s: lease lost, another worker has it", pack_id)
        if stored:  # never recorded; the pack's finish may already have tidied up before we wrote it
            _remove_file(pack_id, name)
        return "skipped"
    except TRANSIENT_ERRORS:
        _give_back_or_fail(pack_id, token)
        raise
    except Exception as exc:  # a section or the renderer broke: tell the SENCo, don't retry for ever
        log.exception("evidence pack %s failed", pack_id)
        fail_pack(pack_id=pack_id, token=token,
                  reason=f"The PDF could not be made ({type(exc).__name__}). Try again; if it fails again, "
                         "tell your system administrator.")
        return "failed"
    _after_finish(pack_id)
    return "ready"


def _give_back_or_fail(pack_id: int, token: uuid.UUID) -> None:
    try:
        attempts = EvidencePack.objects.filter(pk=pack_id).values_list("attempts", flat=True).first() or 0
        if attempts >= MAX_ATTEMPTS:
            fail_pack(pack_id=pack_id, token=token, reason=_gave_up_reason(attempts))
        else:
            release_pack(pack_id=pack_id, token=token)
    except TRANSIENT_ERRORS:
        log.exception("evidence pack %s: could not release it; the sweeper will", pack_id)


def _gave_up_reason(attempts: int) -> str:
    return (f"The pack could not be made after {attempts} attempts (the server was busy or restarting). "
            "Start it again; if it fails again, tell your system administrator.")


def _after_finish(pack_id: int) -> None:
    """Remove the files of the pack's lost attempts, then tell the person who asked: for a single pack,
    now; for a batch, once, when its last pack finished (each finisher checks after its own commit,
    so the last to commit always sees them all)."""
    pack = EvidencePack.objects.select_related("school", "requested_by").get(pk=pack_id)
    _remove_stray_files(pack)
    if pack.batch_id is None:
        if pack.status == Status.READY:
            notify(users=[pack.requested_by], school=pack.school, subject="Evidence pack ready",
                   body=f"Version {pack.version} of the evidence pack you asked for is ready to download.",
                   url=reverse("reviews:pack_detail", args=[pack.pk]))
        else:
            notify(users=[pack.requested_by], school=pack.school, subject="Evidence pack failed",
                   body=pack.failure_reason, url=reverse("reviews:pack_detail", args=[pack.pk]))
        return
    if EvidencePack.objects.filter(batch_id=pack.batch_id, status__in=[Status.QUEUED, Status.RUNNING]).exists():
        return
    if PackBatch.objects.filter(pk=pack.batch_id, notified_at__isnull=True).update(notified_at=timezone.now()):
        counts = {s: 0 for s in Status.values}
        for status in EvidencePack.objects.filter(batch_id=pack.batch_id).values_list("status", flat=True):
            counts[status] += 1
        failed = f"; {counts[Status.FAILED]} failed" if counts[Status.FAILED] else ""
        notify(users=[pack.requested_by], school=pack.school, subject="Evidence packs ready",
               body=f"{counts[Status.READY]} evidence packs are ready{failed}.",
               url=reverse("reviews:batch_detail", args=[pack.batch_id]))


# --- the sweeper ----------------------------------------------------------------------------------

@dataclass
class SweepResult:
    requeued: list[int]
    failed: list[int]
    resent: list[int]


def sweep_pack_jobs(*, now=None) -> SweepResult:
    """Run every minute by Celery beat. A running pack whose lease ran out lost its worker (killed,
    out of memory, machine restarted): requeue it, or fail it after MAX_ATTEMPTS. A queued pack that
    waited past its grace had its message lost: send it again (a duplicate does nothing)."""
    now = now or timezone.now()
    expired = EvidencePack.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    failed = []
    for pack_id, attempts in expired.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", "attempts"):
        with history.action(action="reviews.pack.sweep"):
            if (EvidencePack.objects.filter(pk=pack_id, status=Status.RUNNING, lease_expires_at__lt=now)
                    .update(status=Status.FAILED, failure_reason=_gave_up_reason(attempts), finished_at=now,
                            lease_token=None, lease_expires_at=None, step="")):
                failed.append(pack_id)
    for pack_id in failed:
        _after_finish(pack_id)
    requeued = []
    grace = now + timedelta(seconds=queue_grace_seconds())
    for pack_id in expired.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        with history.action(action="reviews.pack.sweep"):
            if (EvidencePack.objects.filter(pk=pack_id, status=Status.RUNNING, lease_expires_at__lt=now)
                    .update(status=Status.QUEUED, lease_token=None, lease_expires_at=grace,
                            step="Waiting for a worker (the last one stopped)")):
                requeued.append(pack_id)
    resent = []
    for pack_id in (EvidencePack.objects.filter(status=Status.QUEUED, lease_expires_at__lt=now)
                    .values_list("pk", flat=True)):
        if EvidencePack.objects.filter(pk=pack_id, status=Status.QUEUED, lease_expires_at__lt=now).update(
                lease_expires_at=grace):
            resent.append(pack_id)
    _enqueue(requeued + resent)
    return SweepResult(requeued=requeued, failed=failed, resent=resent)


def read_pack_file(pack: EvidencePack) -> bytes:
    """The stored PDF, checked against the SHA-256 taken when it was made."""
    with default_storage.open(pack.file, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != pack.sha256:
        raise PackFileAltered(pack.pk)
    return data


class PackFileAltered(Exception):
    """A stored pack's file no longer matches its SHA-256."""
