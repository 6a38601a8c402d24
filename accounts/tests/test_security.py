"""2FA enforcement, login lockout, idle sessions and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.factories import DEMO_PASSWORD, MembershipFactory, UserFactory
from conftest import totp_code

ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, user, password=DEMO_PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def test_senco_signs_in_with_password_then_authenticator_code(world):
    client = Client()
    response = sign_in(client, world.people["senco"])
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert client.get("/pupils/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and b"Incorrect code" in wrong.content
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.get("/pupils/").status_code == 200


@pytest.mark.parametrize("role", ["senco", "dsl", "senior", "admin"])
def test_roles_with_sensitive_access_must_enrol_2fa(db, role):
    from accounts.factories import SchoolFactory

    user = UserFactory()
    MembershipFactory(school=SchoolFactory(), user=user, roles=[role])
    client = Client()
    client.force_login(user)
    response = client.get("/pupils/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_someone_allowed_to_edit_plans_must_enrol_2fa(client, world):
    world.people["teacher"].memberships.update(can_edit_plans=True)
    client.force_login(world.people["teacher"])
    response = client.get("/pupils/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]


def test_ta_may_skip_2fa_unless_the_school_requires_it(client, world):
    client.force_login(world.people["ta"])
    assert client.get("/pupils/").status_code == 200
    world.school.require_2fa_for_all = True
    world.school.save()
    response = client.get("/pupils/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]


def test_repeated_wrong_passwords_lock_the_account(world):
    from axes.models import AccessAttempt

    client = Client()
    ta = world.people["ta"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, ta, password="wrong-password")
    response = sign_in(client, ta)  # the right password, too late
    assert response.status_code in (200, 429) and b"Too many failed" in response.content
    assert client.get("/pupils/").status_code == 302  # not signed in
    assert AccessAttempt.objects.filter(username=ta.email).exists()  # kept as evidence


def test_sessions_end_after_a_short_idle_time():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_a_used_session_is_kept_alive_but_written_at_most_once_a_minute(client, world, settings):
    """Production refreshes the idle timer once a minute at most (tests refresh on every request)."""
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from sendsupport.middleware import IdleSessionMiddleware

    settings.SESSION_REFRESH_SECONDS = 60
    client.force_login(world.people["ta"])
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    assert client.get("/").status_code == 200  # the first use after signing in starts the timer
    first = expiry()
    assert first > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)
    assert client.get("/pupils/").status_code == 200
    assert expiry() == first  # used again within the minute: not written
    session = client.session
    session[IdleSessionMiddleware.KEY] -= 61  # as if that use was over a minute ago
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=2))
    assert client.get("/pupils/").status_code == 200
    assert expiry() > first  # written: a full idle time from now again
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/pupils/")  # left idle past its end: signed out
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_send_a_strict_content_security_policy(client, world):
    client.force_login(world.people["ta"])
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def run_django(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDSUPPORT_", "DJANGO_"))}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "sendsupport.settings",
    "SECRET_KEY": "p" * 20 + "-production-secret-for-check-only-" + "q" * 20,
    "ALLOWED_HOSTS": "send.example-trust.org.uk",
}


def test_production_settings_pass_check_deploy():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("extra,message", [
    ({"SENDSUPPORT_DEMO": "1"}, "SENDSUPPORT_DEMO is for localhost only"),
    ({"SENDSUPPORT_DEMO_SKIP_MFA": "1"}, "only allowed with SENDSUPPORT_DEMO=1"),
    ({"SECRET_KEY": ""}, "Set SECRET_KEY"),
])
def test_production_refuses_demo_settings(extra, message):
    result = run_django({**PRODUCTION, **extra}, "check", "--deploy")
    assert result.returncode != 0 and message in result.stderr + result.stdout


def test_no_secret_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.startswith("var/") or f.endswith((".env", "secret_key"))]


def test_the_web_server_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDSUPPORT_", "DJANGO_"))}
    env.update({**PRODUCTION, "SECRET_KEY": ""})
    result = subprocess.run([sys.executable, "-c", "import sendsupport.wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr
