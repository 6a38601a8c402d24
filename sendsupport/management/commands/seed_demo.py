"""Seed the demo: schools of one trust, their staff (one predictable login per role) and pupils.

Runs each seeder in ``sendsupport.demo.SEEDERS`` in one transaction. Running it again changes
nothing: if the demo schools exist it only prints the logins.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.factories import DEMO_PASSWORD
from accounts.models import Membership, School, User
from sendsupport.demo import (
    DEMO_SCHOOLS,
    DEMO_URNS,
    LOGIN_PREFIX,
    SPEC_BY_URN,
    TRUST_ADMIN_EMAIL,
    TRUST_NAME,
    TWO_SCHOOLS_EMAIL,
    DemoContext,
    run,
)


class Command(BaseCommand):
    help = "Create demo schools, staff logins and pupils (safe to run again: never duplicates)."

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=120, help="pupils per school (default 120)")
        parser.add_argument("--years", type=int, default=1, help="years of history to generate (default 1)")
        parser.add_argument("--schools", type=int, default=2, help=f"schools, 1-{len(DEMO_SCHOOLS)} (default 2)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same data (default 1)")
        parser.add_argument("--logins-only", action="store_true", help="print the demo logins and exit")

    def handle(self, *args, pupils, years, schools, seed, logins_only, **options):
        if not (settings.DEMO or settings.TESTING):
            raise CommandError("seed_demo creates logins with a published password: run it with SENDSUPPORT_DEMO=1.")
        if logins_only:
            self.print_logins()
            return
        if not 1 <= schools <= len(DEMO_SCHOOLS):
            raise CommandError(f"--schools must be between 1 and {len(DEMO_SCHOOLS)}.")
        if pupils < 1 or years < 1:
            raise CommandError("--pupils and --years must be at least 1.")

        ctx = DemoContext(pupils_per_school=pupils, years=years, school_count=schools, seed=seed,
                          stdout=self.stdout)
        self.stdout.write(f"Seeding {schools} school(s), {pupils} pupils each, {years} year(s) of history, seed {seed}...")
        started = time.monotonic()
        if run(ctx):
            self.stdout.write(self.style.SUCCESS(f"Demo data created in {time.monotonic() - started:.1f}s."))
        else:
            present = ", ".join(School.objects.filter(urn__in=DEMO_URNS).order_by("urn").values_list("name", flat=True))
            self.stdout.write(f"Demo data already present ({present}): nothing changed.")
        self.print_logins()

    def print_logins(self) -> None:
        out = self.stdout
        schools = list(School.objects.filter(urn__in=DEMO_URNS).order_by("urn"))
        if not schools:
            out.write("No demo data yet: run `manage.py seed_demo`.")
            return
        users = {u.email: u for u in User.objects.filter(email__endswith=".demo")}
        memberships = {
            (m.school_id, m.user_id): m
            for m in Membership.objects.filter(school__in=schools, user__in=users.values())
        }
        rows, more = [], []
        for school in schools:
            spec = SPEC_BY_URN[school.urn]
            for role in LOGIN_PREFIX:
                user = users.get(spec.email(role))
                m = user and memberships.get((school.pk, user.pk))
                if m:
                    rows.append((spec.name, ", ".join(m.role_labels), user.email, m.job_title))
            counts = {
                role: sum(1 for e in users if e.startswith(prefix) and e.endswith(f"@{spec.slug}.demo"))
                for role, prefix in (("ta", "ta"), ("teacher", "teacher"))
            }
            more += [f"{spec.email(r, 2)} ... {spec.email(r, n)}" for r, n in counts.items() if n > 1]
        both = users.get(TWO_SCHOOLS_EMAIL)
        if both:
            parts = [
                f"{m.school.name.split()[0]}: {', '.join(m.role_labels)}"
                for m in both.memberships.select_related("school").order_by("school__urn")
            ]
            rows.append(("Two schools", " / ".join(parts), both.email, "switches school from the menu"))
        admin = users.get(TRUST_ADMIN_EMAIL)
        if admin:
            rows.append((TRUST_NAME, "Trust admin (superuser)", admin.email, "Django admin: schools and set-up"))

        headers = ("School", "Role", "Email", "Password", "Job title / notes")
        table = [headers] + [(s, r, e, DEMO_PASSWORD, n) for s, r, e, n in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
        out.write("")
        out.write(f"Demo logins ({TRUST_NAME})")
        for i, row in enumerate(table):
            out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if i == 0:
                out.write("  ".join("-" * w for w in widths))
        out.write("")
        if more:
            out.write("More staff logins (teaching assistants, class teachers and tutors): " + "; ".join(more) + ".")
        out.write(f"Every demo login's password is {DEMO_PASSWORD}.")
        skip = "on" if getattr(settings, "DEMO_SKIP_MFA", False) else "off"
        out.write(
            "Two-factor sign-in is skipped only in demo mode (SENDSUPPORT_DEMO=1, localhost; "
            f"skipping is {skip} now). Outside demo mode SENCo, DSL, senior leader and admin logins "
            "must set up an authenticator app."
        )
