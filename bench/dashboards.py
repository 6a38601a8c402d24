"""bench/dashboards.py: the dashboards (issue 8) on large data, with the pattern alerts' nightly run.

    .venv/bin/python bench/dashboards.py            # about 10 minutes the first time, 3 once filled
    .venv/bin/python bench/dashboards.py --fresh    # drop and re-create the two bench databases

Measures, in one run, as a logged-in SENCo through Django's test client in-process (DEBUG off):
- the school overview (`dashboards:overview`, default range) and a per-pupil page (`dashboards:pupil`,
  a busy pupil) on **500,000 incidents** (1 school, 300 pupils, 5 school years);
- one school's overview in a **20-school deployment with 5,000,000 incidents** (250,000 a school);
- the alerts page, and the nightly pattern-alert computation for one school (`compute_school_alerts`);
server time median and p95, SQL statements per request, SQL time, and the ratio to the bare SQL of
the page's heaviest query (the slowest statement the page ran, re-run on its own through psycopg).

Data: databases `sendsupport_bench_alerts_500k` and `sendsupport_bench_alerts_5m` on 127.0.0.1:5432
(never the app's), made by `manage.py migrate` (the 5M one copied from the migrated 500k template
before filling). Schools, staff, terms, places, periods and pupils through the ORM; incidents in one
`INSERT ... SELECT ... FROM generate_series` per database with the stored local date, weekday and hour
filled from the same timestamp; a reused database gets incidents' new migrations (the dashboards'
indexes) applied and is vacuumed first. **History triggers are off during the fill** (no history rows for bench
data: DECISIONS.md "Bench data"). Writes `bench/results_alerts.md`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
PREFIX = "sendsupport_bench_alerts_"
STATIC = Path("/tmp/sendsupport_bench_alerts_static")
RESULTS = BENCH / "results_alerts.md"
FILL_VERSION = "alerts-bench-v1"  # in School.local_authority: a changed generator re-fills

SIZES = {  # label: (schools, pupils a school, incidents a school)
    "500k": (1, 300, 500_000),
    "5m": (20, 300, 250_000),
}
AIMS_MS = {"500k": 150, "5m": 300}
YEARS = 5


# --- parent: databases and child processes ------------------------------------------------------

def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def db_url(name: str) -> str:
    return f"{SERVER}/{name}"


def admin(statement: str) -> list:
    import psycopg

    with psycopg.connect(db_url("postgres"), autocommit=True) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def exists(name: str) -> bool:
    return bool(admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))


def child_env(name: str) -> dict:
    assert name.startswith(PREFIX)
    env = dict(os.environ)
    for var in ("ALLOWED_HOSTS", "SENDSUPPORT_TESTING", "CSRF_TRUSTED_ORIGINS"):
        env.pop(var, None)
    env.update({
        "DATABASE_URL": db_url(name), "DJANGO_SETTINGS_MODULE": "sendsupport.settings",
        "SENDSUPPORT_DEMO": "1", "SENDSUPPORT_DEMO_SKIP_MFA": "1",  # localhost only: no SECRET_KEY, no 2FA step
        "DJANGO_DEBUG": "0", "CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR", "STATIC_ROOT": str(STATIC),
        "CACHE_KEY_PREFIX": "sendsupport-bench-alerts", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0",
    })
    return env


def child(args: list[str], name: str, timeout: int = 1800) -> dict:
    proc = subprocess.run([PYTHON, *args], cwd=ROOT, env=child_env(name), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
        raise SystemExit(f"{args[:2]} on {name} failed (exit {proc.returncode})")
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    return json.loads(last) if last.startswith("{") else {}


def prepare(label: str, fresh: bool) -> dict:
    name = PREFIX + label
    if fresh and exists(name):
        admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    if exists(name):
        state = child([__file__, "state", "--label", label], name)
        if state.get("filled"):
            log(f"{name}: reused ({state['incidents']:,} incidents); applying new migrations")
            state.update(child([__file__, "migrate", "--label", label], name, timeout=3600))
            return state
        admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    template = PREFIX + "template"
    if fresh and exists(template):
        admin(f'DROP DATABASE "{template}" WITH (FORCE)')
    if not exists(template):
        log(f"creating {template} with manage.py migrate")
        admin(f'CREATE DATABASE "{template}"')
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=child_env(template),
                       check=True, timeout=1800)
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    log(f"filling {name}")
    return child([__file__, "fill", "--label", label], name, timeout=3600)


# --- child: fill --------------------------------------------------------------------------------

def _terms(year_start: int) -> list[tuple]:
    """An English school year's terms (name, starts, ends, half-term starts, half-term ends)."""
    y, n = year_start, year_start + 1
    d = datetime.date
    return [(f"Autumn {y}", d(y, 9, 3), d(y, 12, 18), d(y, 10, 26), d(y, 10, 30)),
            (f"Spring {n}", d(n, 1, 5), d(n, 3, 26), d(n, 2, 15), d(n, 2, 19)),
            (f"Summer {n}", d(n, 4, 12), d(n, 7, 21), d(n, 5, 31), d(n, 6, 4))]


def cmd_state(args) -> dict:
    import django

    django.setup()
    from accounts.models import School
    from incidents.models import Incident

    schools, _, per_school = SIZES[args.label]
    first = School.objects.filter(urn="910001").first()
    if first is None or first.local_authority != FILL_VERSION:
        return {"filled": False}
    n = Incident.objects.count()
    return {"filled": n == schools * per_school, "incidents": n}


def cmd_migrate(args) -> dict:
    """Apply incidents' unapplied migrations (the dashboards' indexes) to a reused bench database. Through the
    executor, not `manage.py migrate`: a database migrated by an earlier checkout may record an order
    the graph no longer has (a dependency added since), which the command refuses."""
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = [n for n in executor.loader.graph.leaf_nodes() if n[0] == "incidents"]  # the dashboards' indexes
    plan = executor.migration_plan(targets)
    t0 = time.perf_counter()
    executor.migrate(targets, plan=plan)
    with connection.cursor() as cur:  # index-only scans need a current visibility map
        cur.execute("VACUUM ANALYZE incidents_incident")
        cur.execute("VACUUM ANALYZE incidents_incidenttally")
    return {"migrated": [f"{m.app_label}.{m.name}" for m, _ in plan],
            "migrate_seconds": round(time.perf_counter() - t0, 1)}


def cmd_fill(args) -> dict:
    import random

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Membership, School, Term, User
    from bench import fill
    from incidents import tallies
    from incidents.models import DEFAULT_PICKS, Incident, PickKind
    from pupils.models import ClassGroup

    schools_n, pupils_n, per_school = SIZES[args.label]
    today = timezone.localdate()
    first_year = (today.year if today.month >= 9 else today.year - 1) - (YEARS - 1)
    t0 = time.perf_counter()
    with transaction.atomic():
        fill._set_user_triggers([m._meta.db_table for m in (School, User, Membership, ClassGroup, Term, Incident)]
                                + ["pupils_pupil", "accounts_location", "accounts_period"], enabled=False)
        day_ids, school_rows = [], []
        for s in range(schools_n):
            rng = random.Random(s)
            school = School.objects.create(name=f"Bench School {s + 1}", urn=f"{910001 + s}",
                                           local_authority=FILL_VERSION)
            senco = User.objects.create(email=f"senco{s + 1}@alerts.bench.example", full_name=f"Senco {s + 1}",
                                        password="!bench")
            Membership.objects.create(school=school, user=senco, roles=["senco"], job_title="SENCo")
            classes = ClassGroup.objects.bulk_create(
                [ClassGroup(school=school, name=f"Y{i % 7}-{i:02d}", year_group=i % 7) for i in range(10)])
            pupils = fill._pupils(rng, school, classes, pupils_n, establishment=4000 + s)
            locations, periods = fill._school_day(school)
            terms = [t for y in range(first_year, first_year + YEARS) for t in _terms(y)]
            Term.objects.bulk_create([Term(school=school, name=n, starts_on=a, ends_on=b, half_term_starts_on=c,
                                           half_term_ends_on=d) for n, a, b, c, d in terms])
            school_rows.append((school.pk, [p.pk for p in pupils], locations, periods, senco.pk))
        # School days of the five years up to yesterday (the same for every school).
        terms = [t for y in range(first_year, first_year + YEARS) for t in _terms(y)]
        day = datetime.date(first_year, 9, 1)
        while day < today:
            if day.isoweekday() <= 5 and any(a <= day <= b and not (c <= day <= d) for _, a, b, c, d in terms):
                day_ids.append(day)
            day += datetime.timedelta(days=1)
        with fill._bulk_load(Incident._meta.db_table):
            for i, (school_id, pupil_ids, locations, periods, senco_id) in enumerate(school_rows):
                _fill_incidents(connection, school_id, pupil_ids, locations, periods, senco_id, day_ids, per_school,
                                seed=(i + 1) / (schools_n + 1), picks=DEFAULT_PICKS, kinds=PickKind)
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        fill._set_user_triggers([m._meta.db_table for m in (School, User, Membership, ClassGroup, Term, Incident)]
                                + ["pupils_pupil", "accounts_location", "accounts_period"], enabled=True)
        tallies.rebuild()  # the tally triggers were off with the rest
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE incidents_incident")
        cur.execute("VACUUM ANALYZE incidents_incidenttally")
        cur.execute("ANALYZE")
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('incidents_incident'))")
        size = cur.fetchone()[0]
    return {"filled": True, "incidents": Incident.objects.count(), "seconds": round(time.perf_counter() - t0, 1),
            "school_days": len(day_ids), "table_size": size}


def _fill_incidents(connection, school_id, pupil_ids, locations, periods, senco_id, days, n, *, seed, picks, kinds):
    """`n` incidents over the school days, in time order: a tenth of the pupils have 70% of them; the
    hour peaks after lunch; places skewed (dining hall, playground, corridor first); intensity mostly
    1-3; force in about 4%; the later years a little busier. Local date, weekday and hour are
    computed from the same local timestamp the row stores."""
    import random

    rng = random.Random(seed)
    pupils = list(pupil_ids)
    rng.shuffle(pupils)
    day_minutes = periods[-1][2]
    period_case = " ".join(f"WHEN m >= {a} AND m < {b} THEN {pk}" for pk, a, b in periods)
    sql = f"""
        WITH r AS MATERIALIZED (
            SELECT (%(pupils)s::bigint[])[1 + floor(random() * CASE WHEN random() < 0.7 THEN %(busy)s
                                                                         ELSE %(np)s END)::int] AS pupil,
                   (%(locations)s::bigint[])[1 + floor(power(random(), 1.8) * %(nl)s)::int] AS location,
                   (%(days)s::date[])[1 + floor(sqrt(random()) * %(nd)s)::int] AS day,
                   CASE WHEN random() < 0.2 THEN 255 + floor(random() * 25)::int
                        ELSE floor(random() * %(minutes)s)::int END AS m,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
            FROM generate_series(1, %(n)s)
        ), t AS MATERIALIZED (
            SELECT r.*, day + time '08:45' + make_interval(mins => m) AS local_ts,
                   CASE WHEN r1 < 0.34 THEN 1 WHEN r1 < 0.70 THEN 2 WHEN r1 < 0.90 THEN 3
                        WHEN r1 < 0.97 THEN 4 ELSE 5 END AS intensity
            FROM r
        )
        INSERT INTO incidents_incident (
            school_id, pupil_id, occurred_at, recorded_at, created_by_id, location_id, period_id, activity,
            antecedent_picks, antecedent, behaviour_picks, behaviour, consequence_picks, consequence,
            strategy_picks, strategies, intensity, duration_minutes, outcome_picks, outcome, suspected_function,
            setting_events, damage, physical_intervention, is_full_report, corrected, reviewed_at, reviewed_by_id,
            local_date, local_weekday, local_hour)
        SELECT %(school)s, pupil, local_ts AT TIME ZONE 'Europe/London',
               (local_ts AT TIME ZONE 'Europe/London') + (3 + r2 * 120) * interval '1 minute', %(senco)s, location,
               CASE {period_case} END, '',
               ARRAY[(%(ante)s::text[])[1 + floor(r2 * 8)::int]]::varchar(60)[], '',
               ARRAY[(%(beh)s::text[])[1 + floor(r3 * 8)::int]]::varchar(60)[], '',
               ARRAY[(%(cons)s::text[])[1 + floor(r4 * 7)::int]]::varchar(60)[], '',
               ARRAY[(%(strat)s::text[])[1 + floor(r5 * 7)::int]]::varchar(200)[], '',
               intensity, 1 + floor(r5 * 30)::int,
               ARRAY[(%(outc)s::text[])[1 + floor(r3 * 4)::int]]::varchar(60)[], '',
               (ARRAY['escape','attention','tangible','sensory','unknown'])[1 + floor(r4 * 5)::int], '', '',
               intensity >= 4 AND r5 < 0.4, intensity >= 4, false,
               CASE WHEN r4 < 0.9 THEN (local_ts AT TIME ZONE 'Europe/London') + interval '1 day' END,
               CASE WHEN r4 < 0.9 THEN %(senco)s::bigint END,
               local_ts::date, extract(isodow FROM local_ts)::int, extract(hour FROM local_ts)::int
        FROM t ORDER BY local_ts
    """
    params = {"school": school_id, "pupils": pupils, "np": len(pupils), "busy": max(1, len(pupils) // 10),
              "locations": locations, "nl": len(locations), "days": days, "nd": len(days), "minutes": day_minutes,
              "n": n, "senco": senco_id, "ante": picks[kinds.ANTECEDENT], "beh": picks[kinds.BEHAVIOUR],
              "cons": picks[kinds.CONSEQUENCE], "strat": picks[kinds.STRATEGY], "outc": picks[kinds.OUTCOME]}
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed])
        cur.execute(sql, params)


# --- child: measure -----------------------------------------------------------------------------

def summary(samples: list[float]) -> dict:
    s = sorted(samples)
    return {"median": statistics.median(s), "p95": s[min(len(s) - 1, round(0.95 * (len(s) - 1)))], "n": len(s)}


def cmd_measure(args) -> dict:
    import django

    django.setup()
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Membership, School
    from dashboards.alerts import compute_school_alerts
    from dashboards.models import PatternAlert
    from incidents.models import Incident

    assert not settings.DEBUG
    school = School.objects.get(urn="910001")
    senco = Membership.objects.get(school=school, roles__contains=["senco"]).user
    client = Client()
    client.force_login(senco, backend="django.contrib.auth.backends.ModelBackend")
    busy = (Incident.objects.filter(school=school).values("pupil").order_by().annotate(n=django.db.models.Count("id"))
            .order_by("-n").values_list("pupil", "n").first())
    today = timezone.localdate()

    # The nightly alerts run for this school, timed (first run creates, the next ones update).
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        compute_school_alerts(school=school, today=today)
        runs.append((time.perf_counter() - t0) * 1000)
    open_by_kind = dict(PatternAlert.objects.filter(school=school, cleared_on__isnull=True).values("kind")
                        .order_by().annotate(n=django.db.models.Count("id")).values_list("kind", "n"))
    out = {"alerts_compute_ms": summary(runs), "open_alerts": sum(open_by_kind.values()),
           "open_by_kind": open_by_kind, "busy_pupil_incidents": busy[1], "load_before": os.getloadavg()[0]}

    pages = {"overview": reverse("dashboards:overview"),
             "pupil": reverse("dashboards:pupil", kwargs={"pupil_id": busy[0]}),
             "alerts": reverse("dashboards:alerts")}
    if args.label == "5m":
        pages = {k: v for k, v in pages.items() if k != "pupil"}
    dsn = settings.DATABASES["default"]
    bare_conn = psycopg.connect(host=dsn["HOST"], port=dsn["PORT"] or 5432, user=dsn["USER"], dbname=dsn["NAME"],
                                password=dsn["PASSWORD"] or None, autocommit=True)
    for key, url in pages.items():
        for _ in range(args.warmup):
            assert client.get(url).status_code == 200, (key, url)
        times, sql_ms, queries, slowest = [], [], 0, None
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            queries = len(ctx.captured_queries)
            sql_ms.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            reads = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
            top = max(reads, key=lambda q: float(q["time"]))
            if slowest is None or float(top["time"]) > float(slowest["time"]):
                slowest = top
        # The heaviest statement on its own, straight through psycopg (no Django): the bare floor.
        bare = []
        for _ in range(max(5, args.requests // 2)):
            t0 = time.perf_counter()
            bare_conn.execute(slowest["sql"]).fetchall()
            bare.append((time.perf_counter() - t0) * 1000)
        plan = bare_conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + slowest["sql"]).fetchone()[0][0]
        top_statements = sorted(((float(q["time"]) * 1000, " ".join(q["sql"].split())[:110])
                                 for q in ctx.captured_queries), reverse=True)[:3]
        out[key] = {"url": url, "server_ms": summary(times), "sql_ms": summary(sql_ms), "queries": queries,
                    "top_statements": top_statements,
                    "bytes": len(response.content), "bare_sql_ms": summary(bare),
                    "slowest_sql": slowest["sql"][:1500], "plan_top": _plan_nodes(plan["Plan"])[:8],
                    "plan_ms": plan.get("Execution Time")}
    out["load_after"] = os.getloadavg()[0]
    return out


def _plan_nodes(node, depth=0) -> list[str]:
    label = node["Node Type"] + (f" on {node['Relation Name']}" if "Relation Name" in node else "") + (
        f" using {node['Index Name']}" if "Index Name" in node else "")
    rows = [f"{'  ' * depth}{label} (rows {node.get('Actual Rows')}, {node.get('Actual Total Time')} ms)"]
    for sub in node.get("Plans", []):
        rows += _plan_nodes(sub, depth + 1)
    return rows


# --- report -------------------------------------------------------------------------------------

# Read from the runs of 2026-11-24 (session 3: 17:56-18:56; session 4: 20:21, 20:24); kept with the
# script so a rerun keeps it.
READING = """\
## Reading (session 4, 2026-11-24: incident tallies)

- **A quiet machine this time** (load 1.4-1.7 on 2 cores; session 3's runs had 7-15), so these
  milliseconds are not comparable with session 3's 382 ms; the same-run comparisons are.
- **Before -> after the tallies, same quiet machine, back to back** (median / p95 ms): 500k overview
  93.9 / 97.9 -> 55.7 / 58.9, its heaviest statement alone 47.0 -> 15.5 ms; 5M one-school overview
  62.7 / 68.1 -> 50.8 / 55.7, heaviest 22.4 -> 11.3 ms. Query counts unchanged (22). The per-pupil
  and alerts pages don't read tallies (21 and 15 ms).
- **What changed**: `incidents.IncidentTally` (migration 0004): a school's incidents counted per
  local day by period, place, pupil and each behaviour and antecedent ticked, with uses of force.
  A whole-school overview sums a range's tally rows (500k: 154,580 rows, 28 MB, about 3 incidents a
  row; 5M: 2.3M rows, 355 MB) from the unique index alone, instead of grouping every incident five
  ways. Weeks, weekday x period and force come from the period rows (each incident is tallied once
  there). A narrowed overview (year, class, need, SEN status, pupil, or a caseload) still reads the
  incidents: fewer rows, and a tally by every filter would be a cube.
- **Exactly in step**: AFTER row triggers on `incidents_incident` (insert; delete, which the
  never-deleted guard refuses anyway; and an update of a counted column: a correction moving the
  date, pupil, place or period, force, ticks) take the old row's parts away and add the new row's in
  one statement, in key order (two writers lock shared rows in the same order: no deadlock). Tested:
  a quick log's rows by hand, corrections, random writes recounted after each round, an uncounted
  change not touching a tally row, two threads at once, and the overview read both ways on random
  data (`incidents/tests/test_tally.py`, `dashboards/tests/test_tallied.py`). `manage.py
  incident_tallies` checks (exit 1 on a difference) or `--rebuild`s, for loads that bypass triggers
  (the bench fills do, then rebuild).
- **Cost**: 0.41-0.50 ms more an incident (2,000 single-row INSERT ... SELECTs on the 500k database,
  rolled back: 0.26-0.28 ms without the tally triggers, 0.69-0.78 ms with), against a quick log's
  request of tens of milliseconds. Hot rows: incidents logged at once in the same school, day and
  period update the same tally row, so the second waits for the first's commit (a quick log's
  transaction is a few milliseconds).
- **What's left**: of the 500k overview's 56 ms, the SQL is 25 ms (22 statements, 15 of them the
  tallies) and Python 31 ms (ORM compiling, 7 charts, the template, the reviews and medication
  selectors of plans and care).
- Session 3's changes (still in place): the covering indexes of migration 0003, one statement for
  every incident figure, the per-pupil page's index-only range scan, the one-pass filter selects.
"""

def report(results: dict, fills: dict, args) -> str:
    lines = ["# Dashboards bench (issue 8): overview, per-pupil page, pattern alerts", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M')} by `bench/dashboards.py` ({args.requests} requests after "
             f"{args.warmup} warm-up per page). In-process Django test client, `DEBUG=False`, a logged-in SENCo, "
             "warm caches, the 2-core shared VM. **History triggers were off while the bench data was "
             "loaded** (no history rows; bench databases only).", "",
             "| Data | Page | queries | server median ms | p95 ms | SQL median ms | Python ms (server − SQL) | "
             "heaviest SQL alone ms | server / heaviest SQL | aim |", "|---|---|---|---|---|---|---|---|---|---|"]
    for label, res in results.items():
        schools, pupils, per = SIZES[label]
        data = f"{schools * per:,} incidents ({schools} school{'s' if schools > 1 else ''} × {pupils} pupils)"
        for key in ("overview", "pupil", "alerts"):
            if key not in res:
                continue
            r = res[key]
            aim = AIMS_MS[label] if key == "overview" or (key == "pupil" and label == "500k") else None
            ratio = r["server_ms"]["median"] / r["bare_sql_ms"]["median"]
            mark = "" if aim is None else (f"< {aim} ms: {'met' if r['server_ms']['median'] < aim else '**missed**'}")
            lines.append(f"| {data} | {key} (`{r['url']}`) | {r['queries']} | {r['server_ms']['median']:.1f} | "
                         f"{r['server_ms']['p95']:.1f} | {r['sql_ms']['median']:.1f} | "
                         f"{r['server_ms']['median'] - r['sql_ms']['median']:.1f} | "
                         f"{r['bare_sql_ms']['median']:.1f} | {ratio:.1f}× | {mark} |")
    lines += ["", "Nightly pattern alerts for one school (`compute_school_alerts`, one aggregate pass):", ""]
    for label, res in results.items():
        c = res["alerts_compute_ms"]
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(res["open_by_kind"].items()))
        lines.append(f"- {label}: median {c['median']:.0f} ms, max of 3 {max(c['median'], c['p95']):.0f} ms; "
                     f"{res['open_alerts']} open alerts ({kinds}); busiest pupil {res['busy_pupil_incidents']:,} "
                     f"incidents. Machine load average (1 min) {res['load_before']:.1f} before, "
                     f"{res['load_after']:.1f} after measuring (2 cores)")
    lines += ["", "## Where the time goes (the three slowest statements of the last request of each page)", ""]
    for label, res in results.items():
        for key in ("overview", "pupil", "alerts"):
            if key in res:
                lines.append(f"- **{label} {key}**: " + "; ".join(
                    f"{ms:.1f} ms `{sql}…`" for ms, sql in res[key]["top_statements"]))
    lines += ["", "Fill:", ""]
    for label, f in fills.items():
        lines.append(f"- {label}: {f.get('incidents', 0):,} incidents"
                     + (f", {f['seconds']} s, {f['school_days']} school days, table {f['table_size']}"
                        if "seconds" in f else " (reused)"))
    lines += ["", READING, "## The heaviest statement of each page (EXPLAIN ANALYZE, top of the plan)", ""]
    for label, res in results.items():
        for key in ("overview", "pupil", "alerts"):
            if key in res:
                r = res[key]
                lines += [f"**{label} {key}** ({r['plan_ms']:.1f} ms in the plan):", "", "```",
                          *r["plan_top"], "```", "", "<details><summary>SQL</summary>", "", "```sql",
                          r["slowest_sql"], "```", "", "</details>", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="all", choices=["all", "fill", "state", "migrate", "measure"])
    parser.add_argument("--label", choices=list(SIZES))
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", choices=list(SIZES))
    args = parser.parse_args()
    if args.command == "fill":
        print(json.dumps(cmd_fill(args)))
        return
    if args.command == "migrate":
        print(json.dumps(cmd_migrate(args)))
        return
    if args.command == "state":
        print(json.dumps(cmd_state(args)))
        return
    if args.command == "measure":
        print(json.dumps(cmd_measure(args)))
        return
    labels = [args.only] if args.only else list(SIZES)
    log("collectstatic (the manifest storage needs it)")
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=child_env(PREFIX + "template"), check=True, timeout=600)
    fills, results = {}, {}
    for label in labels:
        fills[label] = prepare(label, args.fresh)
    for label in labels:
        log(f"measuring {label}")
        results[label] = child([__file__, "measure", "--label", label, "--requests", str(args.requests),
                                "--warmup", str(args.warmup)], PREFIX + label)
    text = report(results, fills, args)
    RESULTS.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
