"""Demo evidence packs: in each demo school, packs for the pupils whose EHCP review comes up
soonest, made for real (WeasyPrint, stored through default_storage) so the list, the pupil page's
panel and the download all have something to show; the first of them has two versions (the SENCo
made it again for a shorter period). Run after every seeder that registers a pack section
(``reviews.demo`` goes last in SEEDERS), so the packs hold each app's demo records.

Rows are made as a worker makes them (``services.build_pack``), without Celery: the seed runs in
one transaction and the packs are ready when it commits."""

import datetime

from django.utils import timezone

from accounts.models import Role
from plans.models import Plan, VersionStatus
from sendsupport.sections import pack_sections

from . import services
from .models import EvidencePack

PACKS_PER_SCHOOL = 1  # each pack is rendered for real during the seed (several seconds each)


def seed(ctx) -> None:
    today = timezone.localdate()
    for school in ctx.schools:
        if EvidencePack.objects.filter(school=school).exists():
            continue
        senco = ctx.staff[school][Role.SENCO][0]
        plans = (Plan.objects.filter(pupil__school=school, pupil__archived_at__isnull=True, kind=Plan.Kind.EHCP,
                                     status=VersionStatus.IN_FORCE).select_related("pupil"))
        due = sorted((p for p in plans if p.next_review_due), key=lambda p: (p.next_review_due, p.pupil_id))
        pupils = [p.pupil for p in due[:PACKS_PER_SCHOOL]]
        periods = services.default_periods([p.pk for p in pupils], today=today)
        made_at = timezone.now() - datetime.timedelta(days=ctx.rng.randint(2, 6), hours=ctx.rng.randint(1, 5))
        for i, pupil in enumerate(pupils):
            period = periods[pupil.pk]
            versions = [(period.start, made_at)]
            if i == 0:  # made again later for the last term only
                versions.append((max(period.start, today - datetime.timedelta(days=90)),
                                 made_at + datetime.timedelta(days=1)))
            for number, (start, when) in enumerate(versions, 1):
                pack = EvidencePack.objects.create(
                    school=school, pupil=pupil, version=number, period_start=start, period_end=period.end,
                    review_date=period.review_date, requested_by=senco, created_at=when,
                    steps_total=len(pack_sections()) + len(services.FINAL_STEPS))
                services.build_pack(pack_id=pack.pk)
