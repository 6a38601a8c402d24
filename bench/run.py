#!/usr/bin/env python3
"""Bench of the pupil, incident and intervention pages at 300 and 3,000 pupils (50,000 and 500,000
incidents; a year of intervention sessions), and of the quick-log POST under load, against bare Django
views on the same stack.

    .venv/bin/python bench/run.py            reuse the bench databases if they are there
    .venv/bin/python bench/run.py --fresh    drop and re-create them first
    .venv/bin/python bench/run.py --no-wrk   skip the gunicorn + wrk load run

Creates (or reuses) the databases ``sendsupport_bench_<N>`` (``--db-prefix``) on the PostgreSQL server of
BENCH_DATABASE_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432), never the app's own
database; migrates them with ``manage.py migrate``; fills them (bench/fill.py); times the pages
in-process (bench/measure.py) and, if wrk is installed, under load through gunicorn on 127.0.0.1.
Incidents the run itself adds (quick-log and bare-insert POSTs) are deleted again at the end.
Prints a Markdown report and writes it to bench/results.md. Exits 1 if a page's query count differs
between sizes (query counts must not grow with the data), 2 on a set-up error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results.md"
DB_PREFIX = "sendsupport_bench_"  # --db-prefix may change it; it must still start with "sendsupport_b"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PYTHON = sys.executable


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    pass


# --- databases ---------------------------------------------------------------------------------

def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def server_url(args) -> str:
    url = args.server_url or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    return with_database(url, "postgres")


def bench_db_name(size: int) -> str:
    name = f"{DB_PREFIX}{size}"
    assert name.startswith("sendsupport_b") and name != "sendsupport"  # never the app's database
    return name


def admin(url: str, statement: str, *params) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cur = conn.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


def db_exists(url: str, name: str) -> bool:
    return bool(admin(url, "SELECT 1 FROM pg_database WHERE datname = %s", name))


def create_db(url: str, name: str) -> None:
    from psycopg import sql

    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_db(url: str, name: str) -> None:
    from psycopg import sql

    import psycopg

    assert name.startswith(DB_PREFIX) and name.startswith("sendsupport_b")
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- child processes ---------------------------------------------------------------------------

def child_env(db_url: str, settings_module: str) -> dict:
    env = dict(os.environ)
    for name in ("ALLOWED_HOSTS", "SENDSUPPORT_TESTING", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update({
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SENDSUPPORT_DEMO": "1",  # no SECRET_KEY/hosts needed; DEMO_SKIP_MFA on (localhost only)
        "SENDSUPPORT_DEMO_SKIP_MFA": "1",
        "DJANGO_DEBUG": "0",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
        "STATIC_ROOT": str(CACHE / "static"),
        "SENDSUPPORT_VAR_DIR": str(CACHE / "var"),
        "MEDIA_ROOT": str(CACHE / "var" / "media"),
        "CACHE_KEY_PREFIX": "sendsupport-bench",
        "PYTHONPATH": str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "PYTHONHASHSEED": "0",
    })
    return env


def run_child(cmd: list[str], env: dict, what: str, timeout: int = 600) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SetupError(f"{what} failed (exit {proc.returncode})")


def measure(command: str, db_url: str, settings_module: str, *extra: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        run_child([PYTHON, str(BENCH / "measure.py"), command, "--out", out, *extra],
                  child_env(db_url, settings_module), f"measure.py {command} {' '.join(extra)}")
        return json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)


class Interleaved:
    """A measure.py child timing one round per request from us (see measure.run_pages)."""

    def __init__(self, command: str, db_url: str, settings_module: str, *extra: str):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            self.out = Path(f.name)
        self.what = f"measure.py {command}"
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "measure.py"), command, "--stdin", "--out", str(self.out), *extra],
            cwd=ROOT, env=child_env(db_url, settings_module), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )

    def _expect(self, word: str) -> None:
        for line in self.proc.stdout:
            if line.strip() == word:
                return
        self.proc.wait()
        sys.stderr.write(self.proc.stderr.read()[-4000:])
        raise SetupError(f"{self.what} failed (exit {self.proc.returncode})")

    def ready(self) -> None:
        self._expect("READY")

    def round(self, n: int) -> None:
        self.proc.stdin.write(f"round {n}\n")
        self.proc.stdin.flush()
        self._expect("OK")

    def finish(self) -> dict:
        self.proc.stdin.write("finish\n")
        self.proc.stdin.close()
        stderr = self.proc.stderr.read()
        if self.proc.wait(timeout=300) != 0:
            sys.stderr.write(stderr[-4000:])
            raise SetupError(f"{self.what} failed (exit {self.proc.returncode})")
        try:
            return json.loads(self.out.read_text())
        finally:
            self.out.unlink(missing_ok=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.unlink(missing_ok=True)


def measure_size(size: int, db_url: str, args, sessions: int) -> dict:
    """The app's pages and the bare baseline's, in alternating rounds of 20 requests per page."""
    common = ["--requests", str(args.requests), "--warmup", str(args.warmup), "--size", str(size)]
    base = Interleaved("baseline", db_url, BARE, *common)
    app = Interleaved("app", db_url, APP, "--sessions", str(sessions), *common)
    try:
        base.ready()
        app.ready()
        done = 0
        while done < args.requests:
            n = min(20, args.requests - done)
            base.round(n)
            app.round(n)
            done += n
        return {**app.finish(), "baseline": base.finish()}
    finally:
        base.kill()
        app.kill()


APP = "sendsupport.settings"
BARE = "bench.baseline.settings"


def remove_added_incidents(db_url: str, last_id: int) -> int:
    """Delete the incidents (and their history rows) that this run's POSTs added, so every run sees the
    filled data. A bench database only: the never-deleted and append-only triggers are disabled for the
    delete, in its transaction."""
    import psycopg

    with psycopg.connect(db_url, connect_timeout=5) as conn:
        added = conn.execute("SELECT count(*) FROM incidents_incident WHERE id > %s", [last_id]).fetchone()[0]
        if added:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks when the triggers are re-enabled
            # Only the never-deleted guard is lifted on incidents: the tally triggers take the rows out.
            guard = conn.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'incidents_incident'::regclass "
                                 "AND tgname LIKE 'pgtrigger_never_deleted_%%'").fetchone()[0]
            conn.execute("ALTER TABLE incidents_incidentevent DISABLE TRIGGER USER")
            conn.execute(f'ALTER TABLE incidents_incident DISABLE TRIGGER "{guard}"')
            conn.execute("DELETE FROM incidents_incidentevent WHERE pgh_obj_id > %s", [last_id])
            conn.execute("DELETE FROM incidents_incident WHERE id > %s", [last_id])
            conn.execute(f'ALTER TABLE incidents_incident ENABLE TRIGGER "{guard}"')
            conn.execute("ALTER TABLE incidents_incidentevent ENABLE TRIGGER USER")
    return added


def collectstatic(server: str) -> None:
    """The app's production static storage needs a manifest; built once into bench/.cache/static."""
    manifest = CACHE / "static" / "staticfiles.json"
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    sources += [p for p in ROOT.glob("*/static/**/*") if p.is_file() and ".venv" not in p.parts]  # apps' own
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    log("collectstatic into bench/.cache/static (the manifest storage needs it)")
    run_child([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
              child_env(with_database(server, "postgres"), APP), "collectstatic")


def fingerprint() -> str:
    """Of the migrations and the data generator: a reused bench DB must have been made by the same."""
    import hashlib

    digest = hashlib.sha256()
    files = sorted(p for p in ROOT.glob("*/migrations/*.py") if ".venv" not in p.parts)
    for path in [*files, BENCH / "fill.py"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return "sendsupport bench " + digest.hexdigest()[:16]


def db_comment(server: str, name: str) -> str | None:
    rows = admin(server, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", name)
    return rows[0][0] if rows else None


def set_db_comment(server: str, name: str, comment: str) -> None:
    from psycopg import sql

    admin(server, sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))


def prepare_db(server: str, size: int, fresh: bool) -> tuple[str, str, int]:
    name = bench_db_name(size)
    db_url = with_database(server, name)
    stamp = fingerprint()
    if fresh:
        drop_db(server, name)
    elif db_exists(server, name) and db_comment(server, name) != stamp:
        log(f"{name}: made by other migrations or another data generator: re-creating it")
        drop_db(server, name)
    for attempt in (1, 2):
        created = not db_exists(server, name)
        if created:
            create_db(server, name)
        t0 = time.perf_counter()
        run_child([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], child_env(db_url, APP), f"migrate {name}")
        log(f"{name}: {'created and ' if created else ''}migrated in {time.perf_counter() - t0:.1f}s")
        result = measure("fill", db_url, APP, "--size", str(size))
        if result["state"] in ("reused", "filled"):
            set_db_comment(server, name, stamp)
        if result["state"] == "reused":
            removed = remove_added_incidents(db_url, result["last_id"])
            if removed:
                log(f"{name}: removed {removed:,} incidents an interrupted run had added")
            return db_url, (f"{name}: reused (filled by an earlier run; its {result['incidents']:,} + "
                            f"{result['other_school_incidents']:,} incidents and a year of intervention sessions "
                            "were generated in SQL with the pghistory triggers disabled)"), result["last_id"]
        if result["state"] == "filled":
            note = (f"{name}: filled in {result['seconds']:.1f}s with history triggers disabled for the fill "
                    f"({result['pupils']:,} pupils + {result['other_school_pupils']:,} in a second school, "
                    f"{result['contacts']:,} contacts, {result['caseload_entries']:,} caseload entries, "
                    f"{result['staff']:,} staff; {result['incidents']:,} incidents + "
                    f"{result['other_school_incidents']:,} in the second school by INSERT ... SELECT ... FROM "
                    f"generate_series in {result['incident_seconds']:.1f}s, the incident table's pghistory "
                    "triggers disabled, its secondary indexes and foreign keys dropped for the insert and put "
                    "back, which checks every row; interventions: "
                    f"{result['groups']:,} groups ({result['ta_groups']} of them the bench TA's) over a year, "
                    f"{result['placements']:,} placements, {result['sessions']:,} sessions and "
                    f"{result['attendance']:,} attendance marks by INSERT ... SELECT, {result['programmes']} therapy "
                    f"programmes, in {result['intervention_seconds']:.1f}s, history triggers disabled too)")
            log(note)
            return db_url, note, result["last_id"]
        log(f"{name}: holds other data (stale fill): dropping and re-creating it")
        drop_db(server, name)
    raise SetupError(f"could not fill {name}")


# --- wrk ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_cpu_seconds(master_pid: int) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return out
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[int(pid)] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


class Gunicorn:
    """gunicorn -k gthread -w 2 --threads 4 on 127.0.0.1 (as scripts/start.py runs the app)."""

    def __init__(self, wsgi: str, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", wsgi, "-k", "gthread", "-w", "2", "--threads", "4",
             "-b", f"127.0.0.1:{self.port}", "--no-control-socket", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )

    def wait_ready(self, path: str, cookie: str | None, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"gunicorn exited: {self.proc.stderr.read()[-2000:]}")
            req = urllib.request.Request(self.base + path, headers={"Cookie": cookie} if cookie else {})
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 (loopback only)
                    if resp.status == 200 and resp.url == self.base + path:
                        return
                    raise SetupError(f"{path} answered {resp.status} at {resp.url}")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise SetupError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wrk(url: str, seconds: int, connections: int, close: bool, *, cookies: list[str] = (),
        post_file: str | None = None) -> dict:
    """One wrk run: GETs rotating over session cookies (wrk_report.lua), or form POSTs rotating over
    cookie + body variants (wrk_post.lua, which also counts the answers by status)."""
    env = dict(os.environ, BENCH_COOKIES=",".join(cookies), BENCH_CONN_CLOSE="1" if close else "0",
               BENCH_POST_FILE=post_file or "")
    script = "wrk_post.lua" if post_file else "wrk_report.lua"
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / script), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    match = re.search(r"^BENCH_JSON (\{.*\})$", proc.stdout, re.M)
    if proc.returncode != 0 or not match:
        raise SetupError(f"wrk failed: {proc.stdout[-1000:]} {proc.stderr[-1000:]}")
    return json.loads(match.group(1))


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def load_run(target: dict, gunicorn: Gunicorn, args, close: bool, connections: int) -> dict:
    url = gunicorn.base + target["path"]
    kwargs = {"cookies": target.get("cookies", []), "post_file": target.get("post_file")}
    log(f"wrk {target['name']} ({target['role']}) {args.wrk_seconds}s, {connections} connections, "
        f"{'a new connection per request' if close else 'keep-alive'}")
    wrk(url, 2, connections, close, **kwargs)  # warm-up, discarded
    before, machine0 = worker_cpu_seconds(gunicorn.proc.pid), cpu_jiffies()
    result = wrk(url, args.wrk_seconds, connections, close, **kwargs)
    after, machine1 = worker_cpu_seconds(gunicorn.proc.pid), cpu_jiffies()
    result["mode"] = "new per request" if close else "keep-alive"
    result["connections"] = connections
    per_worker = sorted((after.get(pid, 0) - before.get(pid, 0) for pid in after), reverse=True)
    total = sum(per_worker)
    result["cpu_ms_per_req"] = total / result["requests"] * 1000 if result["requests"] else 0
    result["worker_split"] = "/".join(f"{100 * c / total:.0f}%" for c in per_worker) if total else "?"
    busy, ticks = machine1[0] - machine0[0], machine1[1] - machine0[1]
    tick = os.sysconf("SC_CLK_TCK")
    result["machine_busy"] = f"{100 * busy / ticks:.0f}%" if ticks else "?"
    result["workers_share"] = f"{100 * total * tick / ticks:.0f}%" if ticks else "?"
    if target.get("post_file") and result.get("other_status"):
        raise SetupError(f"{target['name']}: {result['other_status']} of {result['requests']} POSTs did not "
                         "answer 302")
    return {**{k: v for k, v in target.items() if k != "post_file"}, **result}


def write_variants(variants: list[dict]) -> str:
    """The POST variants (cookie TAB body, one per line) for wrk_post.lua."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, dir=CACHE) as f:
        for v in variants:
            f.write(f"{v['cookie']}\t{v['body']}\n")
    return f.name


def post_once(base: str, variant: dict) -> str:
    """One POST through the server before wrk, to fail early and clearly: returns the redirect target."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if variant["cookie"]:
        headers["Cookie"] = variant["cookie"]
    req = urllib.request.Request(base, data=variant["body"].encode(), headers=headers, method="POST")
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=10) as resp:
            raise SetupError(f"POST {base} answered {resp.status}, expected 302: {resp.read()[:300]!r}")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise SetupError(f"POST {base} answered {exc.code}, expected 302: {exc.read()[:300]!r}") from exc
        return exc.headers.get("Location", "")


def load_runs(app_db_url: str, app: dict, bare: dict, args) -> tuple[list[dict], list[dict]]:
    """The GET pages (as before) and the quick-log POST against the bare insert, with both servers up
    side by side, each run alternating app and bare at 10 and 50 connections."""
    cookies = app["senco_sessions"]
    bare_insert = next(p for p in bare["pages"] if p["key"] == "insert")
    app_file = write_variants(app["post_variants"])
    bare_file = write_variants([{"cookie": "", "body": b} for b in bare_insert["post"]])
    servers = {
        "app": Gunicorn("sendsupport.wsgi", child_env(app_db_url, APP)),
        "bare": Gunicorn("bench.baseline.wsgi", child_env(app_db_url, BARE)),
    }
    gets, posts = [], []
    try:
        servers["app"].wait_ready("/pupils/", f"sessionid={cookies[0]}")
        servers["bare"].wait_ready(f"/bare/{app['school_id']}/pupils/", None)
        post_once(servers["app"].base + "/incidents/new/", app["post_variants"][0])
        post_once(servers["bare"].base + bare_insert["path"], {"cookie": "", "body": bare_insert["post"][0]})
        get_targets = [
            ("app", {"name": "Pupil list", "role": "SENCo", "path": "/pupils/", "cookies": cookies}),
            ("app", {"name": "Pupil profile", "role": "SENCo", "path": app["paths"]["profile_senco"],
                     "cookies": cookies}),
            ("bare", {"name": "Bare baseline (50 rows)", "role": "anonymous",
                      "path": f"/bare/{app['school_id']}/pupils/"}),
        ]
        if not args.no_get_load:
            for server, target in get_targets:
                for close in (True, False):
                    gets.append(load_run(target, servers[server], args, close, args.wrk_connections))
        post_targets = [
            ("app", {"name": "Quick log (POST)", "role": "TA", "path": "/incidents/new/", "post_file": app_file}),
            ("bare", {"name": "Bare insert (POST)", "role": "anonymous", "path": bare_insert["path"],
                      "post_file": bare_file}),
        ]
        for connections in args.post_connections:
            for close in args.post_modes:
                for server, target in post_targets:
                    posts.append(load_run(target, servers[server], args, close, connections))
    finally:
        for server in servers.values():
            server.stop()
        Path(app_file).unlink(missing_ok=True)
        Path(bare_file).unlink(missing_ok=True)
    return gets, posts


# --- report ------------------------------------------------------------------------------------

def _elide_columns(sql: str) -> str:
    """``SELECT a, b, (subquery) AS c FROM t`` -> ``SELECT … FROM t``, for every SELECT whose column
    list is long (subqueries included); short ones such as ``COUNT(*)`` stay."""
    out, pos = [], 0
    for m in re.finditer(r"SELECT (?:DISTINCT )?", sql):
        if m.start() < pos:
            continue
        depth, quote, i = 0, None, m.end()
        while i < len(sql):
            ch = sql[i]
            if quote:
                quote = None if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    break
            elif depth == 0 and sql.startswith(" FROM ", i):
                if i - m.end() > 40:
                    out.append(sql[pos:m.end()] + "…")
                    pos = i
                break
            i += 1
    return "".join(out) + sql[pos:]


def short_sql(sql: str, width: int = 150) -> str:
    prefix = ""
    if sql.startswith("SELECT set_config('pghistory.context_id'"):
        prefix, sql = "[pghistory context] ", sql.split("; ", 1)[-1]
    if m := re.match(r'DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ', sql):
        prefix, sql = "[server-side cursor] ", sql[m.end():]
    sql = prefix + _elide_columns(re.sub(r"\s+", " ", sql))
    return (sql[:width] + "…") if len(sql) > width else sql


def machine_line() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu or platform.machine()}), load average at start {load}"


def versions(server: str) -> str:
    import django

    try:
        pg = admin(server, "SHOW server_version")[0][0]
    except Exception:  # noqa: BLE001 (report only)
        pg = "?"
    return f"Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {pg}"


def n_queries(page: dict) -> int:
    """SQL statements per request, as assertNumQueries counts them: BEGIN/COMMIT not included."""
    return sum(1 for q in page["queries"] if q["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK"))


def fmt(x: float) -> str:
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


BASE_NAMES = {"pupils": "the bare 50-row pupil list", "incidents": "the bare 50-row incident list",
              "insert": "the bare insert"}
PERF_BASELINES = ("/work/shared/research/perf-baselines.md (bare Django 5.2, same VM, 10-field ModelForm POST, "
                  "keep-alive): gthread 2×4 526 req/s at 10 connections and 442 at 50 (medians of 5); sync ×3 654 "
                  "and 457; a bare 50-row list 117-121 req/s")
LIST_AIM = 1.5  # the incident list: at most this many times a bare 50-row list's server time
POST_AIM = 0.5  # the quick log: at least this share of the bare insert's throughput


def _base_of(result: dict, page: dict) -> dict:
    return next(b for b in result["baseline"]["pages"] if b["key"] == page["base"])


def report(results: list[dict], gets: list[dict], posts: list[dict], notes: list[str], problems: list[str],
           server: str, args, started: float) -> str:
    sizes = [r["size"] for r in results]
    lines = [
        "# Bench results: pupil, incident and intervention pages, quick-log POST",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by `python bench/run.py` in "
        f"{time.monotonic() - started:.0f}s. {machine_line()}. {versions(server)}.",
        "",
        "Server time per request, in-process (Django test client through the full middleware stack, "
        f"real PostgreSQL, `DEBUG=False`, `CONN_MAX_AGE=60`): {args.warmup} warm-up requests, then "
        f"{args.requests} timed requests per page, in rounds of 20 that alternate with the bare baseline's "
        "so a busy moment on the machine hits both alike. Queries recorded on 5 further requests (per-query "
        "time: their median). *× bare* = median / median of the bare Django page of the same kind (same "
        "stack and database, Django's default middleware, no login, plain template): the pupil pages against "
        "a bare 50-row pupil list (1 query), the incident lists against a bare 50-row incident list (1 query), "
        "the quick log against a bare view that inserts one incident row from a 10-field ModelForm POST and "
        "redirects (a plain ModelForm: each foreign key looked up and checked, then the INSERT; no login, "
        "session or CSRF check). The quick-log POST is the TA's, with a session and a "
        "CSRF token as a browser sends them; it answers 302 to the new incident. The intervention pages "
        "(\"my sessions today\" as a TA who runs six groups, the school provision map as the SENCo) are "
        "compared with the bare 50-row pupil list. The bench school has "
        + ", ".join(f"{r['incidents']:,} incidents at {r['size']:,} pupils" for r in results)
        + "; and a year of intervention sessions: N/12 groups at a time, three runs each over the year.",
        "",
        "| Pupils | Page | Role | Queries | Median ms | p95 ms | × bare | SQL ms | CPU ms | HTML KB | n |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for p in [*r["baseline"]["pages"], *r["pages"]]:
            sql_ms = sum(q["ms"] for q in p["queries"])
            ratio = p["median_ms"] / _base_of(r, p)["median_ms"] if "base" in p else 1.0
            lines.append(
                f"| {r['size']:,} | {p['name']} | {p['role']} | {n_queries(p)} | {fmt(p['median_ms'])} | "
                f"{fmt(p['p95_ms'])} | {ratio:.1f} | {fmt(sql_ms)} | {fmt(p['cpu_ms'])} | {p['html_kb']:.1f} | {p['n']} |"
            )
    lines += [
        "",
        "*Queries*: SQL statements per request as `assertNumQueries` counts them (a write or the session save "
        "also sends BEGIN and COMMIT). *SQL ms*: the time of those statements and the COMMIT, seen from Django "
        "(round trips included). *CPU ms*: this Python process's CPU per timed request (PostgreSQL's own "
        "CPU is not in it); on a busy machine it varies less than the wall-clock times. *n*: timed requests; "
        f"a page whose warm-up took k × 30 ms is timed in every k-th round only (k at most 5), so the slow pages "
        "do not take most of the run.",
        "",
        "## Aims",
        "",
    ]
    for r in results:
        for p in r["pages"]:
            if p["base"] == "incidents":
                ratio = p["median_ms"] / _base_of(r, p)["median_ms"]
                verdict = "met" if ratio <= LIST_AIM else "**not met**"
                lines.append(f"- {p['name']} ({p['role']}) at {r['incidents']:,} incidents: {ratio:.1f}× the bare "
                             f"50-row list's server time (aim: within {LIST_AIM}×): {verdict}; {n_queries(p)} queries.")
    for connections in dict.fromkeys(x["connections"] for x in posts):
        for mode in dict.fromkeys(x["mode"] for x in posts):
            pair = [x for x in posts if x["connections"] == connections and x["mode"] == mode]
            app = next((x for x in pair if x["role"] != "anonymous"), None)
            bare = next((x for x in pair if x["role"] == "anonymous"), None)
            if app and bare and bare["rps"]:
                ratio = app["rps"] / bare["rps"]
                verdict = "met" if ratio >= POST_AIM else "**not met**"
                lines.append(f"- Quick log under load, {connections} connections ({mode}): {app['rps']:.0f} req/s "
                             f"against the bare insert's {bare['rps']:.0f}: {ratio:.2f} of its throughput "
                             f"(aim: at least {POST_AIM}): {verdict}.")
    if posts:
        lines += [
            "",
            f"## Quick-log POST under load: gunicorn `-k gthread -w 2 --threads 4`, wrk `-t2 -d{args.wrk_seconds}s`, "
            f"{results[-1]['incidents']:,} incidents",
            "",
            "The app's server and the bare one run side by side on 127.0.0.1 and take turns run by run; wrk, both "
            "servers and PostgreSQL share the same cores. The quick log rotates over "
            f"{len(results[-1]['post_variants']) // 3} TA sessions × 3 bodies (each session with its CSRF cookie and "
            "token; pupils from the TA's caseload, picks from the default lists, half with a period); the bare "
            "insert over the same pupils and places. Every answer was checked: a 302 (a saved record) or the run "
            "fails. A new connection per request spreads the load over both workers; with keep-alive a gthread "
            "worker may take all the connections (see the CPU split).",
            "",
            "| Connections | Mode | Quick log req/s | p50 ms | p95 ms | Bare insert req/s | p50 ms | p95 ms | "
            "Quick log / bare | Worker CPU ms/req (quick log, bare) | CPU split (quick log) |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for connections in dict.fromkeys(x["connections"] for x in posts):
            for mode in dict.fromkeys(x["mode"] for x in posts):
                pair = [x for x in posts if x["connections"] == connections and x["mode"] == mode]
                app = next((x for x in pair if x["role"] != "anonymous"), None)
                bare = next((x for x in pair if x["role"] == "anonymous"), None)
                if not (app and bare):
                    continue
                lines.append(
                    f"| {connections} | {mode} | {app['rps']:.0f} | {fmt(app['p50_ms'])} | {fmt(app['p95_ms'])} | "
                    f"{bare['rps']:.0f} | {fmt(bare['p50_ms'])} | {fmt(bare['p95_ms'])} | "
                    f"{app['rps'] / bare['rps']:.2f} | {fmt(app['cpu_ms_per_req'])}, {fmt(bare['cpu_ms_per_req'])} | "
                    f"{app['worker_split']} |")
        errors = sum(x["errors_connect"] + x["errors_read"] + x["errors_write"] + x["errors_timeout"] for x in posts)
        lines += ["", f"Socket errors in the POST runs: {errors}. For comparison, {PERF_BASELINES}."]
    if gets:
        lines += [
            "",
            f"## Pupil pages under load: gunicorn `-k gthread -w 2 --threads 4`, `wrk -t2 -c{args.wrk_connections} "
            f"-d{args.wrk_seconds}s`, {max(sizes):,} pupils",
            "",
            "SENCo requests rotate over "
            f"{len(gets[0]['cookies'])} sessions. Each page is run twice: with a new connection per "
            "request (the kernel spreads them over both workers) and with keep-alive connections (a "
            "gthread worker may accept all of them: see the CPU split). *Machine busy*: all CPUs during the "
            "run (wrk, PostgreSQL and anything else on the machine included); *of it, the workers*: the gunicorn "
            "workers' share of the machine's CPU time. Other work on the machine lowers req/s: compare the "
            "ratios, not the absolute figures, between runs.",
            "",
            "| Page | Role | Connections | req/s | p50 ms | p95 ms | p99 ms | errors | worker CPU ms/req | "
            "CPU split over workers | machine busy | of it, the workers |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        for x in gets:
            errors = x["errors_connect"] + x["errors_read"] + x["errors_write"] + x["errors_status"] + x["errors_timeout"]
            lines.append(
                f"| {x['name']} | {x['role']} | {x['mode']} | {x['rps']:.0f} | {fmt(x['p50_ms'])} | "
                f"{fmt(x['p95_ms'])} | {fmt(x['p99_ms'])} | {errors} | {fmt(x['cpu_ms_per_req'])} | {x['worker_split']} | "
                f"{x['machine_busy']} | {x['workers_share']} |"
            )
        for mode in ("new per request", "keep-alive"):
            rows = [x for x in gets if x["mode"] == mode]
            base = next((x for x in rows if x["role"] == "anonymous"), None)
            if base:
                lines += ["", f"Throughput, bare / page ({mode}): " + ", ".join(
                    f"{x['name']} ({x['role']}) {base['rps'] / x['rps']:.1f}×"
                    for x in rows if x is not base and x["rps"])]
    biggest = results[-1]
    lines += ["", f"## Queries per request at {biggest['size']:,} pupils, {biggest['incidents']:,} incidents", ""]
    for p in biggest["pages"]:
        lines.append(f"**{p['name']} ({p['role']})**, `{p['method']} {p['path']}`:")
        lines.append("")
        for i, q in enumerate(p["queries"], 1):
            lines.append(f"{i}. {q['ms']:.2f} ms: `{short_sql(q['sql'])}`")
        lines.append("")
    lines += [f"## Rows read and thrown away at {sizes[-1]:,} pupils; SQL that grows from {sizes[0]:,}", "",
              "From EXPLAIN ANALYZE of each captured SELECT: nodes that read or filter out 1,000+ rows, and "
              "queries whose execution time grows more than 3× and past 1 ms.", ""]
    lines += [f"- {n}" for n in growth_notes(results)] or ["- none"]
    lines += ["", "## Checks", ""]
    lines += [f"- {p}" for p in problems] or [
        "- Query counts are the same at every size for every page.",
    ]
    lines += [
        "- Scoping: the other school's pupils never appear; its pupil's profile, and a pupil outside the "
        "TA's caseload, answer 404. The list's count matches the pupils each role may see.",
        "- Incidents: every list page shows 50 rows and a link to older ones, and no pupil of the other "
        "school (whose incidents are all from last week, so a leak would be on the first page); every quick "
        "log and bare insert answered 302.",
        "- Interventions: \"my sessions today\" names every group the TA has due today and none of the other "
        "TAs' groups; the school provision map shows a current placement of another TA's group and no pupil "
        "of the other school (which has current groups of its own); the TA's request for the school map "
        "answers 403.",
        "",
        "## Data",
        "",
    ]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def growth_notes(results: list[dict]) -> list[str]:
    out = []
    small, big = results[0], results[-1]
    for ps, pb in zip(small["pages"], big["pages"]):
        label = f"{pb['name']} ({pb['role']})"
        for plan in pb["plans"]:
            q = pb["queries"][plan["index"]]
            nodes = []
            for scan in plan["seq_scans"]:
                if scan["rows"] + scan["removed"] >= 1000:
                    where = f" on `{scan['relation']}`" if scan["relation"] else ""
                    if scan["index"]:
                        where = f" using `{scan['index']}`"
                    loops = f" over {scan['loops']} loops" if scan["loops"] > 1 else ""
                    nodes.append(f"{scan['node']}{where} reads {scan['rows'] + scan['removed']:,} rows to keep "
                                 f"{scan['rows']:,}{loops}")
            if nodes:
                out.append(
                    f"{label}, query {plan['index'] + 1} (plans in {plan['plan_ms']:.2f} ms, runs in "
                    f"{plan['exec_ms']:.2f} ms): " + "; ".join(nodes) + f". `{short_sql(q['sql'], 110)}`"
                )
        for plan_b in pb["plans"]:
            plan_s = next((x for x in ps["plans"] if x["index"] == plan_b["index"]), None)
            if not plan_s:
                continue
            small_ms, big_ms = plan_s["exec_ms"], plan_b["exec_ms"]
            if big_ms > 1.0 and big_ms > 3 * max(small_ms, 0.05):
                out.append(
                    f"{label}, query {plan_b['index'] + 1} grows with the data: executes in {small_ms:.2f} → "
                    f"{big_ms:.2f} ms (EXPLAIN ANALYZE; planning {plan_b['plan_ms']:.2f} ms at {big['size']:,}): "
                    f"`{short_sql(pb['queries'][plan_b['index']]['sql'], 110)}`"
                )
    return out


# --- main --------------------------------------------------------------------------------------

def main() -> int:
    global DB_PREFIX
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the bench databases")
    parser.add_argument("--sizes", default="300,3000",
                        help="pupils per bench school, comma-separated (incidents: 500/3 per pupil)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per page")
    parser.add_argument("--no-wrk", action="store_true", help="skip the gunicorn + wrk runs")
    parser.add_argument("--no-get-load", action="store_true", help="skip the wrk runs of the pupil pages")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-connections", type=int, default=10, help="connections for the GET pages")
    parser.add_argument("--post-connections", default="10,50", help="connections for the POST runs")
    parser.add_argument("--post-modes", default="new,keep-alive",
                        help="connection modes of the POST runs: new (a new connection per request), keep-alive")
    parser.add_argument("--db-prefix", default=DB_PREFIX, help="bench database names: <prefix><pupils> "
                        "(must start with sendsupport_b)")
    parser.add_argument("--server-url", help="PostgreSQL URL with rights to create databases "
                        "(default: BENCH_DATABASE_URL, DATABASE_URL, or postgres://postgres@127.0.0.1:5432)")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing bench/results.md")
    args = parser.parse_args()
    args.post_connections = [int(c) for c in args.post_connections.split(",")]
    modes = {"new": True, "close": True, "keep-alive": False, "keepalive": False}
    args.post_modes = [modes[m.strip()] for m in args.post_modes.split(",") if m.strip()]
    if not args.db_prefix.startswith("sendsupport_b"):
        parser.error("--db-prefix must start with sendsupport_b (never the app's own database)")
    DB_PREFIX = args.db_prefix
    started = time.monotonic()

    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    try:
        import django  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        print("Run with the project's venv: .venv/bin/python bench/run.py (python3 scripts/start.py makes it)",
              file=sys.stderr)
        return 2

    sizes = sorted(int(s) for s in args.sizes.split(","))
    server = server_url(args)
    CACHE.mkdir(exist_ok=True)
    dbs, last_ids = {}, {}
    try:
        admin(server, "SELECT 1")
        collectstatic(server)
        notes = []
        for size in sizes:
            dbs[size], note, last_ids[size] = prepare_db(server, size, args.fresh)
            notes.append(note)
        results = []
        for size in sizes:
            log(f"{size:,} pupils: timing the app's pages and the bare baseline's, in alternating rounds")
            sessions = 0 if args.no_wrk or size != sizes[-1] else max(20, *args.post_connections)
            results.append(measure_size(size, dbs[size], args, sessions))
        gets, posts = [], []
        if args.no_wrk:
            log("wrk runs skipped (--no-wrk)")
        elif not shutil.which("wrk"):
            log("wrk is not installed (apt-get install -y wrk): load runs skipped")
            notes.append("Load runs skipped: wrk is not installed (`apt-get install -y wrk`).")
        else:
            gets, posts = load_runs(dbs[sizes[-1]], results[-1], results[-1]["baseline"], args)
    except (SetupError, subprocess.TimeoutExpired) as exc:
        log(f"error: {exc}")
        return 2
    except Exception as exc:  # psycopg.OperationalError and the like
        log(f"error: {type(exc).__name__}: {exc}")
        return 2
    finally:
        for size, db_url in dbs.items():
            try:
                removed = remove_added_incidents(db_url, last_ids[size])
                log(f"{bench_db_name(size)}: removed the {removed:,} incidents this run's POSTs added")
            except Exception as exc:  # noqa: BLE001 (the next run removes them too)
                log(f"{bench_db_name(size)}: could not remove the incidents this run added: {exc}")

    problems = []
    for i, page in enumerate(results[0]["pages"]):
        counts = {r["size"]: n_queries(r["pages"][i]) for r in results}
        if len(set(counts.values())) > 1:
            problems.append(f"FAIL: {page['name']} ({page['role']}) query count grows with the data: "
                            + ", ".join(f"{n} at {s:,}" for s, n in counts.items()))
    notes.append("Bench databases are kept for the next run (`--fresh` re-creates them); the incidents this run's "
                 "POSTs added were deleted again at the end. The bench connects as the database owner; the app's "
                 "own database is never touched.")
    text = report(results, gets, posts, notes, problems, server, args, started)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        log(f"written to {RESULTS.relative_to(ROOT)}")
    for p in problems:
        log(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
