from django.apps import AppConfig


class PersonalCareConfig(AppConfig):
    """Intimate and personal care plans and logs: read only by staff named on the plan, the SENCo
    and the DSL team, so they live apart from the medication records."""

    name = "personalcare"
    # Who sees its rows (intimate care) in a pupil's history and "who viewed" list.
    history_ability = "read_all_personal_care"
    verbose_name = "Intimate and personal care"

    def ready(self):
        from sendsupport.sections import register_pack_section

        from . import pack, panels

        panels.register()  # pupil page panel; home: care naming you, plan reviews due (SENCo)
        register_pack_section("personal_care", "Personal care", 65, pack.pack_section)
