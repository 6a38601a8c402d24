#!/usr/bin/env python3
"""Run every test: ``python3 scripts/test.py [pytest args...]``.

Bootstraps (system libraries incl. Chromium and pdftoppm, .venv, requirements), chooses
PostgreSQL and Redis like scripts/start.py (embedded ones keep their data under var/test/,
apart from the demo's), exports the OWNER ``DATABASE_URL`` (pytest-django creates the test
databases with it) and ``REDIS_URL``, then runs ``python -m pytest -n 2 -p no:cacheprovider``
plus any arguments given here. Exits with pytest's exit code; "no tests collected" (5) is a
failure too.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap  # noqa: E402  (stdlib only; may re-exec this script inside .venv)

if __name__ == "__main__":
    bootstrap.ensure(tests=True)

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402

import services  # noqa: E402

PYTEST_EXIT_NO_TESTS = 5


def log(message: str) -> None:
    print(f"[test] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    chosen = services.choose_services(embedded_subdir="test")
    try:
        summary = "Services for this test run:\n" + chosen.describe()
        print(summary, file=sys.stderr, flush=True)
        env = dict(os.environ)
        env.update(chosen.env("owner"))
        env.setdefault("PYTHONUNBUFFERED", "1")
        command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", *argv]
        log(" ".join(command[1:]))

        # pytest shares our terminal: Ctrl-C reaches it directly and it winds down by itself;
        # we only wait for it and then stop the services. SIGTERM is passed on to it.
        proc = subprocess.Popen(command, cwd=bootstrap.ROOT, env=env)

        def forward(signum, _frame):
            if proc.poll() is None:
                proc.send_signal(signum)

        previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            code = proc.wait()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    finally:
        chosen.stop()

    print(summary, file=sys.stderr, flush=True)
    if code < 0:  # killed by a signal
        code = 128 - code
    if code == PYTEST_EXIT_NO_TESTS:
        log("pytest collected no tests: counting that as a failure")
        return 1
    if code != 0:
        log(f"pytest exited with code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
