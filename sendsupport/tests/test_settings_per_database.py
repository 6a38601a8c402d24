"""Two databases served from one Redis keep their Celery queues and cache keys apart (a demo on a
developer's machine once had its worker send another demo database's queued emails)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _settings_for(database_url: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_TASK_DEFAULT_QUEUE", "CACHE_KEY_PREFIX")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="sendsupport.settings", SENDSUPPORT_DEMO="1")
    code = ("from django.conf import settings as s; "
            "print(s.CELERY_TASK_DEFAULT_QUEUE); print(s.CACHES['default']['KEY_PREFIX'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_queue_and_cache_prefix_follow_the_database():
    first = _settings_for("postgres://postgres@127.0.0.1:5432/sendsupport_one")
    second = _settings_for("postgres://postgres@127.0.0.1:5432/sendsupport_two")
    assert first == ["sendsupport.sendsupport_one", "sendsupport.sendsupport_one"]
    assert second[0] != first[0] and second[1] != first[1]
