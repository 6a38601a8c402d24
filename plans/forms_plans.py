"""Forms for EHCPs and SEN support plans: the plan's own fields, an outcome with its targets, and
a provision item with the outcomes it serves. Forms only validate; services save."""

from django import forms
from django.db.models import Case, When
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from .models import Outcome, Plan, ProgressEvidence, Provision, Target
from .selectors_plans import outcome_sort_key

DATE = {"type": "date"}

EHCP_FIELDS = [
    "local_authority", "la_coordinator", "la_coordinator_contact", "date_issued", "last_annual_review",
    "section_a", "section_b", "section_c", "section_d", "section_g", "section_h1", "section_h2",
    "section_i", "section_j", "section_k",
]
SEN_SUPPORT_FIELDS = ["cycle_starts_on", "review_due_on", "assess_notes", "plan_notes", "do_notes", "review_notes"]

# Preparing for adulthood outcomes (from Year 9). Stored as the words people read.
PFA_DOMAINS = [
    ("", "Not a preparing-for-adulthood outcome"),
    ("Employment", "Employment"),
    ("Independent living", "Independent living"),
    ("Community inclusion", "Friends, relationships and community inclusion"),
    ("Good health", "Good health"),
]


def _date_widget():
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


class EhcpForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = EHCP_FIELDS
        labels = {"local_authority": "Local authority"}
        help_texts = {
            "date_issued": "The date on the final plan the local authority sent.",
            "last_annual_review": "Leave blank if there has been no annual review yet.",
        }
        widgets = {
            "date_issued": _date_widget(),
            "last_annual_review": _date_widget(),
            **{name: forms.Textarea(attrs={"rows": 4}) for name in EHCP_FIELDS if name.startswith("section_")},
        }

    def clean(self):
        data = super().clean()
        issued, reviewed = data.get("date_issued"), data.get("last_annual_review")
        today = timezone.localdate()
        if issued and issued > today:
            self.add_error("date_issued", "The issue date can't be in the future.")
        if reviewed and reviewed > today:
            self.add_error("last_annual_review",
                           "Enter a review that has taken place; plan future reviews under Reviews.")
        if issued and reviewed and reviewed < issued:
            self.add_error("last_annual_review", "The last annual review can't be before the plan was issued.")
        return data


class SenSupportForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = SEN_SUPPORT_FIELDS
        labels = {
            "cycle_starts_on": "This cycle starts",
            "review_due_on": "Review due",
            "assess_notes": "Assess: what we know about the pupil's needs",
            "plan_notes": "Plan: what we agreed to do, and with whom",
            "do_notes": "Do: how it is being put in place",
            "review_notes": "Review: how it went (at the end of the cycle)",
        }
        widgets = {
            "cycle_starts_on": _date_widget(),
            "review_due_on": _date_widget(),
            **{name: forms.Textarea(attrs={"rows": 4}) for name in SEN_SUPPORT_FIELDS if name.endswith("_notes")},
        }

    def clean(self):
        data = super().clean()
        starts, due = data.get("cycle_starts_on"), data.get("review_due_on")
        if starts and due and due <= starts:
            self.add_error("review_due_on", "The review must be after the cycle starts.")
        return data


PLAN_FORMS = {Plan.Kind.EHCP: EhcpForm, Plan.Kind.SEN_SUPPORT: SenSupportForm}


class OutcomeForm(forms.ModelForm):
    pfa_domain = forms.ChoiceField(label="Preparing for adulthood", choices=PFA_DOMAINS, required=False,
                                   help_text="From Year 9, say which part of adult life this outcome prepares for.")

    class Meta:
        model = Outcome
        fields = ["area_of_need", "text", "pfa_domain", "target_date"]
        labels = {"area_of_need": "Area of need", "text": "Outcome", "target_date": "To be achieved by"}
        help_texts = {"text": "The difference the support will make for the pupil: personal and specific."}
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "target_date": _date_widget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.pfa_domain
        if current and current not in dict(PFA_DOMAINS):  # worded differently elsewhere: keep it as it is
            self.fields["pfa_domain"].choices = [*PFA_DOMAINS, (current, current)]


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["text", "target_date"]
        labels = {"text": "Target", "target_date": "By"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "target_date": _date_widget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["text"].required = False  # a blank new row is skipped, so it isn't marked required

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("text") and data.get("target_date"):
            self.add_error("text", "Describe the target, or clear its date to leave this row out.")
        return data


class BaseTargetFormSet(BaseInlineFormSet):
    """The outcome's SMART targets. Removing one is allowed in a draft, unless progress evidence
    was recorded against it (evidence is never lost)."""

    def __init__(self, *args, outcome_date=None, **kwargs):
        self.outcome_date = outcome_date
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this target"
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input fs-5 mt-2"

    def clean(self):
        super().clean()
        removed = [f.instance.pk for f in self.deleted_forms if f.instance.pk]
        if removed and ProgressEvidence.objects.filter(target_id__in=removed).exists():
            raise forms.ValidationError("A target you asked to remove has progress evidence recorded against it, "
                                        "so it stays. Untick \"Remove this target\" to save.")
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed() and not form.instance.pk:
                continue
            when = form.cleaned_data.get("target_date")
            if when and self.outcome_date and when > self.outcome_date:
                form.add_error("target_date", "A target is a step towards the outcome: set a date on or before "
                                              f"the outcome's ({self.outcome_date:%-d %B %Y}).")


TargetFormSet = inlineformset_factory(
    Outcome, Target, form=TargetForm, formset=BaseTargetFormSet, extra=2, can_delete=True,
)


class OutcomeChoices(forms.ModelMultipleChoiceField):
    """The plan's outcomes, numbered as on the plan page."""

    numbers: dict = {}

    def label_from_instance(self, obj):
        text = obj.text if len(obj.text) <= 90 else obj.text[:88].rstrip() + "…"
        number = self.numbers.get(obj.pk)
        return f"Outcome {number} ({obj.get_area_of_need_display()}): {text}" if number else text


class ProvisionForm(forms.ModelForm):
    outcomes = OutcomeChoices(
        queryset=Outcome.objects.none(), label="Outcomes this provision serves",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input fs-5 mt-2"}),
        error_messages={"required": "Tick at least one outcome this provision serves: every item of provision "
                                    "must lead to an outcome."},
    )

    class Meta:
        model = Provision
        fields = ["description", "delivered_by", "frequency", "minutes", "group_size", "starts_on", "ends_on"]
        labels = {"description": "Provision", "frequency": "How often", "starts_on": "Starts", "ends_on": "Ends"}
        help_texts = {"description": "What will be done: specific enough that anyone could deliver it.",
                      "group_size": "e.g. 1:1, small group of 4"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "starts_on": _date_widget(),
                   "ends_on": _date_widget()}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this plan's outcomes can be chosen: another plan's outcome id is "not one of the choices".
        outcomes = sorted(Outcome.objects.filter(plan=plan), key=outcome_sort_key)
        field = self.fields["outcomes"]
        field.queryset = Outcome.objects.filter(plan=plan).order_by(
            Case(*[When(pk=o.pk, then=i) for i, o in enumerate(outcomes)], default=len(outcomes)))
        field.numbers = {o.pk: i for i, o in enumerate(outcomes, start=1)}
        if self.instance.pk:
            self.initial.setdefault("outcomes", [o.pk for o in self.instance.outcomes.all()])
        self.fields["minutes"].widget.attrs.update({"min": 1, "inputmode": "numeric"})

    def clean_minutes(self):
        minutes = self.cleaned_data.get("minutes")
        if minutes is not None and minutes < 1:
            raise forms.ValidationError("Enter the minutes per session, or leave it blank.")
        return minutes

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date can't be before the start date.")
        return data
