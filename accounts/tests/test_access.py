"""StaffContext.sees_pupil answers in Python what Pupil.objects.visible_to answers in SQL (the quick
log asks it on every submission): the two must never disagree."""

import pytest

from accounts.middleware import staff_context_for
from conftest import ROLES
from pupils.models import Pupil


@pytest.mark.parametrize("role", ROLES + ["other_ta", "other_school_senco"])
def test_sees_pupil_agrees_with_visible_to(world, role):
    staff = staff_context_for(world.people[role])
    pupils = [world.pupil_in, world.pupil_class, world.pupil_out, world.pupil_other_school]
    visible = set(Pupil.objects.visible_to(staff).values_list("pk", flat=True))
    assert [staff.sees_pupil(p) for p in pupils] == [p.pk in visible for p in pupils]
    assert any(p.pk in visible for p in pupils) or role == "other_ta"  # each answer is checked both ways
