"""bench/care_due_now.py: "medicines due now" for a school with 60 pupils on medicines.

    .venv/bin/python bench/care_due_now.py            # about 3 minutes the first time (migrate), 30 s after
    .venv/bin/python bench/care_due_now.py --fresh    # drop and re-create the bench database

Database `sendsupport_bench_med_due` on 127.0.0.1:5432 (never the app's), made by `manage.py migrate`
and filled through the ORM: one school, 300 pupils of whom 60 have 1-3 medicines (scheduled at 08:45,
12:00, 12:15 or 13:30, or as needed; some controlled drugs), a batch each, and a term (60 school
days) of dose records with `bulk_create`. History triggers are on (the fill is small).

Measures in one process, DEBUG off, as a SENCo (every pupil visible) at 12:05 local time:
- **page**: GET /care/due/ through Django's test client (middleware, session, template), N times;
- **view**: the selector + template alone (`care.selectors.due_now` + `render_to_string`);
- **bare**: a baseline in the same run: one query for the same medicines with their pupils and a
  plain template listing them (what any "list of 90 rows" page costs on this stack);
server time median and p95, SQL statements per request (at 60 and at 30 pupils: must not grow).
Writes `bench/results_med.md`.
"""

from __future__ import annotations

import argparse
import datetime
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
NAME = "sendsupport_bench_med_due"
RESULTS = BENCH / "results_med.md"
FILL_VERSION = "med-due-v1"
RUNS = 200


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def admin(statement: str) -> list:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def child_env() -> dict:
    env = dict(os.environ)
    for var in ("ALLOWED_HOSTS", "SENDSUPPORT_TESTING", "CSRF_TRUSTED_ORIGINS"):
        env.pop(var, None)
    env.update({
        "DATABASE_URL": f"{SERVER}/{NAME}", "DJANGO_SETTINGS_MODULE": "sendsupport.settings",
        "SENDSUPPORT_DEMO": "1", "SENDSUPPORT_DEMO_SKIP_MFA": "1", "DJANGO_DEBUG": "0", "LOG_LEVEL": "ERROR",
        "CACHE_KEY_PREFIX": "sendsupport-bench-med", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0",
        "STATIC_ROOT": "/tmp/sendsupport_bench_med_static",
    })
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure()
    exists = admin(f"SELECT 1 FROM pg_database WHERE datname = '{NAME}'")
    if args.fresh and exists:
        admin(f'DROP DATABASE "{NAME}" WITH (FORCE)')
        exists = False
    if not exists:
        log(f"creating {NAME} with manage.py migrate")
        admin(f'CREATE DATABASE "{NAME}"')
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=child_env(), check=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=child_env(), check=True)
    subprocess.run([PYTHON, __file__, "--child"], cwd=ROOT, env=child_env(), check=True)


# --- child --------------------------------------------------------------------------------------

def fill():
    import random
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, School, User
    from bench import fill as base
    from care.models import Administration, Batch, Medicine
    from care.services import slot_at
    from pupils.models import ClassGroup

    school = School.objects.filter(urn="920001").first()
    if school and school.local_authority == FILL_VERSION:
        return school
    rng = random.Random(7)
    today = timezone.localdate()
    with transaction.atomic():
        school = School.objects.create(name="Bench Medicines School", urn="920001", local_authority=FILL_VERSION)
        senco = User.objects.create(email="senco@med.bench.example", full_name="Bench Senco", password="!bench")
        Membership.objects.create(school=school, user=senco, roles=["senco"], job_title="SENCo")
        classes = ClassGroup.objects.bulk_create(
            [ClassGroup(school=school, name=f"Y{i % 7}-{i:02d}", year_group=i % 7) for i in range(10)])
        pupils = base._pupils(rng, school, classes, 300, establishment=4900)
        with_meds = rng.sample(pupils, 60)
        kinds = [
            dict(name="Methylphenidate 5 mg", strength="5 mg", form="tablet", route="oral", dose_amount=Decimal(1),
                 unit="tablets", scheduled_times=[datetime.time(12, 0)], storage="cd_store", is_controlled=True),
            dict(name="Lamotrigine 25 mg", strength="25 mg", form="tablet", route="oral", dose_amount=Decimal(1),
                 unit="tablets", scheduled_times=[datetime.time(12, 15)], storage="office"),
            dict(name="Insulin aspart", strength="100 units/ml", form="injection", route="injection",
                 dose_amount=Decimal(4), unit="units", scheduled_times=[datetime.time(12, 0)], storage="fridge"),
            dict(name="Amoxicillin 250 mg/5 ml", strength="250 mg/5 ml", form="liquid", route="oral",
                 dose_amount=Decimal(5), unit="ml", scheduled_times=[datetime.time(8, 45), datetime.time(13, 30)],
                 storage="fridge"),
            dict(name="Salbutamol inhaler", strength="100 micrograms", form="inhaler", route="inhaled",
                 dose_amount=Decimal(2), unit="puffs", as_needed=True, prn_reason="Wheeze", prn_max_doses_24h=4,
                 prn_min_gap_minutes=240, storage="classroom"),
        ]
        medicines = []
        for p in with_meds:
            for fields in rng.sample(kinds, rng.randint(1, 3)):
                medicines.append(Medicine(school=school, pupil=p, consent_from="Parent",
                                          consent_given_on=today - datetime.timedelta(days=90),
                                          consent_review_on=today + datetime.timedelta(days=270), created_by=senco,
                                          created_at=timezone.now() - datetime.timedelta(days=90),
                                          **{"scheduled_times": [], **fields}))
        Medicine.objects.bulk_create(medicines)
        batches = Batch.objects.bulk_create([Batch(medicine=m, expires_on=today + datetime.timedelta(days=200),
                                                   quantity_received=Decimal(500), quantity_in_stock=Decimal(400),
                                                   received_by=senco) for m in medicines])
        doses = []
        day, days = today - datetime.timedelta(days=1), 0
        while days < 60:
            if day.weekday() < 5:
                days += 1
                for m, b in zip(medicines, batches):
                    for t in m.scheduled_times:
                        slot = slot_at(day, t)
                        doses.append(Administration(school=school, pupil=m.pupil, medicine=m, batch=b, outcome="given",
                                                    scheduled_for=slot, at=slot, dose_amount=m.dose_amount,
                                                    recorded_by=senco, witness=None))
                    if m.as_needed and rng.random() < 0.2:
                        doses.append(Administration(school=school, pupil=m.pupil, medicine=m, batch=b, outcome="given",
                                                    at=slot_at(day, datetime.time(10, 30)), dose_amount=m.dose_amount,
                                                    reason="Wheeze", recorded_by=senco))
            day -= datetime.timedelta(days=1)
        # Today's morning doses are already given (the 08:45s): the page shows recorded and due rows.
        for m, b in zip(medicines, batches):
            if datetime.time(8, 45) in m.scheduled_times:
                slot = slot_at(today, datetime.time(8, 45))
                doses.append(Administration(school=school, pupil=m.pupil, medicine=m, batch=b, outcome="given",
                                            scheduled_for=slot, at=slot, dose_amount=m.dose_amount, recorded_by=senco))
        Administration.objects.bulk_create(doses, batch_size=2000)
    log(f"filled: {len(medicines)} medicines for 60 pupils, {len(doses):,} dose records")
    return school


def timed(fn, runs=RUNS):
    for _ in range(10):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1]


def measure():
    import django

    django.setup()
    from unittest import mock

    from django.db import connection
    from django.template import Context, Template
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.middleware import staff_context_for
    from accounts.models import User
    from care import selectors
    from care.models import Medicine

    school = fill()
    senco = User.objects.get(email="senco@med.bench.example")
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12, 5)))
    client = Client()
    client.force_login(senco)

    bare_template = Template(
        "<ul>{% for m in meds %}<li>{{ m.pupil.legal_first_name }} {{ m.pupil.legal_last_name }}: {{ m.name }} "
        "{{ m.strength }} {{ m.dose_amount }} {{ m.unit }} {% for t in m.scheduled_times %}{{ t|time:'H:i' }} "
        "{% endfor %}<a href='/care/medicines/{{ m.pk }}/give/'>Give</a></li>{% endfor %}</ul>")

    def bare():
        meds = list(Medicine.objects.filter(school=school).select_related("pupil").order_by("pupil__legal_last_name"))
        return bare_template.render(Context({"meds": meds}))

    request = RequestFactory().get("/care/due/")
    request.user = senco
    request.staff = staff_context_for(senco)
    request.staff.abilities  # noqa: B018 (the middleware's work, not the page's)

    def view():
        from django.template.loader import render_to_string

        due = selectors.due_now(request.staff, now=noon)
        return render_to_string("care/due_now.html", {"due": due, "before": 30, "after": 60}, request=request)

    def page():
        response = client.get("/care/due/")
        assert response.status_code == 200, response.status_code
        return response

    with mock.patch("django.utils.timezone.now", return_value=noon):
        page()
        with CaptureQueriesContext(connection) as q_page:
            html = page().content.decode()
        rows = html.count('class="list-group-item dose-item')
        page_ms = timed(page)
    with CaptureQueriesContext(connection) as q_view:
        view()
    view_ms = timed(view)
    with CaptureQueriesContext(connection) as q_bare:
        bare()
    bare_ms = timed(bare)

    # Half the pupils: the query count must not change.
    half = list(Medicine.objects.filter(school=school).values_list("pupil_id", flat=True).distinct())[30:]
    with mock.patch("django.utils.timezone.now", return_value=noon):
        from pupils.models import Pupil
        with mock.patch.object(Pupil.objects.__class__, "visible_to",
                               lambda self, staff: Pupil.objects.filter(school=school).exclude(pk__in=half)):
            with CaptureQueriesContext(connection) as q_half:
                view()

    lines = [
        "# Medicines due now: bench (issue 7)", "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}, Python {sys.version.split()[0]}, DEBUG off, "
        f"database `{NAME}` (history triggers on). One school, 300 pupils, 60 of them with "
        f"{Medicine.objects.filter(school=school).count()} medicines, a term of dose records; page at 12:05 "
        f"as the SENCo ({rows} rows on the page). {RUNS} timed runs after 10 warm-ups. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: figures move with it; compare "
        "the ratios, measured in the same run).", "",
        "| What | median ms | p95 ms | SQL statements | vs bare (median) |", "|---|---|---|---|---|",
        f"| page: GET /care/due/ (test client, middleware, session) | {page_ms[0]:.1f} | {page_ms[1]:.1f} | "
        f"{len(q_page)} | {page_ms[0] / bare_ms[0]:.1f}x |",
        f"| view: selector + template | {view_ms[0]:.1f} | {view_ms[1]:.1f} | {len(q_view)} | "
        f"{view_ms[0] / bare_ms[0]:.1f}x |",
        f"| bare: one query + plain list template | {bare_ms[0]:.1f} | {bare_ms[1]:.1f} | {len(q_bare)} | 1.0x |",
        "",
        f"Selector queries at 60 pupils: {len(q_view)}; at 30 pupils: {len(q_half)} (fixed: medicines with "
        "pupils, their open batches, the last 24 hours of doses).", "",
        "The page does more than the bare list: it works out each dose's window (open, upcoming, closed, "
        "recorded), PRN counts over 24 hours and the next allowed time, consent and stock warnings, and "
        "renders the full layout; the ratio is what that costs.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    assert len(q_view) == len(q_half), "query count grew with pupils"


if __name__ == "__main__":
    main()
