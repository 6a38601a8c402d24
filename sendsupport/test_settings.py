"""Test settings: the real PostgreSQL and Redis, console email, fast password hashing."""

import os

os.environ.setdefault("SENDSUPPORT_TESTING", "1")
# Tests exercise production behaviour (2FA enforced) even from a shell where the demo is set.
os.environ["SENDSUPPORT_DEMO"] = "0"
os.environ["SENDSUPPORT_DEMO_SKIP_MFA"] = "0"
os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")

from .settings import *  # noqa: E402,F403

EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
CACHES["default"]["KEY_PREFIX"] = f"sendsupport-test-{os.getpid()}"  # noqa: F405 (xdist workers share Redis)
AXES_ENABLED = True
# Pinned query counts include the session's refresh on every request, as before it was throttled;
# accounts/tests/test_security.py tests the throttle itself.
SESSION_REFRESH_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") == "1"  # one test runs a real worker (tests/test_celery_worker.py)
