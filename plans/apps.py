from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    # Who sees its rows (plans and progress evidence) in a pupil's history and "who viewed" list.
    history_ability = "read_plans"

    def ready(self):
        from sendsupport import panels
        from sendsupport.sections import register_pack_section

        from . import pack
        from .panels_behaviour import behaviour_plans_panel
        from .panels_evidence import progress_panel
        from .panels_plans import plan_panel
        from .panels_reviews import pupil_review_panel, reviews_due_panel
        from .panels_step_in import step_in_button

        panels.register("home", reviews_due_panel)  # SENCo: reviews due and overdue
        panels.register("pupil", step_in_button)
        panels.register("pupil", plan_panel)
        panels.register("pupil", progress_panel)
        panels.register("pupil", behaviour_plans_panel)
        panels.register("pupil", pupil_review_panel)
        register_pack_section("outcomes", "EHCP outcomes and progress", 20, pack.outcomes_section)
        register_pack_section("plans", "Plans in force during the period", 70, pack.plans_section)
        register_pack_section("views", "The pupil's and parents' views", 80, pack.views_section)
