#!/usr/bin/env python3
"""Start the whole of SEND Support on this machine: ``python3 scripts/start.py``.

Bootstraps (system libraries, .venv, requirements), chooses PostgreSQL and Redis (see
scripts/services.py and docs/setup.md), prepares the database and static files, seeds the demo,
then runs gunicorn, a Celery worker and Celery beat until Ctrl-C / SIGTERM, and stops
everything it started, embedded PostgreSQL and Redis included.

    python3 scripts/start.py            run until Ctrl-C (PORT=8000 by default)
    python3 scripts/start.py --check    start, check the login page and a Celery ping, stop
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap  # noqa: E402  (stdlib only; may re-exec this script inside .venv)

if __name__ == "__main__":
    bootstrap.ensure(tests=False)

import argparse  # noqa: E402
import ctypes  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

import services  # noqa: E402

ROOT = bootstrap.ROOT
PYTHON = sys.executable
LOGIN_PATH = "/accounts/login/"
STOP_GRACE_SECONDS = 20  # for gunicorn / celery to finish what they are doing
READY_TIMEOUT_SECONDS = 180


def emit(text: str, stream=None) -> None:
    """Print, but never let a closed terminal or pipe (EPIPE) stop the cleanup."""
    try:
        print(text, file=stream or sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def log(message: str) -> None:
    emit(f"[start] {message}")


class Stopping(Exception):
    """A stop was asked for (signal) or something we depend on died."""


class Launcher:
    def __init__(self, port: int):
        self.port = port
        self.stop_signal: int | None = None
        self.children: list[tuple[str, subprocess.Popen]] = []
        self._libc = ctypes.CDLL(None, use_errno=True)

    # --- signals ------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
            emit(f"\n[start] {signal.Signals(signum).name}: stopping everything...")
        else:
            emit("[start] already stopping, please wait")

    def check_stop(self) -> None:
        if self.stop_signal is not None:
            raise Stopping(f"stopped by {signal.Signals(self.stop_signal).name}")

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_stop()
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        self.check_stop()

    # --- children -----------------------------------------------------------------------------

    def _preexec(self) -> None:
        # Runs in the child: if this launcher dies without cleaning up (SIGKILL), the child
        # gets SIGTERM instead of living on. PR_SET_PDEATHSIG = 1.
        self._libc.prctl(1, signal.SIGTERM, 0, 0, 0)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Start ``argv`` in its own session / process group (so Ctrl-C reaches only us)."""
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=self._preexec,
        )
        self.children.append((name, proc))
        return proc

    def run(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        """Run a preparation command to completion; stop it if we are asked to stop."""
        log(f"{name}: {shown_command(argv)}")
        proc = self.spawn(name, argv, env)
        try:
            while proc.poll() is None:
                self.sleep(0.2)
        finally:
            if proc.poll() is None:
                self.terminate([(name, proc)])
            self.children.remove((name, proc))
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed with exit code {proc.returncode}")

    def check_children(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                raise Stopping(f"{name} exited unexpectedly with code {proc.returncode}")

    def terminate(self, children: list[tuple[str, subprocess.Popen]] | None = None) -> None:
        """SIGTERM each group leader, wait, then SIGKILL whatever is left in each group."""
        children = self.children if children is None else children
        for name, proc in children:
            if proc.poll() is None:
                log(f"stopping {name} (pid {proc.pid})")
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for _name, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for name, proc in children:
            # The leader is gone (or hung); kill stragglers in its process group
            # (gunicorn workers, celery pool processes).
            if _group_alive(proc.pid) or proc.poll() is None:
                log(f"killing what is left of {name} (process group {proc.pid})")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    log(f"{name} (pid {proc.pid}) did not die")
        for _name, proc in children:
            end = time.monotonic() + 5
            while _group_alive(proc.pid) and time.monotonic() < end:
                time.sleep(0.1)

    # --- readiness ----------------------------------------------------------------------------

    def wait_for_login_page(self) -> None:
        url = f"http://127.0.0.1:{self.port}{LOGIN_PATH}"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        last_error = ""
        while time.monotonic() < deadline:
            self.check_children()
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            self.sleep(0.5)
        raise RuntimeError(f"{url} did not answer 200 within {READY_TIMEOUT_SECONDS}s ({last_error})")

    def celery_ping(self, env: dict[str, str], worker_name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.check_children()
            result = subprocess.run(
                [PYTHON, "-m", "celery", "-A", "sendsupport", "inspect", "ping",
                 "--timeout", "5", "-d", worker_name],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                check=False,
            )
            if result.returncode == 0 and "pong" in result.stdout:
                log(f"celery worker {worker_name} answered ping")
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"celery inspect ping got no answer from {worker_name}:\n"
                    f"{result.stdout}{result.stderr}"
                )
            self.sleep(2)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Only zombies left (not ours to reap) count as gone.
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def app_role_argv(password: str) -> list[str]:
    """The setup_app_role command line. ``--password=`` keeps one argument even when the random
    password starts with "-" (token_urlsafe does, 1 time in 64), which argparse would read as an option."""
    return [PYTHON, "manage.py", "setup_app_role", f"--password={password}"]


def shown_command(argv: list[str]) -> str:
    """A command line for the log: without the interpreter's path, and with any password hidden."""
    shown = argv[1:] if argv[0] == PYTHON else argv
    return " ".join("--password=***" if a.startswith("--password=") else a for a in shown)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start SEND Support (web, worker, beat).")
    parser.add_argument("--check", action="store_true",
                        help="start everything, check the login page and a Celery ping, then stop")
    args = parser.parse_args(argv)

    port = int(os.environ.get("PORT") or 8000)
    if not port_is_free(port):
        log(f"port {port} on 127.0.0.1 is in use; stop what uses it or set PORT=<another port>")
        return 1

    launcher = Launcher(port)
    launcher.install_signal_handlers()
    var = services.var_dir()
    secret_key = services.read_or_create_secret(var / "secret_key", 50)
    chosen = None
    exit_code = 0
    check_passed = False
    try:
        chosen = services.choose_services(var)
        launcher.check_stop()
        emit("Services:\n" + chosen.describe())

        base_env = dict(os.environ)
        base_env.update(
            DJANGO_SETTINGS_MODULE="sendsupport.settings",
            SENDSUPPORT_DEMO="1",
            SECRET_KEY=secret_key,
            SENDSUPPORT_VAR_DIR=str(var),
            PYTHONUNBUFFERED="1",
        )
        base_env.setdefault("STATIC_ROOT", str(var / "staticfiles"))
        base_env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")  # links in the demo's emails
        owner_env = {**base_env, **chosen.env("owner")}
        app_env = {**base_env, **chosen.env("app")}

        launcher.run("migrate", [PYTHON, "manage.py", "migrate", "--noinput"], owner_env)
        launcher.run("setup_app_role", app_role_argv(chosen.app_password), owner_env)
        launcher.run("collectstatic", [PYTHON, "manage.py", "collectstatic", "--noinput"], owner_env)
        launcher.run("seed_demo", [PYTHON, "manage.py", "seed_demo"], owner_env)

        worker_name = f"sendsupport-{port}@{socket.gethostname()}"
        launcher.spawn("gunicorn", [
            PYTHON, "-m", "gunicorn", "sendsupport.wsgi", "-k", "gthread", "-w", "2",
            "--threads", "4", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "15",
            # per instance, not ~/.gunicorn/gunicorn.ctl shared by every gunicorn of this user
            "--control-socket", str(services.short_socket_path(var, "gunicorn.ctl")),
        ], app_env)
        launcher.spawn("celery worker", [
            PYTHON, "-m", "celery", "-A", "sendsupport", "worker", "-l", "info",
            "--concurrency", "2", "-n", f"sendsupport-{port}@%h",
        ], app_env)
        launcher.spawn("celery beat", [
            PYTHON, "-m", "celery", "-A", "sendsupport", "beat", "-l", "info",
            "-s", str(var / "celerybeat-schedule"),
        ], app_env)

        launcher.wait_for_login_page()
        address = f"http://127.0.0.1:{port}/"
        if args.check:
            log(f"login page answers 200 at {address}accounts/login/")
            launcher.celery_ping(app_env, worker_name)
            launcher.check_children()
            check_passed = True
            log("check passed")
        else:
            emit(f"\nSEND Support is running at {address}  (Ctrl-C stops it)\n", sys.stdout)
            subprocess.run([PYTHON, "manage.py", "seed_demo", "--logins-only"], cwd=ROOT,
                           env=app_env, stdin=subprocess.DEVNULL, check=False)
            emit(f"\nOpen {address} and sign in with one of the logins above.\n", sys.stdout)
            while True:
                launcher.check_children()
                launcher.sleep(0.5)
    except Stopping as exc:
        if launcher.stop_signal is None:  # a child died, not a requested stop
            log(str(exc))
            exit_code = 1
    except Exception as exc:  # noqa: BLE001 (report, then clean up)
        log(f"ERROR: {exc}")
        exit_code = 1
    finally:
        # From here on signals only get a "please wait"; cleanup always runs to the end.
        if launcher.stop_signal is None:
            launcher.stop_signal = signal.SIGTERM
        try:
            launcher.terminate()
        finally:
            if chosen is not None:
                chosen.stop()
        if args.check and not check_passed:
            exit_code = exit_code or 1  # interrupted before the check finished
        log("stopped" if exit_code == 0 else "stopped after an error")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
