"""Demo staff contributions and DSL summaries (``seed(ctx)``, run from sendsupport.demo.SEEDERS).

For each school, the SENCo asked the staff who work with a few pupils with an EHCP for a contribution
ten days ago: most submitted, one has a draft, one hasn't started; the demo TA (the plain login) has an
open request on their home page. The DSL wrote a summary for packs for one pupil. Rows are created
directly with past times, as the other seeders do (the services stamp "now" and send email)."""

import datetime

from django.db.models import Q
from django.utils import timezone

from accounts.models import Role
from pupils.models import CaseloadEntry

from .models_contributions import Contribution, SafeguardingSummary

PROGRESS = [
    "Now reads and follows a three-step visual timetable on her own most mornings; asks for help with a "
    "help card instead of leaving the room.",
    "Joins the carpet for the whole input on four days out of five; writes two sentences with a word mat.",
    "Uses the calm corner on his own when the room gets loud and comes back within ten minutes.",
    "Counts reliably to 20 and adds within 10 with cubes; explains his method to an adult.",
]
WHAT_WORKS = [
    "A now-and-next board, a job to do on arrival, and warning before any change to the day.",
    "Short tasks with a timer, movement breaks every 15 minutes, praise given quietly.",
    "Working with one trusted adult; instructions given one at a time and shown as well as said.",
]
STILL_HARD = [
    "Lunchtimes and unstructured play; days with supply staff.",
    "Starting written work without an adult beside her.",
    "",
]
QUESTION = "How does the pupil manage changes to routine (supply staff, trips, assemblies)?"
ANSWER = "Much better with warning the day before and a photo of the adult; trips still need a 1:1."


def seed(ctx) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for school in ctx.schools:
        if Contribution.objects.filter(school=school).exists():
            continue
        staff = ctx.staff[school]
        senco = staff[Role.SENCO][0]
        plain_ta = (staff.get(Role.TEACHING_ASSISTANT) or [None])[0]
        pupils = [p for p in ctx.pupils[school] if p.sen_status == "E"][:5]
        rows = []
        for n, pupil in enumerate(pupils):
            entries = CaseloadEntry.objects.filter(school=school).filter(
                Q(pupil=pupil) | Q(class_group_id=pupil.class_group_id) if pupil.class_group_id else Q(pupil=pupil))
            helpers = list(dict.fromkeys([e.user for e in entries.select_related("user")]
                                         + staff.get(Role.TEACHING_ASSISTANT, [])[1 + n % 3:2 + n % 3]))
            if plain_ta is not None and n == 0:  # the demo TA login has a request waiting
                helpers = [plain_ta] + [u for u in helpers if u != plain_ta]
            for k, user in enumerate(helpers[:3]):
                asked_at = now - datetime.timedelta(days=10, hours=k)
                row = Contribution(school=school, pupil=pupil, asked=user, requested_by=senco, requested_at=asked_at,
                                   due_on=today + datetime.timedelta(days=4), question=QUESTION if k == 0 else "")
                if n == 0 and k == 0:
                    pass  # the demo TA's: not started
                elif ctx.rng.random() < 0.2:
                    row.progress, row.draft_saved_at = ctx.rng.choice(PROGRESS), now - datetime.timedelta(days=2)
                else:
                    row.progress, row.what_works = ctx.rng.choice(PROGRESS), ctx.rng.choice(WHAT_WORKS)
                    row.still_hard = ctx.rng.choice(STILL_HARD)
                    row.answer = ANSWER if row.question else ""
                    row.submitted_at = asked_at + datetime.timedelta(days=ctx.rng.randint(1, 6))
                rows.append(row)
        Contribution.objects.bulk_create(rows)
        dsl = (staff.get(Role.DSL) or [None])[0]
        if dsl is not None and pupils:
            SafeguardingSummary.objects.create(
                school=school, pupil=pupils[-1], period_start=today - datetime.timedelta(days=364), period_end=today,
                written_by=dsl, written_at=now - datetime.timedelta(days=5),
                text="Known to early help since the spring term; the family engages well and school attends the "
                     "team-around-the-family meetings. Nothing further that affects this review.")
        ctx.log(f"  {school.name}: {len(rows)} staff contributions asked")
