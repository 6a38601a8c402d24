"""Each action writes under its own history context row, carrying the request's user and URL,
even when one request or service runs several actions; the demo seed's `one_context` keeps one
row for everything inside it."""

import pghistory
from pghistory.models import Context

from pupils.models import PupilEvent
from sendsupport.history import action, one_context


def contexts_of(pupil):
    """Each history row's context metadata, oldest first (the factory's insert has none)."""
    return [e.pgh_context.metadata for e in PupilEvent.objects.filter(pgh_obj_id=pupil.pk, pgh_context__isnull=False)
            .select_related("pgh_context").order_by("pgh_id")]


def rename(pupil, name):
    pupil.preferred_name = name
    pupil.save(update_fields=["preferred_name"])


def test_nested_actions_each_get_a_row_with_the_outer_user_and_url(world):
    pupil = world.pupil_in
    with pghistory.context(user=world.people["ta"].pk, url="/somewhere/"):  # as the middleware does
        with action(action="first.thing"):
            rename(pupil, "Mia")
        with action(action="second.thing"):
            rename(pupil, "Millie")
            with action(action="inner.thing", user=world.people["senco"].pk):
                rename(pupil, "Milly")
            rename(pupil, "Molly")  # back in second.thing's row
        rename(pupil, "Maisie")  # outside any action: the request's row
    assert contexts_of(pupil)[-5:] == [
        {"user": world.people["ta"].pk, "url": "/somewhere/", "action": "first.thing"},
        {"user": world.people["ta"].pk, "url": "/somewhere/", "action": "second.thing"},
        {"user": world.people["senco"].pk, "url": "/somewhere/", "action": "inner.thing"},
        {"user": world.people["ta"].pk, "url": "/somewhere/", "action": "second.thing"},
        {"user": world.people["ta"].pk, "url": "/somewhere/"},
    ]
    assert Context.objects.count() == 4


def test_an_action_on_its_own_is_a_plain_context(world):
    with action(user=world.people["ta"].pk, action="alone"):
        rename(world.pupil_in, "Mia")
    assert contexts_of(world.pupil_in)[-1] == {"user": world.people["ta"].pk, "action": "alone"}


def test_one_context_keeps_every_nested_action_in_its_row(world):
    with one_context(action="demo.seed") as seed:
        with action(action="caseload.set", user=world.people["senco"].pk):
            rename(world.pupil_in, "Mia")
        rename(world.pupil_out, "Izzy")
    ids = set(PupilEvent.objects.filter(pgh_obj_id__in=[world.pupil_in.pk, world.pupil_out.pk],
                                        pgh_label="update").values_list("pgh_context_id", flat=True))
    assert ids == {seed.id}
