"""Forms for starting an evidence pack (a pupil and a period) and a batch (reviews due by a date).
They only validate; the services hold the rules (period order, nothing after today)."""

from django import forms

from pupils.models import Pupil


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PupilChoice(forms.ModelChoiceField):
    def label_from_instance(self, pupil):
        group = f", {pupil.class_group.name}" if pupil.class_group_id else ""
        return f"{pupil.legal_last_name}, {pupil.preferred_name or pupil.legal_first_name}{group}"


class PackForm(forms.Form):
    pupil = PupilChoice(queryset=Pupil.objects.none(), empty_label="Choose a pupil")
    period_start = forms.DateField(label="From", widget=date_input(), required=False,
                                   help_text="Empty: since the pupil's last annual review, else the last 12 months.")
    period_end = forms.DateField(label="To", widget=date_input(), required=False, help_text="Empty: today.")

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_start", "The start of the period must be on or before its end.")
        return data


class BatchForm(forms.Form):
    due_by = forms.DateField(label="Reviews due by", widget=date_input(),
                             help_text="Every pupil with a review overdue, booked or due by this date gets a pack.")
