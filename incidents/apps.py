from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    # Who sees its rows (incidents) in a pupil's history and "who viewed" list.
    history_ability = "read_incidents"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from sendsupport import panels
        from sendsupport.sections import register_pack_section

        from . import pack
        from .models import QuickPick
        from .panels import home_panel, pupil_behaviour_panel
        from .selectors import forget_quick_picks

        def picks_changed(sender, instance, **kwargs):
            forget_quick_picks(instance.school_id)

        post_save.connect(picks_changed, sender=QuickPick, weak=False, dispatch_uid="incidents.quick_picks")
        post_delete.connect(picks_changed, sender=QuickPick, weak=False, dispatch_uid="incidents.quick_picks")

        panels.register("home", home_panel)  # log button, unfinished reports, incidents to review
        panels.register("pupil", pupil_behaviour_panel)
        register_pack_section("behaviour", "Behaviour summary", 30, pack.behaviour_section)
        register_pack_section("incident_appendix", "Appendix: every incident in the period", 95,
                              pack.appendix_section)
