from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """EHCP annual-review evidence packs (built by Celery workers with WeasyPrint) and the staff
    contributions asked for before a review."""

    name = "reviews"
    # Who sees its rows (evidence packs) in a pupil's history and "who viewed" list.
    history_ability = "make_packs"

    def ready(self):
        from sendsupport.sections import register_pack_section

        from . import panels_contributions, sections_contributions

        panels_contributions.register()  # home: contributions asked of you; pupil: ask / DSL summary links
        register_pack_section("contributions", "Staff contributions", 82, sections_contributions.contributions_section)
        register_pack_section("safeguarding_summary", "Safeguarding summary (from the DSL)", 85,
                              sections_contributions.safeguarding_summary_section)
        from sendsupport import panels

        from .panels_packs import pupil_packs_panel

        panels.register("pupil", pupil_packs_panel)  # the pupil's evidence packs and "make a pack"
