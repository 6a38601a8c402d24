"""The demo seeder makes real packs (two versions for the pupil whose review is due soonest) and
does nothing the second time."""

import datetime
import random
from types import SimpleNamespace

from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Role
from plans.models import Plan, add_months
from reviews import demo
from reviews.models import EvidencePack
from reviews.tests.test_packs import media  # noqa: F401 (fixture)


def test_demo_makes_two_versions_for_the_pupil_due_soonest(world):
    today = timezone.localdate()
    for pupil, days in ((world.pupil_in, 40), (world.pupil_class, 10)):
        issued = today + datetime.timedelta(days=days)
        Plan.objects.create(pupil=pupil, kind="ehcp", status="in_force", created_by=world.people["senco"],
                            date_issued=add_months(issued, -12))
    ctx = SimpleNamespace(schools=[world.school], staff={world.school: {Role.SENCO: [world.people["senco"]]}},
                          rng=random.Random(1))
    demo.seed(ctx)
    packs = list(EvidencePack.objects.order_by("version"))
    assert [(p.pupil_id, p.version, p.status) for p in packs] == [
        (world.pupil_class.pk, 1, "ready"), (world.pupil_class.pk, 2, "ready")]
    assert packs[1].period_start > packs[0].period_start
    assert all(default_storage.exists(p.file) for p in packs)
    demo.seed(ctx)
    assert EvidencePack.objects.count() == 2
