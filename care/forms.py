"""Forms only validate input; the dose rules are in services.dose_problems and come back next to
the field they are about."""

import datetime

from django import forms
from django.utils import timezone

from accounts.access import Ability
from sendsupport.notifications import staff_with_ability

from .models import Batch, HealthcarePlan, Medicine, Outcome


def _date(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


class HealthcarePlanForm(forms.ModelForm):
    class Meta:
        model = HealthcarePlan
        fields = ["condition", "symptoms", "triggers", "signs", "treatments", "equipment", "daily_care",
                  "emergency_signs", "emergency_action", "emergency_responsible", "emergency_summary", "trips",
                  "staff_training", "developed_with", "review_on"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in [
            "symptoms", "triggers", "signs", "treatments", "equipment", "daily_care", "emergency_signs",
            "emergency_action", "trips", "staff_training"]} | {"review_on": _date()}
        help_texts = {"emergency_summary": "What to do, in a line or two, e.g. 'Seizure over 5 min: buccal midazolam "
                                           "(office CD cupboard), call 999'. The banner adds who is responsible; "
                                           "staff who can't open the plan see only this, so make it enough to act on."}

    def clean(self):
        from .services import BANNER_MAX, BANNER_TOO_LONG, emergency_banner_text

        data = super().clean()
        if data.get("emergency_summary") and data.get("emergency_responsible"):
            # The instance is filled in after clean(): measure what was typed.
            typed = HealthcarePlan(emergency_summary=data["emergency_summary"],
                                   emergency_responsible=data["emergency_responsible"])
            if len(emergency_banner_text(typed)) > BANNER_MAX:
                self.add_error("emergency_summary", BANNER_TOO_LONG)
        return data


class TimesField(forms.CharField):
    """Scheduled times typed as "08:00, 12:15"."""

    def to_python(self, value):
        value = super().to_python(value)
        times = []
        for part in [p.strip() for p in (value or "").replace(";", ",").split(",") if p.strip()]:
            try:
                times.append(datetime.time.fromisoformat(part.replace(".", ":").zfill(5)))
            except ValueError:
                raise forms.ValidationError(f"“{part}” is not a time: use the 24-hour clock, e.g. 12:15.") from None
        return times

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(t.strftime("%H:%M") for t in value)
        return value


class MedicineForm(forms.ModelForm):
    scheduled_times = TimesField(required=False, label="Scheduled times",
                                 help_text="24-hour clock, separated by commas, e.g. 08:30, 12:15")

    class Meta:
        model = Medicine
        fields = ["name", "strength", "form", "route", "dose_amount", "unit", "dose_notes", "as_needed",
                  "scheduled_times", "prn_reason", "prn_max_doses_24h", "prn_min_gap_minutes", "self_administers",
                  "storage", "is_controlled", "side_effects", "low_stock_at", "consent_from", "consent_given_on",
                  "consent_review_on", "stopped_on"]
        widgets = {"consent_given_on": _date(), "consent_review_on": _date(), "stopped_on": _date(),
                   "side_effects": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        if data.get("is_controlled"):
            data["storage"] = "cd_store"  # controlled drugs live in the locked store, whatever was picked
        if data.get("as_needed"):
            if not data.get("prn_reason"):
                self.add_error("prn_reason", "Say when an as-needed dose is given.")
            if not data.get("prn_max_doses_24h"):
                self.add_error("prn_max_doses_24h", "Give the most doses allowed in 24 hours.")
            if data.get("prn_min_gap_minutes") is None:
                self.add_error("prn_min_gap_minutes", "Give the least time between doses (0 if none).")
        elif not data.get("scheduled_times") and not self.has_error("scheduled_times"):
            self.add_error("scheduled_times", "Give the times of day, or tick 'As needed (PRN)'.")
        given, review = data.get("consent_given_on"), data.get("consent_review_on")
        if given and given > timezone.localdate():
            self.add_error("consent_given_on", "The agreement can't be dated in the future.")
        if given and review and review < given:
            self.add_error("consent_review_on", "The review date is before the agreement.")
        if given and not data.get("consent_from"):
            self.add_error("consent_from", "Who signed the agreement?")
        return data


class RenewConsentForm(forms.Form):
    """The renewed agreement as typed; its rules (dates in order, not older than the agreement it
    replaces) are services.renew_consent's, shown next to these fields."""

    consent_from = forms.CharField(
        label="Signed by", max_length=120, error_messages={"required": "Say who signed the agreement, as on the form."},
        help_text="The parent or carer, as on the form, e.g. 'Sarah Hughes (mother)'")
    consent_given_on = forms.DateField(label="Date on the signed form", widget=_date(),
                                       error_messages={"required": "Give the date on the signed form."})
    consent_review_on = forms.DateField(
        label="Next review date", widget=_date(),
        error_messages={"required": "Give the date the agreement is next reviewed."},
        help_text="From the day after, the medicine can't be given until the agreement is renewed again")


class BatchForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = ["batch_number", "expires_on", "received_on", "quantity_received"]
        widgets = {"expires_on": _date(), "received_on": _date()}
        labels = {"quantity_received": "Quantity received"}

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("That date is in the future.")
        return value


class StockCheckForm(forms.Form):
    counted = forms.DecimalField(label="Counted now", min_value=0, max_digits=8, decimal_places=2)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Needed when the count doesn't match")


class GiveForm(forms.Form):
    """Given / refused / not given for one dose. For a controlled drug, the witness either types
    their password here (same device) or confirms later from their own login."""

    outcome = forms.ChoiceField(choices=[(Outcome.GIVEN, "Given"), (Outcome.REFUSED, "Refused"),
                                         (Outcome.NOT_GIVEN, "Not given"),
                                         (Outcome.AT_HOME, "Given at home (parent told us)")],
                                widget=forms.RadioSelect, initial=Outcome.GIVEN, label="What happened")
    at = forms.DateTimeField(label="Date and time", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    dose_amount = forms.DecimalField(label="Dose", min_value=0, max_digits=7, decimal_places=2, required=False)
    batch = forms.ModelChoiceField(queryset=Batch.objects.none(), required=False, empty_label="Choose a batch")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reaction = forms.CharField(label="Any reaction", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    witness = forms.ModelChoiceField(queryset=None, required=False, empty_label="Choose the witness")
    witness_password = forms.CharField(
        label="Witness's password", required=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The witness types their own password here, or leave it empty and they confirm on their own login")

    def __init__(self, *args, medicine, batches, giver, **kwargs):
        super().__init__(*args, **kwargs)
        self.medicine = medicine
        self.fields["batch"].queryset = Batch.objects.filter(pk__in=[b.pk for b in batches])
        self.fields["batch"].label_from_instance = (
            lambda b: f"{b.batch_number or 'No batch no.'}: expires {b.expires_on:%-d %b %Y}, "
                      f"{b.quantity_in_stock.normalize():f} {medicine.unit} left")
        self.fields["dose_amount"].label = f"Dose ({medicine.unit})"
        if medicine.as_needed:
            self.fields["reason"].label = "Reason (why needed, or why refused / not given)"
        else:
            self.fields["outcome"].choices = self.fields["outcome"].choices[:3]
            self.fields["reason"].label = "Reason (if refused or not given)"
        if medicine.is_controlled:
            from accounts.models import User

            ids = [u.pk for u in staff_with_ability(medicine.school, Ability.GIVE_MEDICATION) if u.pk != giver.pk]
            self.fields["witness"].queryset = User.objects.filter(pk__in=ids).order_by("full_name")
            self.fields["witness"].label_from_instance = lambda u: u.full_name or u.email
        else:
            del self.fields["witness"], self.fields["witness_password"]

    def clean_at(self):
        value = self.cleaned_data["at"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class ParentToldForm(forms.Form):
    how = forms.CharField(label="How were they told?", max_length=120, required=False)


class AddendumForm(forms.Form):
    text = forms.CharField(label="Add a correction or note", widget=forms.Textarea(attrs={"rows": 2}))
