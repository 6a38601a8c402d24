"""Real Celery workers on the real Redis with real WeasyPrint: one makes a pack whose PDF text and
page count are checked; another is killed (SIGKILL) in the middle of a pack, and the sweeper and a
new worker bring the pack back: no half-made file is ever served and no pack stays "running"; a
third is killed just after storing its file, and that file is gone once the next attempt made the pack.

Workers are started as tests/test_celery_worker.py does, on a queue of their own. The kill is made
deterministic by the test hooks SENDSUPPORT_PACK_TEST_STEP_DELAY (a pause at each step) and
SENDSUPPORT_PACK_TEST_STORED_DELAY (a pause once the file is stored), and a short lease
(SENDSUPPORT_PACK_LEASE_SECONDS), all read from the worker's environment."""

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import EvidencePack
from reviews.tasks import build_pack_task
from reviews.tests.test_packs import history, media, pdf_pages, pdf_text  # noqa: F401 (fixtures)
from sendsupport.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
Status = EvidencePack.Status
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers(tmp_path, media):  # noqa: F811
    """start(**env) starts a real worker on this test's own queue; all are stopped at the end."""
    queue = f"test-packs-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    started = []

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sendsupport.test_settings",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                            f"{db['PORT'] or 5432}/{db['NAME']}",
            "TEST_CELERY_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": queue,  # the "pack ready" email stays on this test's queue
            "MEDIA_ROOT": str(media),
            **{k: str(v) for k, v in extra_env.items()},
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sendsupport", "worker", "-Q", queue, "--pool", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        started.append((worker, log))
        return worker

    old = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        for worker, log in started:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            log.close()


def wait_for(predicate, timeout=120, what="the pack"):
    deadline = time.monotonic() + timeout  # a bound, not a timing assertion
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def start(world):
    return services.start_pack(pupil=world.pupil_in, period_start=timezone.localdate().replace(day=1),
                               period_end=timezone.localdate(), acting_user=world.people["senco"])


def stored(pack) -> bytes:
    with default_storage.open(pack.file) as f:
        return f.read()


def test_a_real_worker_makes_the_pdf(workers, world, history):  # noqa: F811
    workers()
    pack = start(world)  # enqueued on commit (no outer transaction here)
    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, status__in=[Status.READY, Status.FAILED]).exists())
    pack.refresh_from_db()
    assert pack.status == Status.READY, pack.failure_reason
    data = stored(pack)
    assert hashlib.sha256(data).hexdigest() == pack.sha256
    assert pdf_pages(data) == pack.page_count >= 3
    text = pdf_text(data)
    assert "CONFIDENTIAL" in text and world.pupil_in.display_name in text and world.pupil_in.upn in text
    assert "Contents" in text and "Interventions and therapy programmes" in text
    assert "Isla" not in text and "Morgan" not in text  # the group peer, never named
    # Other pupils named in her target by first, preferred and full name, replaced and counted on the cover.
    assert "Amelia will take turns with another pupil and another pupil. Another pupil will watch." in text
    assert "Oliver" not in text and "Mo." not in text
    assert "names of other pupils typed in records were replaced that way" in " ".join(text.split())


def test_a_worker_killed_mid_pack_is_recovered(client, workers, world, history):  # noqa: F811
    doomed = workers(SENDSUPPORT_PACK_TEST_STEP_DELAY=1.5, SENDSUPPORT_PACK_LEASE_SECONDS=4)
    pack = start(world)
    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, status=Status.RUNNING, steps_done__gte=1).exists(),
             what="the worker to be part-way through")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)

    pack.refresh_from_db()
    assert pack.status == Status.RUNNING and pack.attempts == 1 and not pack.file
    client.force_login(world.people["senco"])
    assert client.get(reverse("reviews:pack_download", args=[pack.pk])).status_code == 404  # nothing half-made

    # The dead worker's lease runs out (no heartbeat any more); until then the sweeper leaves it alone.
    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, lease_expires_at__lt=timezone.now()).exists(),
             timeout=30, what="the lease to run out")
    result = services.sweep_pack_jobs()
    assert result.requeued == [pack.pk]
    assert EvidencePack.objects.get(pk=pack.pk).status == Status.QUEUED

    workers()  # a fresh worker takes the requeued message
    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, status__in=[Status.READY, Status.FAILED]).exists())
    pack.refresh_from_db()
    assert pack.status == Status.READY and pack.attempts == 2, pack.failure_reason
    data = stored(pack)
    assert hashlib.sha256(data).hexdigest() == pack.sha256 and data.startswith(b"%PDF-")
    assert world.pupil_in.display_name in pdf_text(data)
    response = client.get(reverse("reviews:pack_download", args=[pack.pk]))
    assert response.status_code == 200 and response.content == data

    # The killed worker's own message comes back after the broker's visibility timeout: it does nothing.
    assert build_pack_task.apply(args=[pack.pk]).get() == "skipped"
    assert EvidencePack.objects.get(pk=pack.pk).attempts == 2


def test_a_file_left_by_a_worker_killed_while_storing_does_not_outlive_the_pack(
        workers, world, history, media):  # noqa: F811
    # No pause until the file is stored, then a long one: the kill lands after the write, before the
    # row names the file (the worst case: a whole PDF on disk that no pack records).
    doomed = workers(SENDSUPPORT_PACK_TEST_STORED_DELAY=60, SENDSUPPORT_PACK_LEASE_SECONDS=4)
    pack = start(world)
    first = services.attempt_file(pack, 1)
    wait_for(lambda: default_storage.exists(first), what="the worker to store its file")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    pack.refresh_from_db()
    assert pack.status == Status.RUNNING and not pack.file and default_storage.exists(first)

    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, lease_expires_at__lt=timezone.now()).exists(),
             timeout=30, what="the lease to run out")
    assert services.sweep_pack_jobs().requeued == [pack.pk]
    workers()  # the next attempt makes the pack and removes the killed attempt's file
    wait_for(lambda: EvidencePack.objects.filter(pk=pack.pk, status__in=[Status.READY, Status.FAILED]).exists())
    pack.refresh_from_db()
    assert pack.status == Status.READY and pack.attempts == 2, pack.failure_reason
    assert pack.file == services.attempt_file(pack, 2) and not default_storage.exists(first)
    folder = Path(media) / "private" / "packs" / str(pack.school_id) / str(pack.pupil_id)
    assert [p.name for p in folder.iterdir()] == [Path(pack.file).name]
