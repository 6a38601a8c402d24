"""Demo data: a tiny registry of per-app seeders run by ``manage.py seed_demo``.

Each module in ``SEEDERS`` has ``seed(ctx: DemoContext)``. They run in order, in one transaction,
inside one history context (``history.one_context(action="demo.seed")``), and share what they made through the context
(schools, staff by school and role, pupils by school). A later app appends its module here, e.g.
``"incidents.demo"``, and uses ``ctx.years`` to decide how much history to generate.

Everything is drawn from ``ctx.rng`` and ``ctx.fake`` (both seeded), so a given ``--seed`` gives
the same data every time. Names, phone numbers and emails are invented: phone numbers are in
Ofcom's drama ranges and emails use the reserved example.* domains.
"""

import datetime
import random
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.db import connection, transaction

from sendsupport import history

SEEDERS = [
    "accounts.demo",
    "pupils.demo",
    "plans.demo",
    "incidents.demo",
    "restrictive.demo",
    "safeguarding.demo",
    "interventions.demo",
    "care.demo",
    "personalcare.demo",
    "dashboards.demo",
    "reviews.demo_contributions",
    "reviews.demo",  # renders real packs from everything above
]

TRUST_NAME = "Aire Valley Learning Trust"
TRUST_ADMIN_EMAIL = "trust.admin@sendsupport.demo"
TWO_SCHOOLS_EMAIL = "two.schools@sendsupport.demo"  # one person with different roles in two schools

# The academic year the demo is set in (term dates, year groups and dates of birth follow it).
ACADEMIC_YEAR_START = datetime.date(2026, 9, 1)

# Role -> the local part of the predictable login email (ta@oakfield.demo, head@oakfield.demo...).
LOGIN_PREFIX = {"ta": "ta", "teacher": "teacher", "senco": "senco", "dsl": "dsl", "senior": "head", "admin": "admin"}


@dataclass(frozen=True)
class DemoSchool:
    urn: str  # how an existing demo is recognised: these URNs are never used by real schools here
    name: str
    slug: str  # login emails are <role>@<slug>.demo
    phase: str  # "primary" (Reception-Year 6) or "secondary" (Years 7-11)
    local_authority: str
    la_code: int  # DfE local authority number: the first three digits of UPNs allocated there
    establishment: int  # DfE establishment number (4 digits)

    @property
    def year_groups(self) -> list[int]:
        return list(range(0, 7)) if self.phase == "primary" else list(range(7, 12))

    def email(self, role: str, n: int = 1) -> str:
        prefix = LOGIN_PREFIX[role]
        return f"{prefix}{n if n > 1 else ''}@{self.slug}.demo"


# West Yorkshire LA numbers: Bradford 380, Calderdale 381, Kirklees 382, Leeds 383, Wakefield 384.
DEMO_SCHOOLS = [
    DemoSchool("900001", "Oakfield Primary School", "oakfield", "primary", "Leeds", 383, 2145),
    DemoSchool("900002", "Riverside Academy", "riverside", "secondary", "Wakefield", 384, 4012),
    DemoSchool("900003", "Hollybrook Primary School", "hollybrook", "primary", "Kirklees", 382, 2217),
    DemoSchool("900004", "Castlegate High School", "castlegate", "secondary", "Calderdale", 381, 4105),
    DemoSchool("900005", "Moorside Primary School", "moorside", "primary", "Bradford", 380, 2311),
    DemoSchool("900006", "Northgate Academy", "northgate", "secondary", "Leeds", 383, 4630),
]
DEMO_URNS = [s.urn for s in DEMO_SCHOOLS]
SPEC_BY_URN = {s.urn: s for s in DEMO_SCHOOLS}

CLASS_SIZE = 30


def class_layout(spec: DemoSchool, pupils: int) -> list[tuple[int, int, list[str]]]:
    """How a school of ``pupils`` splits into year groups and classes (about 30 to a class):
    ``[(year_group, pupils_in_year, [class names]), ...]``. Shared by the staff seeder (one
    teacher per class) and the pupil seeder (the class groups themselves)."""
    years = spec.year_groups
    base, extra = divmod(pupils, len(years))
    layout = []
    for i, year in enumerate(years):
        n = base + (1 if i < extra else 0)
        classes = max(1, round(n / CLASS_SIZE))
        layout.append((year, n, [_class_name(spec, year, k) for k in range(classes)]))
    return layout


PRIMARY_CLASS_NAMES = ["Oak", "Ash", "Birch", "Elm", "Hazel", "Rowan", "Willow", "Beech", "Cedar", "Holly",
                       "Maple", "Alder", "Larch", "Poplar", "Yew"]
TUTOR_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"


def _class_name(spec: DemoSchool, year: int, k: int) -> str:
    if spec.phase == "primary":
        label = "R" if year == 0 else str(year)
        tree = PRIMARY_CLASS_NAMES[k % len(PRIMARY_CLASS_NAMES)]
        suffix = f" {k // len(PRIMARY_CLASS_NAMES) + 1}" if k >= len(PRIMARY_CLASS_NAMES) else ""
        return f"{label} {tree}{suffix}"
    letter = TUTOR_LETTERS[k % len(TUTOR_LETTERS)]
    suffix = str(k // len(TUTOR_LETTERS) + 1) if k >= len(TUTOR_LETTERS) else ""
    return f"{year}{letter}{suffix}"


@dataclass
class DemoContext:
    """What the seeders share. Keys of ``staff`` and ``pupils`` are School instances."""

    pupils_per_school: int = 120
    years: int = 1  # years of history later seeders generate (incidents, plans, reviews...)
    school_count: int = 2
    seed: int = 1
    stdout: Any = None
    rng: random.Random = None
    fake: Any = None  # faker.Faker("en_GB"), seeded
    specs: list[DemoSchool] = field(default_factory=list)
    schools: list = field(default_factory=list)  # accounts.School, in DEMO_SCHOOLS order
    staff: dict = field(default_factory=dict)  # School -> role -> [User] (first one has the plain login)
    pupils: dict = field(default_factory=dict)  # School -> [Pupil]
    acting_user: Any = None  # the trust admin: services that want an acting user get this one

    def __post_init__(self):
        from faker import Faker

        if self.rng is None:
            self.rng = random.Random(self.seed)
        if self.fake is None:
            self.fake = Faker("en_GB")
            self.fake.seed_instance(self.seed)
        if not self.specs:
            self.specs = DEMO_SCHOOLS[: self.school_count]

    def spec(self, school) -> DemoSchool:
        return SPEC_BY_URN[school.urn]

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def demo_present() -> bool:
    from accounts.models import School

    return School.objects.filter(urn__in=DEMO_URNS).exists()


# One lock for "seed the demo": a second seed_demo started at the same time waits, then finds the
# schools and does nothing.
_LOCK_KEY = 0x5E0D_DE30


def run(ctx: DemoContext) -> bool:
    """Seed everything in one transaction. False (and nothing written) if demo schools exist."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        if demo_present():
            return False
        with history.one_context(action="demo.seed") as seed_context:
            for name in SEEDERS:
                import_module(name).seed(ctx)
            _relabel(seed_context)
    return True


def _relabel(seed_context) -> None:
    """Services called by seeders (set_caseload...) run their own ``history.action``; inside
    ``one_context`` they share the seed's context row, whose metadata the last write sets (e.g.
    "caseload.set" and the trust admin as user). Every row this transaction wrote is the seed: say
    so, and no user."""
    from pghistory.models import Context

    seed_context.metadata.clear()
    seed_context.metadata["action"] = "demo.seed"
    Context.objects.filter(id=seed_context.id).update(metadata=dict(seed_context.metadata))
