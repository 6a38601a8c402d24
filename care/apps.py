from django.apps import AppConfig


class CareConfig(AppConfig):
    """Medication: individual healthcare plans, medicines with parental consent, administration
    records (scheduled, PRN, controlled drugs), stock and expiry."""

    name = "care"
    verbose_name = "Medication and healthcare plans"
