from django.apps import AppConfig


class CareConfig(AppConfig):
    """Medication: individual healthcare plans, medicines with parental consent, administration
    records (scheduled, PRN, controlled drugs), stock and expiry."""

    name = "care"
    # Who sees its rows (medicines, doses and healthcare plans) in a pupil's history and "who viewed" list.
    history_ability = "read_medication"
    verbose_name = "Medication and healthcare plans"

    def ready(self):
        from sendsupport.sections import register_pack_section

        from . import pack, panels

        panels.register()  # home: doses due now, witness needed; pupil page: medicines and plan
        register_pack_section("medication", "Medication and healthcare", 60, pack.pack_section)
