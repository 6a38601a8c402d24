"""No orphan pack files: each attempt at a pack stores its PDF under a name known before it writes
(services.attempt_file), so a file left by an attempt that died before recording it (partial or
whole) never outlives the pack: when the pack is made, or failed for good, every other attempt's
file is removed. A real worker killed right after storing its file is in test_pack_worker.py."""

import os
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from reviews import services
from reviews.models import MAX_ATTEMPTS, EvidencePack

from .test_packs import history, make, media  # noqa: F401 (fixtures)

Status = EvidencePack.Status


def files_of(pack) -> list[str]:
    folder = f"private/packs/{pack.school_id}/{pack.pupil_id}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def killed_while_storing(pack) -> str:
    """What a worker killed while storing leaves: the pack claimed by it, a half-written file that no
    pack names, and a lease no heartbeat renews any more."""
    assert services.claim_pack(pack.pk)
    pack.refresh_from_db()
    name = default_storage.save(services.attempt_file(pack, pack.attempts), ContentFile(b"%PDF-1.7\nhalf a pack"))
    EvidencePack.objects.filter(pk=pack.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    return name


def test_the_attempt_that_makes_the_pack_removes_a_killed_attempts_file(
        world, history, django_capture_on_commit_callbacks):  # noqa: F811
    pack = make(world)  # queued; its message isn't run here (no on-commit capture)
    orphan = killed_while_storing(pack)
    assert files_of(pack) == [os.path.basename(orphan)]

    with django_capture_on_commit_callbacks(execute=True):  # the sweeper requeues it; attempt 2 runs
        assert services.sweep_pack_jobs().requeued == [pack.pk]
    pack.refresh_from_db()
    assert pack.status == Status.READY and pack.attempts == 2, pack.failure_reason
    assert pack.file == services.attempt_file(pack, 2)
    assert not default_storage.exists(orphan)
    assert files_of(pack) == [os.path.basename(pack.file)]
    assert services.read_pack_file(pack).startswith(b"%PDF-")  # the recorded one is whole and matches


def test_a_pack_failed_after_its_last_attempt_keeps_no_file(world, history):  # noqa: F811
    pack = make(world)
    orphans = [killed_while_storing(pack) for _ in range(MAX_ATTEMPTS)]
    assert len(files_of(pack)) == MAX_ATTEMPTS

    assert services.sweep_pack_jobs().failed == [pack.pk]
    pack.refresh_from_db()
    assert pack.status == Status.FAILED and not pack.file
    assert files_of(pack) == [] and not any(default_storage.exists(name) for name in orphans)


def test_a_worker_that_lost_its_lease_after_storing_removes_its_own_file(world, history, monkeypatch):  # noqa: F811
    pack = make(world)
    real_save = default_storage.save

    def stored_then_swept(name, content, **kw):
        stored = real_save(name, content, **kw)
        # The worker was too slow: the sweeper gave the pack back to the queue as it stored its file.
        EvidencePack.objects.filter(pk=pack.pk).update(status=Status.QUEUED, lease_token=None)
        return stored

    monkeypatch.setattr(default_storage, "save", stored_then_swept)
    assert services.build_pack(pack_id=pack.pk) == "skipped"
    pack.refresh_from_db()
    assert pack.status == Status.QUEUED and not pack.file
    assert not default_storage.exists(services.attempt_file(pack, 1)) and files_of(pack) == []
