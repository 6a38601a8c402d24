"""Child process of bench/run.py: one Django process per settings module and bench database.

    measure.py fill --size N --out F                     (app settings) fill the bench DB if needed
    measure.py app --size N --requests R --warmup W --out F   (app settings) time the app's pages
    measure.py baseline --size N --requests R --warmup W --out F  (bench.baseline.settings) time the bare pages

DATABASE_URL (the bench database) and DJANGO_SETTINGS_MODULE come from bench/run.py. Results are
written as JSON to --out. Timings are wall-clock per request through django.test.Client (the full
middleware stack, URL routing, view, template, session save), against the real PostgreSQL; the
query counts come from further requests under CaptureQueriesContext, so the timed requests carry
no query-logging overhead. A page with ``post`` bodies is a form POST (the quick log, the bare
insert), rotating over its bodies; it must answer 302.
"""

from __future__ import annotations

import argparse
import datetime
import html
import itertools
import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROUND = 20  # requests per page per round; pages take turns, so a noisy moment hits them all alike
ROUNDS = itertools.count()  # the app's and the baseline's processes count their rounds alike
SLOW_MS = 30  # a page whose warm-up median is k x this is timed in every k-th round only (k <= MAX_EVERY)
MAX_EVERY = 5
WARMUP_SECONDS = 3.0  # warm-up stops after this long (at least 5 requests)


def summarise(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "min_ms": ordered[0] * 1000,
    }


CAPTURES = 5  # requests whose queries are recorded; per-query time is the median over them
TRANSACTION_MARKERS = {"BEGIN", "COMMIT", "ROLLBACK"}


def _timer(timings: list[float]):
    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(time.perf_counter() - t0)
    return wrapper


def _align(captured: list[dict], timings: list[float]) -> list[dict]:
    """Django logs query times to the millisecond; an execute wrapper times each statement to the
    microsecond. BEGIN/COMMIT are logged but not executed through the wrapper: they keep Django's time."""
    executed = [q for q in captured if q["sql"] not in TRANSACTION_MARKERS]
    precise = len(executed) == len(timings)
    it = iter(timings)
    out = []
    for q in captured:
        if q["sql"] in TRANSACTION_MARKERS or not precise:
            out.append({"sql": q["sql"], "ms": float(q["time"]) * 1000})
        else:
            out.append({"sql": q["sql"], "ms": next(it) * 1000})
    return out


def fetch(page):
    """One request of the page: a GET, or a POST of its next body (form-encoded, as a browser sends it)."""
    if not page.get("post"):
        return page["client"].get(page["path"])
    page["n"] = page.get("n", 0) + 1
    body = page["post"][page["n"] % len(page["post"])]
    # A browser follows the redirect, whose page shows and drops the "Incident logged" message; a
    # client that doesn't would pile up messages, then carry them in the session (saved each time).
    page["client"].cookies.pop("messages", None)
    return page["client"].post(page["path"], body, content_type="application/x-www-form-urlencoded")


def expected_status(page) -> int:
    return 302 if page.get("post") else 200


def prepare_pages(pages: list[dict], warmup: int) -> None:
    """Warm each page up and record its queries (CAPTURES requests, not timed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        warm, started = [], time.perf_counter()
        for i in range(warmup):
            t0 = time.perf_counter()
            response = fetch(page)
            warm.append(time.perf_counter() - t0)
            page["check"](response)
            if i >= 4 and time.perf_counter() - started > WARMUP_SECONDS:
                break
        # A slow page is timed in every k-th round only, so it doesn't take most of the run's time.
        page["every"] = min(MAX_EVERY, max(1, math.ceil(statistics.median(warm) * 1000 / SLOW_MS))) if warm else 1
        runs = []
        for _ in range(CAPTURES):
            timings: list[float] = []
            page["n"] = -1  # a POST page: its queries are recorded on its first body (no period given) each time
            with connection.execute_wrapper(_timer(timings)), CaptureQueriesContext(connection) as ctx:
                response = fetch(page)
            page["check"](response)
            runs.append(_align(ctx.captured_queries, timings))
        page["queries"] = [
            {"sql": q["sql"], "ms": statistics.median(run[i]["ms"] for run in runs)} for i, q in enumerate(runs[0])
        ]
        page["html_kb"] = len(response.content) / 1024
        page["samples"] = []
        page["cpu"] = 0.0


def timed_round(pages: list[dict], n: int) -> None:
    """``n`` timed requests of each page in turn (a slow page: in every ``page["every"]``-th round)."""
    number = next(ROUNDS)
    for page in pages:
        if number % page.get("every", 1):
            continue
        samples, status = page["samples"], expected_status(page)
        cpu0 = time.process_time()
        for _ in range(n):
            t0 = time.perf_counter()
            response = fetch(page)
            samples.append(time.perf_counter() - t0)
            if response.status_code != status:
                raise SystemExit(f"{page['name']}: status {response.status_code} during timing")
        page["cpu"] += time.process_time() - cpu0


def run_pages(pages: list[dict], args) -> None:
    """Time the pages: by itself in rounds of ROUND requests, or, with --stdin, one round per
    ``round N`` line from bench/run.py, which alternates the app's and the baseline's rounds so a
    busy moment on the machine hits both alike. Answers READY, then OK after each round."""
    prepare_pages(pages, args.warmup)
    if not args.stdin:
        done = 0
        while done < args.requests:
            timed_round(pages, min(ROUND, args.requests - done))
            done += ROUND
        return
    print("READY", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words and words[0] == "round":
            timed_round(pages, int(words[1]))
            print("OK", flush=True)
        elif words and words[0] == "finish":
            return
    raise SystemExit("bench/run.py went away")


def explain(sql: str) -> dict:
    """EXPLAIN ANALYZE one captured SELECT; returns its execution time and its sequential scans."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    root = plan[0]
    scans = []

    def walk(node):
        loops = node.get("Actual Loops", 1)
        removed = (node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Join Filter", 0)) * loops
        kept = node.get("Actual Rows", 0) * loops
        if node.get("Node Type") == "Seq Scan" or removed:
            scans.append({
                "node": node.get("Node Type"),
                "relation": node.get("Relation Name") or node.get("Index Name") or "",
                "index": node.get("Index Name") or "",
                "rows": kept,
                "removed": removed,
                "loops": loops,
            })
        for child in node.get("Plans", []):
            walk(child)

    walk(root["Plan"])
    return {"exec_ms": root.get("Execution Time", 0.0), "plan_ms": root.get("Planning Time", 0.0), "seq_scans": scans}


def cmd_fill(args) -> dict:
    import django

    django.setup()
    from bench import fill

    state = fill.is_filled(args.size)
    last_id = fill.fill_last_id(args.size)
    if state == "yes":
        return {"state": "reused", "last_id": last_id, "incidents": fill.incidents_for(args.size),
                "other_school_incidents": fill.other_incidents_for(args.size)}
    if state == "stale":
        return {"state": "stale"}
    t0 = time.perf_counter()
    counts = fill.fill(args.size)
    return {"state": "filled", "seconds": time.perf_counter() - t0, "last_id": last_id, **counts}


def cmd_app(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bench import fill
    from pupils.models import Pupil

    assert settings.DEMO_SKIP_MFA, "SENDSUPPORT_DEMO=1 must turn DEMO_SKIP_MFA on for the bench"
    assert not settings.DEBUG
    school = fill.School.objects.get(urn=fill.SCHOOL_URN)
    senco = User.objects.get(email=fill.SENCO_EMAIL)
    ta = User.objects.get(email=fill.TA_EMAIL)

    current = Pupil.objects.filter(school=school, archived_at__isnull=True)
    expected_senco = current.count()
    with connection.cursor() as cur:
        cur.execute(
            """SELECT p.id FROM pupils_pupil p WHERE p.school_id = %s AND p.archived_at IS NULL AND (
                 p.id IN (SELECT pupil_id FROM pupils_caseloadentry WHERE user_id = %s AND school_id = %s
                          AND pupil_id IS NOT NULL)
                 OR p.class_group_id IN (SELECT class_group_id FROM pupils_caseloadentry WHERE user_id = %s
                          AND school_id = %s AND class_group_id IS NOT NULL))
               ORDER BY p.id""",
            [school.pk, ta.pk, school.pk, ta.pk, school.pk],
        )
        ta_ids = [r[0] for r in cur.fetchall()]
    expected_ta = len(ta_ids)
    ordered = list(current.order_by("legal_last_name", "legal_first_name", "id").values_list("id", flat=True))
    senco_pupil = ordered[len(ordered) // 2]  # a pupil in the middle of the school, not on page 1
    ta_pupil = ta_ids[len(ta_ids) // 2]
    outside_ta = next(pk for pk in ordered if pk not in set(ta_ids))
    other_pupil = Pupil.objects.filter(school__urn=fill.OTHER_SCHOOL_URN).values_list("id", flat=True).first()

    backend = "django.contrib.auth.backends.ModelBackend"

    def logged_in(user):
        client = Client()
        client.force_login(user, backend=backend)
        return client

    c_senco, c_ta = logged_in(senco), logged_in(ta)

    def ok(response):
        if response.status_code != 200:
            where = response.get("Location", "")
            raise SystemExit(f"expected 200, got {response.status_code} {where}".strip())
        body = response.content
        if fill.OTHER_SURNAME.encode() in body:
            raise SystemExit("a pupil of the other school is shown: scoping leak")
        return body

    def list_check(expected):
        def check(response):
            body = ok(response)
            found = re.search(rb'id="result-count"[^>]*>([\d,]+) pupil', body)
            if not found or int(found.group(1).replace(b",", b"")) != expected:
                raise SystemExit(f"/pupils/ does not say {expected} pupils")
        return check

    # Scoping: other school's pupil and (for the TA) a pupil outside the caseload are 404.
    for client, pk, who in ((c_senco, other_pupil, "SENCo/other school"), (c_ta, other_pupil, "TA/other school"),
                            (c_ta, outside_ta, "TA/outside caseload")):
        status = client.get(f"/pupils/{pk}/").status_code
        if status != 404:
            raise SystemExit(f"{who}: profile of pupil {pk} answered {status}, expected 404")

    from plans.models import Plan

    with_plan = dict(Plan.objects.filter(pupil__school=school, status="in_force").values_list("pupil_id", "id"))
    senco_planned = next(pk for pk in ordered[len(ordered) // 2:] if pk in with_plan)
    ta_planned = next(pk for pk in ta_ids[len(ta_ids) // 2:] + ta_ids if pk in with_plan)
    pages = [
        {"name": "Pupil list", "role": "SENCo", "client": c_senco, "path": "/pupils/", "check": list_check(expected_senco)},
        {"name": "Pupil list", "role": "TA", "client": c_ta, "path": "/pupils/", "check": list_check(expected_ta)},
        # profiles of pupils with a plan in force, so each size measures the same kind of page
        {"name": "Pupil profile", "role": "SENCo", "client": c_senco, "path": f"/pupils/{senco_planned}/", "check": ok},
        {"name": "Pupil profile", "role": "TA", "client": c_ta, "path": f"/pupils/{ta_planned}/", "check": ok},
        {"name": "Pupil plans", "role": "SENCo", "client": c_senco, "path": f"/pupils/{senco_planned}/plans/",
         "check": ok},
        {"name": "EHCP (whole plan)", "role": "SENCo", "client": c_senco,
         "path": f"/pupils/{senco_planned}/plans/{with_plan[senco_planned]}/", "check": ok},
        {"name": "EHCP (whole plan)", "role": "TA", "client": c_ta,
         "path": f"/pupils/{ta_planned}/plans/{with_plan[ta_planned]}/", "check": ok},
        {"name": "Before you step in", "role": "TA", "client": c_ta, "path": f"/pupils/{ta_planned}/step-in/",
         "check": ok},
    ]
    for page in pages:
        page["base"] = "pupils"
    incident_pages, post_variants = incident_setup(school, ta, c_senco, c_ta, ok, args.sessions)
    pages += incident_pages
    pages += intervention_setup(school, ta, c_senco, c_ta, ok)
    run_pages(pages, args)

    for page in pages:
        page["plans"] = []
        for i, q in enumerate(page["queries"]):
            sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ', "", q["sql"].lstrip())
            if sql.startswith("SELECT set_config('pghistory.context"):
                sql = sql.split("; ", 1)[-1]  # the statement after the history context
            if sql.upper().startswith("SELECT") and ";" not in sql:
                page["plans"].append({"index": i, **explain(sql)})

    sessions = []
    for _ in range(args.sessions):
        sessions.append(logged_in(senco).cookies[settings.SESSION_COOKIE_NAME].value)

    return {
        "size": args.size,
        "school_id": school.pk,
        "ta_id": ta.pk,
        "incidents": fill.incidents_for(args.size),
        "visible": {"SENCo": expected_senco, "TA": expected_ta},
        "paths": {"profile_senco": f"/pupils/{senco_pupil}/", "profile_ta": f"/pupils/{ta_pupil}/"},
        "senco_sessions": sessions,
        "post_variants": post_variants,
        "pages": [
            {
                "name": p["name"], "role": p["role"], "path": p["path"], "queries": p["queries"], "base": p["base"],
                "html_kb": p["html_kb"], "cpu_ms": p["cpu"] / len(p["samples"]) * 1000, "plans": p["plans"],
                "method": "POST" if p.get("post") else "GET", **summarise(p["samples"]),
            }
            for p in pages
        ],
    }


OLDER_PAGE_ROW = 5000  # the "older incidents" page measured starts after this many of the newest


def quick_log_bodies(school, pupils: list[int], csrf_token: str | None) -> list[str]:
    """Form-encoded quick-log POSTs (the lead's field names), rotating over pupils, with and without
    a period; picks from DEFAULT_PICKS. Shared by the in-process timing and wrk."""
    from urllib.parse import urlencode

    from django.utils import timezone

    from accounts.models import Location, Period
    from incidents.models import DEFAULT_PICKS, PickKind

    locations = list(Location.objects.filter(school=school).order_by("id").values_list("id", flat=True))
    periods = list(Period.objects.filter(school=school).order_by("starts_at").values_list("id", flat=True))
    when = (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    bodies = []
    for i, pupil in enumerate(pupils):
        fields = [("pupil", pupil), ("occurred_at", when), ("location", locations[i % len(locations)]),
                  ("period", periods[i % len(periods)] if i % 2 else ""),
                  ("antecedent_picks", DEFAULT_PICKS[PickKind.ANTECEDENT][i % 8]),
                  ("behaviour_picks", DEFAULT_PICKS[PickKind.BEHAVIOUR][i % 8]),
                  ("behaviour_picks", DEFAULT_PICKS[PickKind.BEHAVIOUR][(i + 3) % 8]),
                  ("consequence_picks", DEFAULT_PICKS[PickKind.CONSEQUENCE][i % 7]),
                  ("strategy_picks", DEFAULT_PICKS[PickKind.STRATEGY][i % 7]),
                  ("intensity", 1 + i % 3), ("duration_minutes", 5 + i % 10),
                  ("outcome_picks", DEFAULT_PICKS[PickKind.OUTCOME][0])]
        if csrf_token:
            fields.insert(0, ("csrfmiddlewaretoken", csrf_token))
        bodies.append(urlencode(fields))
    return bodies


def incident_setup(school, ta, c_senco, c_ta, ok, sessions: int):
    """The incident pages: the list (first page, as the SENCo and as the TA), an older page reached
    through the keyset cursor, and the quick-log POST as the TA (CSRF checked, as in a browser).
    Also returns the TA sessions + CSRF cookies + bodies that wrk posts."""
    from urllib.parse import quote

    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from incidents.models import Incident
    from pupils.models import Pupil

    def list_check(response):
        body = ok(response)
        rows = body.count(b"<tr>") - 1  # the header row
        if rows != 50 or b"Older incidents" not in body:
            raise SystemExit(f"/incidents/: {rows} rows, expected 50 and a link to older ones")

    def posted(response):
        if response.status_code != 302 or not re.match(r"^/incidents/\d+/$", response.get("Location", "")):
            raise SystemExit(f"quick log: expected a 302 to the new incident, got {response.status_code} "
                             f"{response.get('Location', '')} {response.content[:300]!r}")

    older = (Incident.objects.filter(school=school).order_by("-occurred_at", "-id")
             .values_list("occurred_at", "id")[OLDER_PAGE_ROW - 1])
    after = quote(f"{older[0].isoformat()}~{older[1]}")
    caseload = list(Pupil.objects.filter(school=school, archived_at__isnull=True, caseload_entries__user=ta)
                    .order_by("id").values_list("id", flat=True)[:10])

    def ta_post_client():
        client = Client(enforce_csrf_checks=True)
        client.force_login(ta, backend="django.contrib.auth.backends.ModelBackend")
        token = _get_new_csrf_string()
        client.cookies[settings.CSRF_COOKIE_NAME] = token
        return client, token

    c_post, token = ta_post_client()
    pages = [
        {"name": "Incident list", "role": "SENCo", "client": c_senco, "path": "/incidents/", "check": list_check},
        {"name": "Incident list", "role": "TA", "client": c_ta, "path": "/incidents/", "check": list_check},
        {"name": f"Incident list, older page (after {OLDER_PAGE_ROW:,})", "role": "SENCo", "client": c_senco,
         "path": f"/incidents/?after={after}", "check": list_check},
        {"name": "Quick log (POST)", "role": "TA", "client": c_post, "path": "/incidents/new/", "check": posted,
         "post": quick_log_bodies(school, caseload, token)},
    ]
    for page in pages:
        page["base"] = "insert" if page.get("post") else "incidents"

    variants = []
    for _ in range(sessions):
        client, token = ta_post_client()
        cookie = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                  f"{settings.CSRF_COOKIE_NAME}={token}")
        variants += [{"cookie": cookie, "body": body} for body in quick_log_bodies(school, caseload, token)[:3]]
    return pages, variants


def intervention_setup(school, ta, c_senco, c_ta, ok) -> list[dict]:
    """The interventions pages: "my sessions today" as the bench TA (six groups of their own, 3-4
    of them on any weekday) and the school provision map as the SENCo. Checks: the TA's page lists
    exactly their groups due today (none of the other TAs' "Run..." groups); the map shows the
    school's current placements; the TA may not open the school map (403)."""
    from django.utils import timezone

    from bench import fill
    from interventions.models import Group, Placement

    today = timezone.localdate()
    due = list(Group.objects.filter(school=school, staff=ta, days__contains=[today.weekday()], start_date__lte=today,
                                    planned_end_date__gte=today, ended_on__isnull=True).values_list("name", flat=True))
    if today.weekday() < 5 and len(due) < 3:
        raise SystemExit(f"the bench TA has {len(due)} groups today, expected 3 or more (bench/fill.py TA_GROUPS)")
    current = Placement.objects.filter(group__school=school, ended_on__isnull=True, pupil__archived_at__isnull=True)
    status = c_ta.get("/interventions/provision-map/").status_code
    if status != 403:
        raise SystemExit(f"TA: the school provision map answered {status}, expected 403")

    def today_check(response):
        body = ok(response).decode()
        missing = [name for name in due if html.escape(name) not in body]
        if missing:
            raise SystemExit(f"my sessions today: {missing} not shown")
        if re.search(fill.OTHER_GROUP_PREFIX + r"\d-\d{3} ", body):
            raise SystemExit("my sessions today: another TA's group is shown")

    sample = current.filter(group__name__startswith=fill.OTHER_GROUP_PREFIX).select_related("group").first()

    def map_check(response):
        body = ok(response).decode()
        if html.escape(sample.group.intervention.name) not in body or sample.pupil.legal_last_name not in body:
            raise SystemExit("provision map: a current placement is not shown")

    pages = [
        {"name": f"My sessions today ({len(due)} groups)", "role": "TA", "client": c_ta, "path": "/interventions/today/",
         "check": today_check},
        {"name": f"School provision map ({current.count():,} current placements)", "role": "SENCo", "client": c_senco,
         "path": "/interventions/provision-map/", "check": map_check},
    ]
    for page in pages:
        page["base"] = "pupils"
    return pages


BENCH_SCHOOL_URN = "900001"  # bench/fill.py's SCHOOL_URN and TA_EMAIL: the baseline process cannot
BENCH_TA_EMAIL = "ta@bench.example"  # import fill.py (it loads the app's models)


def bare_insert_bodies(school_id: int, ta_id: int) -> list[str]:
    """Form-encoded POSTs for the bare insert view: the same pupils, places and times as the quick log's."""
    from urllib.parse import urlencode

    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cur:
        cur.execute("""SELECT p.id FROM pupils_caseloadentry c JOIN pupils_pupil p ON p.id = c.pupil_id
                       WHERE c.user_id = %s AND p.archived_at IS NULL ORDER BY p.id LIMIT 10""", [ta_id])
        pupils = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM accounts_location WHERE school_id = %s ORDER BY id", [school_id])
        locations = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM accounts_period WHERE school_id = %s ORDER BY starts_at", [school_id])
        periods = [r[0] for r in cur.fetchall()]
    when = (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    return [urlencode([("pupil", pupil), ("occurred_at", when), ("location", locations[i % len(locations)]),
                       ("period", periods[i % len(periods)] if i % 2 else ""), ("intensity", 1 + i % 3),
                       ("duration_minutes", 5 + i % 10), ("antecedent", "Asked to start a task"),
                       ("behaviour", "Refusal"), ("consequence", "Given time and space")])
            for i, pupil in enumerate(pupils)]


def cmd_baseline(args) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.baseline.models import BareIncident, BarePupil

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM accounts_school WHERE urn = %s", [BENCH_SCHOOL_URN])
        school_id = cur.fetchone()[0]
        cur.execute("SELECT id FROM accounts_user WHERE email = %s", [BENCH_TA_EMAIL])
        ta_id = cur.fetchone()[0]
    expected = min(50, BarePupil.objects.filter(school_id=school_id, archived_at__isnull=True).count())
    expected_incidents = min(50, BareIncident.objects.filter(school_id=school_id)[:50].count())

    def rows(n, what):
        def check(response):
            if response.status_code != 200:
                raise SystemExit(f"baseline {what}: status {response.status_code}")
            if response.content.count(b"<tr>") != n + 1:
                raise SystemExit(f"baseline {what}: wrong number of rows")
        return check

    def posted(response):
        if response.status_code != 302:
            raise SystemExit(f"bare insert: status {response.status_code} {response.content[:300]!r}")

    pages = [
        {"name": "Bare baseline (50 rows)", "role": "anonymous", "client": Client(), "key": "pupils",
         "path": f"/bare/{school_id}/pupils/", "check": rows(expected, "pupils")},
        {"name": "Bare incident list (50 rows)", "role": "anonymous", "client": Client(), "key": "incidents",
         "path": f"/bare/{school_id}/incidents/", "check": rows(expected_incidents, "incidents")},
        {"name": "Bare insert (POST)", "role": "anonymous", "client": Client(), "key": "insert",
         "path": f"/bare/{school_id}/{ta_id}/incidents/new/", "check": posted,
         "post": bare_insert_bodies(school_id, ta_id)},
    ]
    run_pages(pages, args)
    return {"school_id": school_id, "ta_id": ta_id, "pages": [
        {"name": p["name"], "role": p["role"], "path": p["path"], "queries": p["queries"], "key": p["key"],
         "html_kb": p["html_kb"], "cpu_ms": p["cpu"] / len(p["samples"]) * 1000,
         "method": "POST" if p.get("post") else "GET", "post": p.get("post", []), **summarise(p["samples"])}
        for p in pages]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["fill", "app", "baseline"])
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=0, help="extra SENCo sessions to hand to wrk")
    parser.add_argument("--out", required=True)
    parser.add_argument("--stdin", action="store_true", help="time one round per 'round N' line on stdin")
    args = parser.parse_args()
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "bench.baseline.settings" if args.command == "baseline" else "sendsupport.settings"
    )
    result = {"fill": cmd_fill, "app": cmd_app, "baseline": cmd_baseline}[args.command](args)
    Path(args.out).write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
