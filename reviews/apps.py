from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """EHCP annual-review evidence packs (built by Celery workers with WeasyPrint) and the staff
    contributions asked for before a review."""

    name = "reviews"

    def ready(self):
        pass  # packs: panels and sections registered below by the pack and contributions modules
