from functools import wraps

from django.core.exceptions import PermissionDenied


def school_required(view):
    """A signed-in person with no active school membership is refused (403), not redirected:
    a redirect to login would bounce straight back (DECISIONS.md)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.staff.school is None:
            raise PermissionDenied("You have no active role at any school.")
        return view(request, *args, **kwargs)

    return wrapper
