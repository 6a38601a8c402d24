"""A real Celery worker, on the real Redis, delivers the invitation email that a service enqueues
after its transaction commits."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import invite_staff
from sendsupport.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def real_worker(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sendsupport.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
        "TEST_CELERY_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what it queues itself stays on its queue too
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sendsupport", "worker", "-Q", queue, "--pool", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    old = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    try:
        yield tmp_path
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_the_invitation(real_worker, world):
    if not settings.CELERY_BROKER_URL:
        pytest.fail("no broker configured")
    invite_staff(school=world.school, email="worker.test@oakfield.example", full_name="Worker Test", roles=["ta"],
                 job_title="", acting_user=world.people["admin"], base_url="http://testserver")
    deadline = time.monotonic() + 60  # a bound, not a timing assertion
    while time.monotonic() < deadline and not any(real_worker.iterdir()):
        time.sleep(0.25)
    sent = "".join(p.read_text() for p in real_worker.iterdir())
    assert "worker.test@oakfield.example" in sent and "/staff/invite/" in sent
