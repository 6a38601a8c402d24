"""Forms for behaviour support plans and positive-handling plans (with their risk assessment rows
and the staff trained to use the plan's techniques). Forms only validate; services save."""

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from .models import BehaviourSupportPlan, PositiveHandlingPlan, Risk

ONE_PER_LINE = "One per line."

# The common 5 x 5 matrix wording: the number is what is stored and multiplied.
LIKELIHOOD = [(1, "1: Rare"), (2, "2: Unlikely"), (3, "3: Possible"), (4, "4: Likely"), (5, "5: Almost certain")]
SEVERITY = [(1, "1: Negligible"), (2, "2: Minor"), (3, "3: Moderate"), (4, "4: Major"), (5, "5: Severe")]


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _rows(n):
    return forms.Textarea(attrs={"rows": n})


class _AgreementDates:
    """Review and agreement dates shared by both plans' forms."""

    def _note_copied_agreement(self):
        # services.amend leaves the agreement blank: each version needs the parents' agreement.
        plan = self.instance
        if plan.pk and plan.version > 1 and not plan.parents_agreed_on:
            self.fields["parents_agreed_on"].help_text = (
                f"Version {plan.version}: enter the date the parents agreed this version before signing off.")

    def _check_dates(self, data):
        today = timezone.localdate()
        if data.get("review_date") and data["review_date"] < today:
            self.add_error("review_date", "This date has passed: choose when the plan will next be reviewed.")
        if data.get("parents_agreed_on") and data["parents_agreed_on"] > today:
            self.add_error("parents_agreed_on", "This date is in the future: enter it once the parents have agreed.")


class BehaviourSupportPlanForm(_AgreementDates, forms.ModelForm):
    class Meta:
        model = BehaviourSupportPlan
        fields = [
            "behaviours_of_concern", "setting_events", "triggers", "early_warning_signs", "likely_function",
            "function_notes", "proactive_strategies", "deescalation_strategies", "reactive_strategies",
            "post_incident_support", "review_date", "parents_agreed_on", "parents_agreement_notes",
        ]
        labels = {
            "behaviours_of_concern": "Behaviours of concern",
            "early_warning_signs": "Early warning signs",
            "likely_function": "Likely function of the behaviour",
            "function_notes": "Why we think so",
            "proactive_strategies": "Proactive strategies (every day)",
            "deescalation_strategies": "De-escalation strategies (at the first signs)",
            "reactive_strategies": "Reactive / crisis strategies",
            "post_incident_support": "Support after an incident",
            "review_date": "Review by",
            "parents_agreed_on": "Parents agreed on",
            "parents_agreement_notes": "How the parents agreed",
        }
        help_texts = {
            "behaviours_of_concern": "What you would see or hear, not labels: \"throws chairs\", not \"aggressive\".",
            "setting_events": "Things that make the behaviour more likely that day: poor sleep, hunger, a change "
                              "at home, new staff.",
            "triggers": "What happens just before: a demand, a noise, a transition.",
            "early_warning_signs": "What staff notice first: rocking, going quiet, pacing.",
            "function_notes": "Patterns from incident records (ABC) that point to this function.",
            "proactive_strategies": f"{ONE_PER_LINE} Environment, routine, communication, skills to teach. "
                                    "They become the quick-pick list when staff log an incident.",
            "deescalation_strategies": f"{ONE_PER_LINE} What to do at the early warning signs, and what to avoid.",
            "reactive_strategies": f"{ONE_PER_LINE} Least restrictive first. Any physical intervention belongs "
                                   "in the positive-handling plan.",
            "post_incident_support": "Recovery, debrief with the pupil, repair.",
            "parents_agreed_on": "Needed before the plan can be signed off.",
            "parents_agreement_notes": "For example: at a meeting with mum; signed copy returned; by phone.",
        }
        error_messages = {
            "behaviours_of_concern": {"required": "Describe the behaviours of concern."},
            "review_date": {"required": "Enter the date to review the plan by."},
        }
        widgets = {
            "behaviours_of_concern": _rows(4),
            "setting_events": _rows(3),
            "triggers": _rows(3),
            "early_warning_signs": _rows(3),
            "function_notes": _rows(2),
            "proactive_strategies": _rows(5),
            "deescalation_strategies": _rows(5),
            "reactive_strategies": _rows(4),
            "post_incident_support": _rows(3),
            "review_date": _date_widget(),
            "parents_agreed_on": _date_widget(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["likely_function"].choices = [("", "Not recorded")] + [
            c for c in self.fields["likely_function"].choices if c[0]]
        self._note_copied_agreement()

    def clean(self):
        data = super().clean()
        self._check_dates(data)
        if data.get("parents_agreement_notes") and not data.get("parents_agreed_on"):
            self.add_error("parents_agreed_on", "Enter the date the parents agreed.")
        return data


class TrainedStaffField(forms.ModelMultipleChoiceField):
    """Checkboxes of the school's active staff; the template shows each person's training."""

    def label_from_instance(self, user):
        return user.full_name


class PositiveHandlingPlanForm(_AgreementDates, forms.ModelForm):
    trained_staff = TrainedStaffField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Staff trained to use these techniques",
        help_text="Choose from the school's staff. Their training from the register is shown; "
                  "expired or missing training is flagged.",
    )

    class Meta:
        model = PositiveHandlingPlan
        fields = [
            "training_scheme", "approved_techniques", "prohibited_techniques", "stage_anxiety", "stage_escalation",
            "stage_crisis", "recovery", "trained_staff", "review_date", "parents_agreed_on",
        ]
        labels = {
            "training_scheme": "Training scheme",
            "approved_techniques": "Approved techniques",
            "review_date": "Review by",
            "parents_agreed_on": "Parents consulted on",
        }
        help_texts = {
            "approved_techniques": f"{ONE_PER_LINE} Holds and techniques from the training scheme, least "
                                   "restrictive first.",
            "prohibited_techniques": "Medical or other reasons a technique must never be used, e.g. \"no floor "
                                     "holds: epilepsy\".",
            "stage_anxiety": "What staff see, and what to do.",
            "stage_escalation": "What staff see, and what to do.",
            "stage_crisis": "What staff see, and what to do. Physical intervention only as a last resort.",
            "recovery": "How the pupil calms, and how staff help them back.",
            "parents_agreed_on": "Needed before the plan can be signed off.",
        }
        error_messages = {
            "approved_techniques": {"required": "List the approved techniques, one per line."},
            "review_date": {"required": "Enter the date to review the plan by."},
        }
        widgets = {
            "approved_techniques": _rows(4),
            "prohibited_techniques": _rows(3),
            "stage_anxiety": _rows(3),
            "stage_escalation": _rows(3),
            "stage_crisis": _rows(3),
            "recovery": _rows(3),
            "review_date": _date_widget(),
            "parents_agreed_on": _date_widget(),
        }

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trained_staff"].queryset = staff_queryset
        self.fields["training_scheme"].choices = [("", "Not chosen yet")] + [
            c for c in self.fields["training_scheme"].choices if c[0]]
        self._note_copied_agreement()

    def clean(self):
        data = super().clean()
        self._check_dates(data)
        return data

    def selected_staff_ids(self) -> set[int]:
        """The ticked staff as the page should show them (typed values kept after an error)."""
        return {int(v) for v in self["trained_staff"].value() or [] if str(v).isdigit()}


class RiskForm(forms.ModelForm):
    likelihood = forms.TypedChoiceField(choices=[("", "Choose")] + LIKELIHOOD, coerce=int, label="Likelihood",
                                        error_messages={"required": "Choose how likely it is."})
    severity = forms.TypedChoiceField(choices=[("", "Choose")] + SEVERITY, coerce=int, label="Severity",
                                      error_messages={"required": "Choose how serious it would be."})
    residual_likelihood = forms.TypedChoiceField(choices=[("", "Not assessed")] + LIKELIHOOD, coerce=int,
                                                 required=False, empty_value=None,
                                                 label="Likelihood with the controls")
    residual_severity = forms.TypedChoiceField(choices=[("", "Not assessed")] + SEVERITY, coerce=int,
                                               required=False, empty_value=None, label="Severity with the controls")

    class Meta:
        model = Risk
        fields = ["hazard", "who_is_at_risk", "likelihood", "severity", "control_measures", "residual_likelihood",
                  "residual_severity", "owner"]
        labels = {"who_is_at_risk": "Who is at risk", "control_measures": "Control measures",
                  "owner": "Who makes sure the controls happen"}
        help_texts = {"hazard": "What could happen, e.g. \"hits out at staff when held\".",
                      "who_is_at_risk": "e.g. the pupil, staff, other pupils",
                      "control_measures": "What staff do to reduce the risk."}
        error_messages = {"hazard": {"required": "Describe the hazard."},
                          "who_is_at_risk": {"required": "Say who is at risk."},
                          "control_measures": {"required": "Describe what staff do to reduce the risk."}}
        widgets = {"hazard": _rows(2), "control_measures": _rows(3)}

    def clean(self):
        data = super().clean()
        rl, rs = data.get("residual_likelihood"), data.get("residual_severity")
        if (rl is None) != (rs is None):
            missing = "residual_severity" if rs is None else "residual_likelihood"
            self.add_error(missing, "Give both the likelihood and the severity with the controls, or neither.")
        elif rl and rs and data.get("likelihood") and data.get("severity") and rl * rs > data["likelihood"] * data["severity"]:
            self.add_error("residual_likelihood",
                           "With the controls the risk can't be higher than without them: check the scores.")
        return data


class BaseRiskFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this risk from the draft"


RiskFormSet = inlineformset_factory(
    PositiveHandlingPlan, Risk, form=RiskForm, formset=BaseRiskFormSet, extra=1, can_delete=True,
)
