"""A school's own quick picks (set in the Django admin) replace the defaults on the quick log, and
a change shows at once although the list is cached between logs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import selectors
from incidents.models import DEFAULT_PICKS, Incident, PickKind, QuickPick

from .helpers import places, quick_log_data


def test_school_picks_replace_the_defaults_and_changes_show_at_once(client, world):
    client.force_login(world.people["ta"])
    assert "Hiding under a table" not in client.get("/incidents/new/").content.decode()
    pick = QuickPick.objects.create(school=world.school, kind=PickKind.BEHAVIOUR, label="Hiding under a table")
    form = client.get("/incidents/new/").content.decode()
    assert "Hiding under a table" in form and DEFAULT_PICKS[PickKind.BEHAVIOUR][0] not in form
    assert DEFAULT_PICKS[PickKind.ANTECEDENT][0] in form  # kinds without the school's own keep the defaults
    where = places(world)
    client.post("/incidents/new/", quick_log_data(world.pupil_in, where["hall"],
                                                  behaviour_picks=["Hiding under a table"]))
    assert Incident.objects.get().behaviour_picks == ["Hiding under a table"]
    pick.is_active = False
    pick.save()
    assert "Hiding under a table" not in client.get("/incidents/new/").content.decode()
    pick.delete()
    assert DEFAULT_PICKS[PickKind.BEHAVIOUR][0] in client.get("/incidents/new/").content.decode()


def test_picks_are_read_once_then_kept_per_school(world):
    QuickPick.objects.create(school=world.school, kind=PickKind.BEHAVIOUR, label="Rocking")
    with CaptureQueriesContext(connection) as first:
        assert selectors.quick_picks(world.school)[PickKind.BEHAVIOUR] == ["Rocking"]
    with CaptureQueriesContext(connection) as second:
        assert selectors.quick_picks(world.school)[PickKind.BEHAVIOUR] == ["Rocking"]
        assert selectors.quick_picks(world.other_school)[PickKind.BEHAVIOUR] == list(DEFAULT_PICKS[PickKind.BEHAVIOUR])
    assert len(first) == 1 and len(second) == 1  # the other school's list is its own
    selectors.quick_picks(world.school)[PickKind.BEHAVIOUR].append("Changed by a caller")
    assert selectors.quick_picks(world.school)[PickKind.BEHAVIOUR] == ["Rocking"]
