"""Two sections of a pupil's evidence pack (registered in ReviewsConfig.ready()):

- **Staff contributions** (order 82): the requests made for this review, which are those asked from
  the first day of the pack's period up to ``AFTER_PERIOD`` (8 weeks) after its last day: a SENCo
  usually asks in the weeks before the meeting, which may fall after the period the pack covers,
  and a request from before the period belongs to an earlier review. Submitted contributions are
  printed whole; everyone asked who has not submitted is listed by name with the due date (a draft
  is its author's own and is never printed). A contribution its author withdrew is left out
  altogether, as if never asked (the SENCo sees it, and why, on the pupil's contributions page).
  No section when nobody was asked. Staff are named with their job title where the school set
  one, never with their roles in the app: "DSL" beside a name would tell parents who holds a
  safeguarding role.
- **Safeguarding summary (from the DSL)** (order 85): the summaries a DSL role holder wrote whose
  period overlaps the pack's, oldest first (a later one may correct an earlier one; both stay). No
  section without one: safeguarding concerns themselves are never in a pack.

Each reads a fixed number of queries whatever the data (2 and 2; 1 with nothing to print), and names
no pupil but this one: staff write freely, so the form asks them to say "another pupil", and any other
pupil's full name typed anyway is printed as "another pupil" (``pupils.pack.other_pupils_redactor``)."""

import datetime

from django.db.models import OuterRef, Subquery

from accounts.models import Membership
from pupils.pack import other_pupils_redactor, redact_text_fields

from .models_contributions import Contribution, SafeguardingSummary

AFTER_PERIOD = datetime.timedelta(weeks=8)
CONTRIBUTIONS_TEMPLATE = "reviews/contributions/pack_contributions.html"
SUMMARY_TEMPLATE = "reviews/contributions/pack_safeguarding_summary.html"


def contributions_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    job_title = Membership.objects.filter(school_id=OuterRef("school_id"), user_id=OuterRef("asked_id"))
    asked = list(Contribution.objects.filter(pupil=pupil, requested_at__date__gte=start,
                                             requested_at__date__lte=end + AFTER_PERIOD, withdrawn_at__isnull=True)
                 .select_related("asked").annotate(asked_job_title=Subquery(job_title.values("job_title")[:1]))
                 .order_by("submitted_at", "requested_at", "id"))
    if not asked:
        return None
    clean = other_pupils_redactor(pupil)
    for c in asked:
        redact_text_fields(c, clean)

    def who(c):
        return {"name": c.asked.full_name or c.asked.email, "job_title": c.asked_job_title or ""}

    submitted = [{**who(c), "contribution": c} for c in asked if c.submitted_at]
    unanswered = [{**who(c), "due_on": c.due_on, "requested_at": c.requested_at}
                  for c in asked if not c.submitted_at]
    return CONTRIBUTIONS_TEMPLATE, {"pupil": pupil, "period_start": start, "period_end": end,
                                    "submitted": submitted, "unanswered": unanswered,
                                    "asked_count": len(asked)}


def safeguarding_summary_section(pupil, start: datetime.date, end: datetime.date) -> tuple[str, dict] | None:
    summaries = list(SafeguardingSummary.objects.filter(pupil=pupil, period_start__lte=end, period_end__gte=start)
                     .select_related("written_by").order_by("written_at", "id"))
    if not summaries:
        return None
    clean = other_pupils_redactor(pupil)
    for summary in summaries:
        redact_text_fields(summary, clean)
    return SUMMARY_TEMPLATE, {"pupil": pupil, "period_start": start, "period_end": end, "summaries": summaries}
