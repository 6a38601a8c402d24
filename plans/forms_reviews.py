"""Forms for annual reviews: they only validate. The rules for each step are the service's
(`services_reviews.review_problems`), put next to the fields here."""

from django import forms
from django.utils.dateformat import format as format_date

from .models import AnnualReview
from .services_reviews import FURTHEST_AHEAD, Status, review_problems, statuses_for, step

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Rendered as toggle buttons (plans/reviews/_radio_buttons.html): big enough to tap.
BUTTONS = forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"})


def _d(value):
    return format_date(value, "j F Y")


class ReviewCreateForm(forms.ModelForm):
    class Meta:
        model = AnnualReview
        fields = ["kind", "meeting_date"]
        labels = {"kind": "Type of review", "meeting_date": "Meeting date"}
        widgets = {"kind": BUTTONS, "meeting_date": DATE}

    def __init__(self, *args, plan, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        due = plan.next_review_due
        self.fields["kind"].choices = AnnualReview.Kind.choices  # no empty choice for radios
        if due:
            when = "overdue: it was due" if due < today else "due"
            self.fields["meeting_date"].help_text = (
                f"The {'annual review' if plan.is_ehcp else 'review'} is {when} by {_d(due)}."
                + (" Papers must go out two weeks before the meeting." if plan.is_ehcp else ""))

    def clean_meeting_date(self):
        meeting = self.cleaned_data["meeting_date"]
        if meeting > self.today + FURTHEST_AHEAD:
            raise forms.ValidationError(f"{_d(meeting)} is more than a year away: check the year.")
        return meeting


class ReviewEditForm(forms.ModelForm):
    """What happened at the review and where it is up to. Steps only go forward past "held" (the
    plan's review clock has restarted), and the meeting date is fixed once it has been held."""

    class Meta:
        model = AnnualReview
        fields = [
            "status", "kind", "meeting_date", "papers_sent_on", "report_sent_on", "attendees", "pupil_views",
            "parent_views", "what_is_working", "what_is_not_working", "proposed_outcome_changes",
            "proposed_provision_changes",
        ]
        labels = {
            "status": "Where the review is up to", "kind": "Type of review", "meeting_date": "Meeting date",
            "papers_sent_on": "Papers sent on", "what_is_working": "What is working",
            "what_is_not_working": "What is not working",
        }
        widgets = {
            "status": BUTTONS, "kind": BUTTONS, "meeting_date": DATE,
            "papers_sent_on": DATE, "report_sent_on": DATE,
            **{name: forms.Textarea(attrs={"rows": 3}) for name in [
                "pupil_views", "parent_views", "what_is_working", "what_is_not_working",
                "proposed_outcome_changes", "proposed_provision_changes"]},
            "attendees": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        review = self.instance
        self.today = today
        self.plan = review.plan
        self.previous_status = review.status
        allowed = statuses_for(self.plan)
        if step(review.status) >= step(Status.HELD):
            allowed = [s for s in allowed if step(s) >= step(Status.HELD)]
            self.fields["meeting_date"].disabled = True
            self.fields["meeting_date"].help_text = "The meeting has been held: its date is fixed."
        self.fields["status"].choices = [(s, Status(s).label) for s in allowed]
        self.fields["kind"].choices = AnnualReview.Kind.choices
        if self.plan.is_ehcp:
            self.fields["papers_sent_on"].help_text = (
                f"Due by {_d(review.papers_due_by)}: at least two weeks before the meeting.")
            self.fields["report_sent_on"].help_text = (
                f"Due by {_d(review.report_due_by)}: within two weeks of the meeting.")
        else:
            del self.fields["report_sent_on"]  # no report to the local authority for SEN support
            self.fields["papers_sent_on"].help_text = "The day the papers went to the parents and others invited."
        self.fields["attendees"].help_text = "One a line: name and role, e.g. Sam Patel, mother"

    def clean(self):
        data = super().clean()
        problems = review_problems(
            plan=self.plan, status=data.get("status"), meeting_date=data.get("meeting_date"),
            papers_sent_on=data.get("papers_sent_on"), report_sent_on=data.get("report_sent_on"),
            previous_status=self.previous_status, today=self.today)
        for name, messages in problems.items():
            if name in self.errors:
                continue  # "Enter a valid date" says enough about that field
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return data
