"""The overview's reviews list: every overdue review, then the next few due; the CSV lists them all
(46 rows in a half-width column made the demo overview 9,000px tall)."""

import csv
import datetime
import io

from django.utils import timezone

from dashboards.selectors import REVIEWS_DUE_SHOWN
from plans.models import Plan, VersionStatus
from pupils.factories import PupilFactory


def test_every_overdue_review_then_the_next_few_due_and_the_csv_has_all(client, world):
    senco, today = world.people["senco"], timezone.localdate()
    due_in_days = [-30, -12, -3] + list(range(2, 50, 5))  # 3 overdue, 10 due within 8 weeks
    for k, days in enumerate(due_in_days):
        pupil = PupilFactory(school=world.school, legal_first_name=f"Pupil{k:02d}", legal_last_name="Review")
        Plan.objects.create(pupil=pupil, kind=Plan.Kind.SEN_SUPPORT, status=VersionStatus.IN_FORCE,
                            created_by=senco, review_due_on=today + datetime.timedelta(days=days))
    client.force_login(senco)
    response = client.get("/dashboards/")
    table = response.context["tables"]["reviews"]
    assert len(table.rows) == 13
    assert len(table.linked_rows) == 3 + REVIEWS_DUE_SHOWN
    states = [row[3] for row in table.shown_rows]
    assert states == ["Overdue"] * 3 + ["Due"] * REVIEWS_DUE_SHOWN  # overdue first, then the soonest due
    html = response.content.decode()
    html = html[html.index('id="reviews-h"'):]  # the reviews card (the pupil picker lists every pupil)
    html = html[:html.index("</section>")]
    assert "Pupil00 Review" in html and f"Pupil{2 + REVIEWS_DUE_SHOWN:02d} Review" in html
    assert f"Pupil{3 + REVIEWS_DUE_SHOWN:02d} Review" not in html and "Pupil12 Review" not in html
    assert f"{13 - 3 - REVIEWS_DUE_SHOWN} more not shown here: the CSV lists all 13." in html
    exported = list(csv.reader(io.StringIO(client.get("/dashboards/export/reviews.csv").content.decode())))
    assert len(exported) == 1 + 13
    assert all(cell != "'" for row in exported for cell in row)  # an empty cell stays empty


def test_a_review_still_to_come_with_papers_late_is_behind_not_overdue(client, world):
    from plans.models import AnnualReview

    senco, today = world.people["senco"], timezone.localdate()
    pupil = PupilFactory(school=world.school, legal_first_name="Hanna", legal_last_name="Booked")
    ehcp = Plan.objects.create(pupil=pupil, kind=Plan.Kind.EHCP, status=VersionStatus.IN_FORCE, created_by=senco,
                               review_due_on=today + datetime.timedelta(days=40))
    AnnualReview.objects.create(pupil=pupil, plan=ehcp, meeting_date=today + datetime.timedelta(days=9),
                                created_by=senco)
    client.force_login(senco)
    table = client.get("/dashboards/").context["tables"]["reviews"]
    rows = [row for row in table.rows if row[0] == "Hanna Booked"]
    assert [row[3] for row in rows] == ["Behind"]
    assert "papers" in rows[0][4].lower()
