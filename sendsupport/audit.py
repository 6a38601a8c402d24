"""Recording sensitive reads, and reading a record's history of changes."""

from sendsupport.models import AccessLog


def log_access(request, *, action: str, pupil=None, reason: str = "") -> None:
    """Record that the current user read something sensitive. Called by views, not templates,
    so a page that fails to render has still been logged as opened."""
    AccessLog.objects.create(
        user=request.user,
        school=getattr(request.staff, "school", None),
        pupil=pupil,
        action=action,
        path=request.get_full_path()[:300],
        ip_address=request.META.get("REMOTE_ADDR") or None,
        reason=reason,
    )
