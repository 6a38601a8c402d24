import time

from django.conf import settings
from pghistory.middleware import HistoryMiddleware


class HistoryContextMiddleware(HistoryMiddleware):
    """Every history row written during a request names the user, the URL and the school."""

    def get_context(self, request):
        context = super().get_context(request)
        staff = getattr(request, "staff", None)
        if staff is not None and staff.school is not None:
            context["school"] = staff.school.pk
        return context


class IdleSessionMiddleware:
    """A signed-in session ends after SESSION_COOKIE_AGE without use (shared classroom tablets).
    Using it moves that end on, but at most once every SESSION_REFRESH_SECONDS: saving the session
    on every request was a database write (and transaction) on every page and every quick log.
    The idle limit is therefore between AGE - REFRESH and AGE. Sits after the authentication
    middleware, so its response half runs before the session middleware saves."""

    KEY = "_last_refresh"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session, user = getattr(request, "session", None), getattr(request, "user", None)
        if session is not None and session.session_key and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks it modified: saved with a new expiry
        return response
