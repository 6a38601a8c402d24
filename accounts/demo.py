"""Demo schools, their set-up (terms, the school day, locations), staff and the training register.

Every demo login's email is predictable (``ta@oakfield.demo``, ``head@riverside.demo``...) and its
password is ``accounts.factories.DEMO_PASSWORD``. Run through ``manage.py seed_demo``.
"""

import datetime

import factory
from django.contrib.auth.hashers import make_password

from sendsupport.demo import TRUST_ADMIN_EMAIL, TWO_SCHOOLS_EMAIL, DemoContext, DemoSchool, class_layout

from .factories import (
    DEMO_PASSWORD,
    LocationFactory,
    MembershipFactory,
    PeriodFactory,
    SchoolFactory,
    TermFactory,
    TrainingRecordFactory,
    UserFactory,
)
from .models import Role

D = datetime.date
T = datetime.time

# 2026-27 term dates in the pattern West Yorkshire LAs publish: INSET days before the autumn term,
# a week's half-term in each term, two weeks at Easter (Easter Sunday is 28 March 2027) and the
# spring bank holiday (31 May 2027) inside the summer half-term. Two variants, as neighbouring
# LAs differ by a day here and there.
TERM_DATES = [
    [
        ("Autumn 2026", D(2026, 9, 3), D(2026, 12, 18), D(2026, 10, 26), D(2026, 10, 30)),
        ("Spring 2027", D(2027, 1, 4), D(2027, 3, 25), D(2027, 2, 15), D(2027, 2, 19)),
        ("Summer 2027", D(2027, 4, 12), D(2027, 7, 21), D(2027, 5, 31), D(2027, 6, 4)),
    ],
    [
        ("Autumn 2026", D(2026, 9, 2), D(2026, 12, 18), D(2026, 10, 26), D(2026, 10, 30)),
        ("Spring 2027", D(2027, 1, 5), D(2027, 3, 25), D(2027, 2, 15), D(2027, 2, 19)),
        ("Summer 2027", D(2027, 4, 12), D(2027, 7, 22), D(2027, 5, 31), D(2027, 6, 4)),
    ],
]

# The school day: 6.5 hours from registration to home time in both phases.
PERIODS = {
    "primary": [
        ("Registration", T(8, 45), T(9, 0)),
        ("Lesson 1", T(9, 0), T(10, 0)),
        ("Lesson 2", T(10, 0), T(10, 45)),
        ("Break", T(10, 45), T(11, 0)),
        ("Lesson 3", T(11, 0), T(12, 0)),
        ("Lunch", T(12, 0), T(13, 0)),
        ("Lesson 4", T(13, 0), T(14, 0)),
        ("Lesson 5", T(14, 0), T(15, 15)),
    ],
    "secondary": [
        ("Registration", T(8, 35), T(8, 55)),
        ("Lesson 1", T(8, 55), T(9, 55)),
        ("Lesson 2", T(9, 55), T(10, 55)),
        ("Break", T(10, 55), T(11, 15)),
        ("Lesson 3", T(11, 15), T(12, 15)),
        ("Lesson 4", T(12, 15), T(13, 15)),
        ("Lunch", T(13, 15), T(14, 0)),
        ("Lesson 5", T(14, 0), T(15, 5)),
    ],
}

LOCATIONS = {
    "primary": [
        "Reception classroom", "EYFS outdoor area", "Year 1 classroom", "Year 2 classroom", "Year 3 classroom",
        "Year 4 classroom", "Year 5 classroom", "Year 6 classroom", "Hall", "Dining hall", "Playground",
        "Field", "Library", "Sensory room", "Nurture room", "Intervention room", "Corridor", "Toilets",
        "Cloakroom", "School office", "School gate", "Forest school area",
    ],
    "secondary": [
        "Classroom (English block)", "Classroom (maths block)", "Classroom (humanities block)",
        "Science lab", "ICT suite", "DT workshop", "Food technology room", "Art room", "Music room",
        "Drama studio", "Sports hall", "Changing rooms", "Field", "Yard", "Canteen", "Library",
        "Learning support base", "Sensory room", "Inclusion room", "Corridor", "Stairwell", "Toilets",
        "Reception", "Bus bay",
    ],
}

SUBJECTS = ["English", "maths", "science", "history", "geography", "computing", "art", "music", "PE",
            "French", "Spanish", "religious education", "design and technology", "drama"]
TA_TITLES = {
    "primary": ["Teaching assistant", "Higher level teaching assistant", "Learning support assistant (1:1)",
                "Teaching assistant (EYFS)"],
    "secondary": ["Teaching assistant (learning support)", "Higher level teaching assistant",
                  "Learning support assistant (1:1)", "Teaching assistant (SEMH)"],
}

# Training validity used for the demo's expiry dates (an assumption for demo data, not guidance).
VALID_YEARS = {"team_teach": 2, "cpi": 1, "mapa": 1, "medication": 1, "moving_handling": 3}


def ta_count(spec: DemoSchool, pupils: int) -> int:
    """Primaries have more TAs per pupil than secondaries."""
    return max(3, round(pupils / (20 if spec.phase == "primary" else 40)))


def seed(ctx: DemoContext) -> None:
    password = factory.Transformer.Force(make_password(DEMO_PASSWORD))  # hash once, not per user
    ctx.acting_user = UserFactory(
        email=TRUST_ADMIN_EMAIL, full_name=_name(ctx, female=False), password=password,
        is_superuser=True, is_staff=True,
    )
    for index, spec in enumerate(ctx.specs):
        school = SchoolFactory(name=spec.name, urn=spec.urn, local_authority=spec.local_authority)
        ctx.schools.append(school)
        ctx.staff[school] = {role: [] for role in Role.values}
        _set_up_school(ctx, school, spec, TERM_DATES[index % len(TERM_DATES)])
        _add_staff(ctx, school, spec, password)
        ctx.log(f"  {school.name}: {sum(len(v) for v in ctx.staff[school].values())} staff")
    if len(ctx.schools) >= 2:
        _add_two_school_person(ctx, password)
    for school in ctx.schools:
        _add_training(ctx, school)


def _name(ctx: DemoContext, *, female: bool) -> str:
    first = ctx.fake.first_name_female() if female else ctx.fake.first_name_male()
    return f"{first} {ctx.fake.last_name()}"


def _set_up_school(ctx, school, spec, terms) -> None:
    for name, starts, ends, ht_starts, ht_ends in terms:
        TermFactory(school=school, name=name, starts_on=starts, ends_on=ends,
                    half_term_starts_on=ht_starts, half_term_ends_on=ht_ends)
    for name, starts, ends in PERIODS[spec.phase]:
        PeriodFactory(school=school, name=name, starts_at=starts, ends_at=ends)
    for name in LOCATIONS[spec.phase]:
        LocationFactory(school=school, name=name)


def _add_staff(ctx: DemoContext, school, spec: DemoSchool, password) -> None:
    primary = spec.phase == "primary"

    def add(role_key, n, roles, job_title, female_share=0.75):
        female = ctx.rng.random() < female_share
        user = UserFactory(email=spec.email(role_key, n), full_name=_name(ctx, female=female), password=password)
        MembershipFactory(school=school, user=user, roles=roles, job_title=job_title)
        for role in roles:
            ctx.staff[school][role].append(user)
        return user

    # The head of a primary is usually its designated safeguarding lead too (DECISIONS: a head on
    # the safeguarding team holds senior leader and DSL). dsl@ is then the deputy DSL.
    if primary:
        add("senior", 1, [Role.SENIOR_LEADER, Role.DSL], "Headteacher and designated safeguarding lead")
        add("dsl", 1, [Role.DSL], "Deputy designated safeguarding lead (learning mentor)")
        add("admin", 1, [Role.SCHOOL_ADMIN], "School business manager", 0.9)
    else:
        add("senior", 1, [Role.SENIOR_LEADER], "Headteacher")
        add("dsl", 1, [Role.DSL], "Designated safeguarding lead")
        add("admin", 1, [Role.SCHOOL_ADMIN], "Office manager", 0.9)
    add("senco", 1, [Role.SENCO], "SENCo", 0.85)

    layout = class_layout(spec, ctx.pupils_per_school)
    n = 0
    for _year, _pupils, classes in layout:
        for class_name in classes:
            n += 1
            if primary:
                title = f"Class teacher, {class_name}"
            else:
                title = f"Teacher of {ctx.rng.choice(SUBJECTS)}, form tutor {class_name}"
            add("teacher", n, [Role.TEACHER], title, 0.8 if primary else 0.65)
    titles = TA_TITLES[spec.phase]
    for n in range(1, ta_count(spec, ctx.pupils_per_school) + 1):
        add("ta", n, [Role.TEACHING_ASSISTANT], titles[(n - 1) % len(titles)], 0.9)


def _add_two_school_person(ctx: DemoContext, password) -> None:
    """One person with different roles in two schools, to show switching school: deputy SENCo
    (sees every pupil) in the first, an outreach teacher with a small caseload in the second."""
    first, second = ctx.schools[0], ctx.schools[1]
    user = UserFactory(email=TWO_SCHOOLS_EMAIL, full_name=_name(ctx, female=True), password=password)
    MembershipFactory(school=first, user=user, roles=[Role.SENCO], job_title="Deputy SENCo (trust SEND lead)")
    MembershipFactory(school=second, user=user, roles=[Role.TEACHER],
                      job_title="Specialist SEND teacher (trust outreach)")
    ctx.staff[first][Role.SENCO].append(user)
    ctx.staff[second][Role.TEACHER].append(user)  # beyond the class teachers: gets pupils, not a class


def _add_training(ctx: DemoContext, school) -> None:
    """The training register: restrictive-intervention and medication courses, some expired."""
    staff = ctx.staff[school]
    rng = ctx.rng
    done = set()

    def record(user, course, current=True):
        if (user.pk, course) in done:
            return
        done.add((user.pk, course))
        if current:
            expires = D(2027, 1, 1) + datetime.timedelta(days=rng.randint(0, 575))  # Jan 2027 - Jul 2028
        else:
            expires = D(2025, 9, 1) + datetime.timedelta(days=rng.randint(0, 364))  # Sep 2025 - Aug 2026
        completed = _years_before(expires, VALID_YEARS[course])
        TrainingRecordFactory(school=school, user=user, course=course, completed_on=completed, expires_on=expires)

    tas, teachers = staff[Role.TEACHING_ASSISTANT], staff[Role.TEACHER]
    # Fixed points so the demo always shows both states.
    record(tas[0], "team_teach")
    record(tas[0], "medication")
    record(tas[1], "team_teach", current=False)
    record(staff[Role.SCHOOL_ADMIN][0], "medication", current=False)
    for user in staff[Role.SENCO][:1] + staff[Role.DSL][:1] + staff[Role.SENIOR_LEADER][:1]:
        record(user, "team_teach")
    for user in tas[2:]:
        if rng.random() < 0.75:
            record(user, "team_teach", current=rng.random() > 0.2)
        if rng.random() < 0.35:
            record(user, "medication", current=rng.random() > 0.25)
        if rng.random() < 0.15:
            record(user, "moving_handling", current=rng.random() > 0.2)
        if rng.random() < 0.05:
            record(user, "mapa", current=False)  # trained at a previous school
    for user in teachers:
        if rng.random() < 0.4:
            record(user, "team_teach", current=rng.random() > 0.2)
        if rng.random() < 0.05:
            record(user, "cpi", current=False)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
