"""bench/packs.py: evidence packs: one pupil's year, and a batch of 30 with two Celery workers.

    .venv/bin/python bench/packs.py            # first run: migrate + seed (several minutes), then measure
    .venv/bin/python bench/packs.py --fresh    # drop and re-create the bench database
    .venv/bin/python bench/packs.py --single-only   # skip the batch (no Celery worker)

Database `sendsupport_bench_contrib` on 127.0.0.1:5432 (never the app's), made by `manage.py migrate`
and `manage.py seed_demo --schools 1 --pupils 90 --years 1` (every app's demo seeder in
sendsupport.demo.SEEDERS, history triggers on), plus, through the services, three staff contributions
(two submitted) and a DSL summary for each of the 30 pupils with the most records.

Measured in the same run, on the same machine:
- **one pack**: `reviews.services.build_pack` (what the Celery task runs: claim, gather every section,
  WeasyPrint, store, finish) for the pupil with the most records, a year's period, 5 runs after a
  warm-up; beside **WeasyPrint alone**: `reviews.render.html_to_pdf` on that pack's own HTML, saved
  to a file. The ratio is the cost of gathering data and the job's bookkeeping. Peak RSS (VmHWM).
- **batch**: 30 packs (the 30 pupils with the most records) queued with `build_pack_task` to a real
  Celery worker with 2 prefork processes (its own Redis database 14 and queue), timed from enqueue to
  the last pack ready; RSS of each worker process sampled every 0.25 s; beside WeasyPrint alone on the
  same 30 HTML files with 2 processes.
Writes `bench/results_contrib.md`. Times are figures, not assertions (DECISIONS.md).
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
NAME = "sendsupport_bench_contrib"
BROKER = "redis://127.0.0.1:6379/14"
QUEUE = "bench_contrib_packs"
RESULTS = BENCH / "results_contrib.md"
WORK = Path("/tmp/sendsupport_bench_contrib")
BATCH = 30
RUNS = 5


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def admin(statement: str) -> list:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def child_env() -> dict:
    env = dict(os.environ)
    for var in ("ALLOWED_HOSTS", "SENDSUPPORT_TESTING", "CSRF_TRUSTED_ORIGINS", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(var, None)
    env.update({
        "DATABASE_URL": f"{SERVER}/{NAME}", "DJANGO_SETTINGS_MODULE": "sendsupport.settings",
        "SENDSUPPORT_DEMO": "1", "SENDSUPPORT_DEMO_SKIP_MFA": "1", "DJANGO_DEBUG": "0", "LOG_LEVEL": "ERROR",
        "CACHE_KEY_PREFIX": "sendsupport-bench-contrib", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0",
        "CELERY_BROKER_URL": BROKER, "MEDIA_ROOT": str(WORK / "media"),
        "STATIC_ROOT": str(WORK / "static"),
    })
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--single-only", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(single_only=args.single_only)
    exists = admin(f"SELECT 1 FROM pg_database WHERE datname = '{NAME}'")
    if args.fresh and exists:
        admin(f'DROP DATABASE "{NAME}" WITH (FORCE)')
        exists = False
    if not exists:
        log(f"creating {NAME}: migrate and seed_demo")
        admin(f'CREATE DATABASE "{NAME}"')
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=child_env(), check=True)
        subprocess.run([PYTHON, "manage.py", "seed_demo", "--schools", "1", "--pupils", "90", "--years", "1",
                        "--seed", "3"], cwd=ROOT, env=child_env(), check=True, stdout=subprocess.DEVNULL)
    cmd = [PYTHON, __file__, "--child"] + (["--single-only"] if args.single_only else [])
    subprocess.run(cmd, cwd=ROOT, env=child_env(), check=True)


# --- child --------------------------------------------------------------------------------------

def busiest_pupils(n: int):
    """The pupils with the most records in the year (incidents, evidence, sessions...), most first."""
    from django.db import connection

    from pupils.models import Pupil

    with connection.cursor() as cur:
        # Every table with a pupil_id column counts: the pack gathers from all of them.
        cur.execute("""SELECT table_name FROM information_schema.columns WHERE column_name = 'pupil_id'
                       AND table_schema = 'public' AND table_name NOT LIKE '%%event'
                       AND table_name NOT IN ('sendsupport_accesslog', 'reviews_evidencepack')""")
        tables = [t for (t,) in cur.fetchall()]
        union = " UNION ALL ".join(f'SELECT pupil_id FROM "{t}"' for t in tables)
        cur.execute(f"SELECT pupil_id, count(*) FROM ({union}) r WHERE pupil_id IS NOT NULL "
                    f"GROUP BY pupil_id ORDER BY 2 DESC, 1 LIMIT %s", [n])
        ranked = cur.fetchall()
    pupils = Pupil.objects.in_bulk([p for p, _ in ranked])
    return [(pupils[p], count) for p, count in ranked]


def add_contributions(pupils) -> None:
    """Two submitted contributions, one unanswered, and a DSL summary for each pupil (once)."""
    from accounts.access import Ability
    from accounts.middleware import staff_context_for
    from reviews import services_contributions as contrib
    from reviews.models_contributions import Contribution
    from sendsupport.notifications import staff_with_ability

    school = pupils[0].school
    if Contribution.objects.filter(school=school).exists():
        return
    senco = staff_with_ability(school, Ability.MAKE_PACKS)[0]
    dsl = staff_with_ability(school, Ability.READ_SAFEGUARDING)[0]
    from accounts.models import Membership
    staff = [m.user for m in Membership.objects.filter(school=school, roles__overlap=["ta", "teacher"])
             .select_related("user").order_by("user__email")[:3]]
    today = datetime.date.today()
    for pupil in pupils:
        rows = contrib.ask_for_contributions(staff=staff_context_for(senco, school.pk), pupil=pupil, asked=staff,
                                             due_on=today + datetime.timedelta(days=14),
                                             question="How does the pupil manage changes in routine?")
        for row in rows[:2]:
            contrib.submit_contribution(
                staff=staff_context_for(row.asked, school.pk), contribution=row,
                progress="Settles on arrival with a job to do; now reads simple instructions without an adult. " * 3,
                what_works="Now-and-next board, a calm corner, warning before changes, praise in private. " * 2,
                still_hard="Unstructured times and supply staff.", answer="With a visual timetable, mostly well.")
        contrib.add_safeguarding_summary(staff=staff_context_for(dsl, school.pk), pupil=pupil,
                                         period_start=today - datetime.timedelta(days=364), period_end=today,
                                         text="Open to early help since the spring term; school attends meetings. "
                                              "No concerns that affect this review.")


def new_pack(pupil, senco):
    """A pack row as start_pack makes it, without sending the task (the bench runs or sends it itself)."""
    from unittest import mock

    from reviews import services

    today = datetime.date.today()
    with mock.patch.object(services, "_enqueue"):
        return services.start_pack(pupil=pupil, period_start=today - datetime.timedelta(days=364), period_end=today,
                                   acting_user=senco, review_date=today + datetime.timedelta(days=28))


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _weasy_only(path: str) -> float:
    import django

    django.setup()
    from reviews.render import html_to_pdf

    html = Path(path).read_text()
    t0 = time.perf_counter()
    html_to_pdf(html, title="bench")
    return time.perf_counter() - t0


def measure(*, single_only: bool) -> None:
    import django

    django.setup()
    from django.db import connection

    from accounts.access import Ability
    from reviews.models import EvidencePack
    from reviews.render import html_to_pdf, pack_html, pack_title
    from reviews.services import build_pack
    from sendsupport.notifications import staff_with_ability

    WORK.mkdir(parents=True, exist_ok=True)
    ranked = busiest_pupils(BATCH)
    pupils = [p for p, _ in ranked]
    add_contributions(pupils)
    senco = staff_with_ability(pupils[0].school, Ability.MAKE_PACKS)[0]
    top, top_records = ranked[0]
    log(f"pupil with most records: {top_records} rows; batch pupils {ranked[-1][1]}-{top_records} rows")

    # --- one pack -------------------------------------------------------------------------------------
    build_pack(pack_id=new_pack(top, senco).pk)  # warm-up: imports, fonts, template cache
    worker, gather, weasy = [], [], []
    for _ in range(RUNS):
        pack = new_pack(top, senco)
        t0 = time.perf_counter()
        assert build_pack(pack_id=pack.pk) == "ready"
        worker.append(time.perf_counter() - t0)
        pack.refresh_from_db()
        t0 = time.perf_counter()
        html = pack_html(pack)
        gather.append(time.perf_counter() - t0)
        html_file = WORK / "one-pack.html"
        html_file.write_text(html)
        saved = html_file.read_text()
        t0 = time.perf_counter()
        html_to_pdf(saved, title=pack_title(pack))
        weasy.append(time.perf_counter() - t0)
    pages, size = pack.page_count, pack.size
    peak_mb = vm_hwm_mb()
    # Each run's worker time is compared with WeasyPrint on its own HTML right after it: the machine's
    # load moves both alike, so the median of the ratios is steadier than a ratio of medians.
    one = {"worker": statistics.median(worker), "gather": statistics.median(gather),
           "weasy": statistics.median(weasy), "pages": pages, "size": size, "html_kb": len(html) / 1024,
           "peak_mb": peak_mb, "runs": list(zip(worker, weasy)),
           "ratio": statistics.median(w / b for w, b in zip(worker, weasy))}
    log(f"one pack: {pages} pages, worker {one['worker']:.2f}s, WeasyPrint alone {one['weasy']:.2f}s, "
        f"gather {one['gather']:.2f}s, peak RSS {peak_mb:.0f} MB")

    batch = None if single_only else run_batch(pupils, senco)
    connection.close()
    write_results(one, batch, top_records)


def run_batch(pupils, senco) -> dict:
    from multiprocessing import get_context

    import psutil

    from reviews.models import EvidencePack
    from reviews.render import pack_html
    from reviews.tasks import build_pack_task

    env = child_env()
    worker_log = WORK / "worker.log"
    proc = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "sendsupport", "worker", "-c", "2", "-P", "prefork", "-Q", QUEUE,
         "-n", "bench-contrib@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=worker_log.open("w"))
    try:
        deadline = time.monotonic() + 120
        while "ready." not in worker_log.read_text():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the Celery worker did not start: see {worker_log}")
            time.sleep(0.2)
        parent = psutil.Process(proc.pid)
        packs = [new_pack(p, senco) for p in pupils]
        peaks: dict[int, float] = {}
        t0 = time.perf_counter()
        for pack in packs:
            build_pack_task.apply_async(args=[pack.pk], queue=QUEUE)
        ids = [p.pk for p in packs]
        # Light polling (2 cores): RSS every 0.25 s, the packs' status once a second.
        tick = 0
        while tick % 4 or EvidencePack.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists():
            for child in parent.children():
                try:
                    peaks[child.pid] = max(peaks.get(child.pid, 0), child.memory_info().rss / 2 ** 20)
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.25)
            tick += 1
            if time.perf_counter() - t0 > 1800:
                raise RuntimeError("batch took over 30 minutes")
        elapsed = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    statuses = list(EvidencePack.objects.filter(pk__in=ids).values_list("status", "page_count"))
    ready = [pages for status, pages in statuses if status == "ready"]

    files = []
    for pack in EvidencePack.objects.filter(pk__in=ids).select_related("pupil__school", "requested_by"):
        path = WORK / f"batch-{pack.pk}.html"
        path.write_text(pack_html(pack))
        files.append(str(path))
    t0 = time.perf_counter()
    with get_context("spawn").Pool(2) as pool:
        pool.map(_weasy_only, files)
    weasy_elapsed = time.perf_counter() - t0
    result = {"elapsed": elapsed, "ready": len(ready), "total": len(ids), "pages": sum(ready),
              "peaks": sorted(peaks.values()), "weasy_elapsed": weasy_elapsed}
    log(f"batch: {len(ready)}/{len(ids)} ready in {elapsed:.1f}s; WeasyPrint alone {weasy_elapsed:.1f}s; "
        f"worker RSS peaks {', '.join(f'{m:.0f}' for m in result['peaks'])} MB")
    return result


def write_results(one: dict, batch: dict | None, top_records: int) -> None:
    import platform

    lines = [
        "# Evidence packs: one pupil's year and a batch of 30 (bench/packs.py)",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.machine()}, {os.cpu_count()} cores shared with "
        "other work (figures move with the machine's load; the ratios are the point). Database "
        f"`{NAME}`: `seed_demo --schools 1 --pupils 90 --years 1 --seed 3` with history triggers on, plus three "
        "contributions (two submitted) and a DSL summary per batch pupil.",
        "",
        "## One pupil's year (what one worker does for one pack)",
        "",
        f"The pupil with the most records ({top_records} rows across the apps' tables); period: the last 364 days. "
        f"Median of {RUNS} runs after a warm-up.",
        "",
        "| | seconds |",
        "|---|---|",
        f"| Worker: `build_pack` (claim, gather sections, WeasyPrint, store, finish) | {one['worker']:.2f} |",
        f"| Gathering the sections and the HTML alone (`pack_html`) | {one['gather']:.2f} |",
        f"| WeasyPrint alone on the pack's saved HTML (`html_to_pdf`) | {one['weasy']:.2f} |",
        f"| **Ratio worker / WeasyPrint alone**, median of the runs' ratios (aim ≤ 1.3) | **{one['ratio']:.2f}** |",
        "",
        f"Pack: {one['pages']} pages, {one['size'] / 1024:.0f} KB PDF from {one['html_kb']:.0f} KB of HTML. "
        f"Runs (worker / WeasyPrint alone): {', '.join(f'{w:.1f}/{b:.1f}' for w, b in one['runs'])} s. Peak RSS of the process (VmHWM, after the "
        f"warm-up and {RUNS} packs, plus as many `pack_html` and `html_to_pdf` calls): **{one['peak_mb']:.0f} MB** "
        "(aim < 300 MB).",
        "",
        f"Reading: the only work the worker adds to WeasyPrint's is gathering the sections ({one['gather']:.2f} s, "
        f"{one['gather'] / one['weasy']:.0%} of WeasyPrint alone) and a few one-row UPDATEs (claim, progress, "
        "finish); any larger difference between the two columns is the shared machine's load, which moves "
        "single runs by tens of percent (see the runs above).",
    ]
    if batch:
        per_min = batch["ready"] / batch["elapsed"] * 60
        bare_per_min = batch["total"] / batch["weasy_elapsed"] * 60
        lines += [
            "",
            "## A batch of 30 packs, Celery worker with 2 processes",
            "",
            f"`build_pack_task` for the 30 pupils with the most records, queued at once to `celery worker -c 2 -P "
            f"prefork` (own Redis database and queue); timed from the first enqueue to the last pack ready.",
            "",
            "| | packs | seconds | packs per minute |",
            "|---|---|---|---|",
            f"| Celery, 2 workers | {batch['ready']} of {batch['total']} ready ({batch['pages']} pages) | "
            f"{batch['elapsed']:.1f} | {per_min:.1f} |",
            f"| WeasyPrint alone on the same 30 HTML files, 2 processes | {batch['total']} | "
            f"{batch['weasy_elapsed']:.1f} | {bare_per_min:.1f} |",
            f"| **Ratio** (time) | | **{batch['elapsed'] / batch['weasy_elapsed']:.2f}** | |",
            "",
            f"RSS peak of each worker process (sampled every 0.25 s): "
            f"{', '.join(f'{m:.0f} MB' for m in batch['peaks'])} (aim < 300 MB).",
        ]
    RESULTS.write_text("\n".join(lines) + "\n")
    log(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
