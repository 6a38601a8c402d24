from django import forms
from django.conf import settings
from django.forms import inlineformset_factory

from accounts.models import User

from .models import ClassGroup, Communication, Contact, Pupil
from .upn import normalise_upn

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


class PupilFilterForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False)
    class_group = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), required=False, label="Class")
    year_group = forms.TypedChoiceField(
        choices=[("", "Any year")] + [(str(v), l) for v, l in Pupil._meta.get_field("year_group").choices],
        coerce=int, required=False, empty_value=None, label="Year",
    )
    need = forms.ChoiceField(choices=[("", "Any need")] + list(Pupil._meta.get_field("primary_need").choices),
                             required=False)
    sen_status = forms.ChoiceField(
        choices=[("", "Any SEN status")] + list(Pupil._meta.get_field("sen_status").choices), required=False,
        label="SEN status",
    )
    archived = forms.BooleanField(required=False, label="Show archived pupils")

    SEN_FIELDS = ("need", "sen_status")

    def __init__(self, *args, school=None, sen_detail=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not sen_detail:  # school admins manage pupils but don't read SEN detail, so can't sort by it either
            for name in self.SEN_FIELDS:
                del self.fields[name]
        self.fields["class_group"].queryset = ClassGroup.objects.filter(school=school)
        self.fields["class_group"].empty_label = "Any class"
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs.update({"class": "form-control", "type": "search", "autocomplete": "off"})


class PupilForm(forms.ModelForm):
    """The profile form; shows only the fields the person may edit."""

    communication = forms.MultipleChoiceField(
        choices=Communication.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Pupil
        fields = [
            "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "upn", "year_group",
            "class_group", "sen_status", "primary_need", "secondary_need", "diagnoses", "communication",
            "communication_notes", "sensory_profile", "known_triggers", "early_warning_signs", "what_helps",
            "strengths_interests", "likes", "dislikes", "medical_alerts", "allergies", "key_adults", "photo", "photo_consent",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in [
                    "diagnoses", "communication_notes", "sensory_profile", "known_triggers", "early_warning_signs",
                    "what_helps", "strengths_interests", "likes", "dislikes", "medical_alerts", "allergies",
                ]
            },
        }

    def __init__(self, *args, school, allowed_fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school
        for name in list(self.fields):
            if name not in allowed_fields and name != "photo":
                del self.fields[name]
        if "photo_consent" not in allowed_fields:
            self.fields.pop("photo", None)
        if "class_group" in self.fields:
            self.fields["class_group"].queryset = ClassGroup.objects.filter(school=school)
        if "key_adults" in self.fields:
            self.fields["key_adults"].queryset = User.objects.filter(
                memberships__school=school, memberships__is_active=True
            ).order_by("full_name")

    def clean_upn(self):
        upn = normalise_upn(self.cleaned_data["upn"])
        clash = Pupil.objects.filter(school=self.school, upn__iexact=upn).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another pupil at this school already has this UPN.")
        return upn

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "content_type"):
            if photo.content_type not in PHOTO_TYPES:
                raise forms.ValidationError("Upload a JPEG, PNG or WebP photo.")
            if photo.size > settings.PUPIL_PHOTO_MAX_BYTES:
                raise forms.ValidationError("The photo is too large: the limit is 5 MB.")
        return photo

    def clean(self):
        data = super().clean()
        if data.get("primary_need") == "NSA" and data.get("sen_status") != "K":
            self.add_error("primary_need", "NSA can only be used with SEN support (K).")
        if data.get("photo") and not data.get("photo_consent", self.instance.photo_consent):
            self.add_error("photo_consent", "Record photo consent before adding a photo.")
        return data


ContactFormSet = inlineformset_factory(
    Pupil,
    Contact,
    fields=["name", "relationship", "parental_responsibility", "phone", "phone_alt", "email",
            "preferred_contact", "lives_with_pupil", "priority"],
    extra=1,
    can_delete=False,  # contacts are edited, never silently removed
)
