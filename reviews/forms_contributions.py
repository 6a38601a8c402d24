"""Forms for asking for contributions, writing one, and the DSL's safeguarding summary. Forms only
validate; services save (and check again)."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Membership, Role
from pupils.models import CaseloadEntry

from .models_contributions import Contribution, SafeguardingSummary
from .services_contributions import due_date_problem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NO_OTHER_PUPILS = "Don't name other pupils: write \"another pupil\"."


class StaffChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        roles = ", ".join(Role(r).label for r in (user.school_roles or []) if r in Role.values)
        works_with = "; works with this pupil" if user.works_with_pupil else ""
        return f"{user.full_name or user.email} ({roles}{works_with})" if roles else user.full_name or user.email


class AskForm(forms.Form):
    asked = StaffChoice(label="Who to ask", queryset=get_user_model().objects.none(),
                        widget=forms.CheckboxSelectMultiple,
                        error_messages={"required": "Choose who to ask.",
                                        "invalid_choice": "Choose people who work at your school."})
    due_on = forms.DateField(label="Needed by", widget=DATE,
                             error_messages={"required": "Enter the date you need it by.",
                                             "invalid": "Enter a date, like 8/12/2026."})
    question = forms.CharField(label="A question for them (optional)", required=False, max_length=1000,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text="For example: how does she manage the move from the carpet to tables?")

    def __init__(self, *args, staff, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(school=staff.school, is_active=True, user__is_active=True)
        # The people who work with the pupil (their caseload or class) first: in a big school the
        # list is long and they are the ones usually asked.
        caseload = CaseloadEntry.objects.filter(school=staff.school, user=OuterRef("pk")).filter(
            Q(pupil=pupil) | Q(class_group_id=pupil.class_group_id) if pupil.class_group_id else Q(pupil=pupil))
        self.fields["asked"].queryset = (
            get_user_model().objects.filter(pk__in=members.values("user_id"))
            .annotate(works_with_pupil=Exists(caseload),
                      school_roles=Subquery(members.filter(user=OuterRef("pk")).values("roles")[:1]))
            .order_by("-works_with_pupil", "full_name", "email"))
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate() + datetime.timedelta(days=14))

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        problem = due_date_problem(due_on)
        if problem:
            raise forms.ValidationError(problem)
        return due_on


class ContributionForm(forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["progress", "what_works", "still_hard", "answer"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {
            "progress": "What they can do now that they couldn't before; examples help. " + NO_OTHER_PUPILS,
            "what_works": "Approaches, adults, times of day, resources.",
            "still_hard": "Optional.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.question:
            del self.fields["answer"]


class WithdrawForm(forms.Form):
    # A plain form: the service sets the withdrawal, the row itself is never bound to a form.
    withdrawal_reason = forms.CharField(
        label="Why are you withdrawing it?", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: I wrote about the wrong week. The person who asked reads this; it never goes "
                  "into a pack.",
        error_messages={"required": "Say why you are withdrawing it (a few words is fine).",
                        "max_length": "Keep it under 1000 characters."})


class SafeguardingSummaryForm(forms.ModelForm):
    class Meta:
        model = SafeguardingSummary
        fields = ["period_start", "period_end", "text"]
        widgets = {"period_start": DATE, "period_end": DATE, "text": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "period_start": {"required": "Enter the first day of the period.", "invalid": "Enter a date."},
            "period_end": {"required": "Enter the last day of the period.", "invalid": "Enter a date."},
            "text": {"required": "Write the summary."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()  # a pack usually covers the year to date
            self.initial.setdefault("period_start", today - datetime.timedelta(days=364))
            self.initial.setdefault("period_end", today)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data
