"""Routes of the app; each part keeps its own list (catalogue and placements; sessions)."""

from .urls_placements import urlpatterns as placement_urls
from .urls_sessions import urlpatterns as session_urls

app_name = "interventions"

urlpatterns = [*placement_urls, *session_urls]
