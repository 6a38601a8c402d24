from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .access import NO_ACCESS, StaffContext
from .models import Membership

SCHOOL_SESSION_KEY = "school_id"
MFA_SESSION_KEY = "mfa_enrolled"


def staff_context_for(user, school_id=None) -> StaffContext:
    """The person's active membership in the chosen school (or their first school)."""
    if not user.is_authenticated:
        return NO_ACCESS
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("school").order_by("school__name")
    )
    if not memberships:
        return StaffContext(user=user, school=None)
    chosen = next((m for m in memberships if m.school_id == school_id), memberships[0])
    return StaffContext(user=user, school=chosen.school, membership=chosen, roles=frozenset(chosen.roles))


class StaffContextMiddleware:
    """Sets ``request.staff``: one school's view of the world for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        school_id = request.session.get(SCHOOL_SESSION_KEY) if hasattr(request, "session") else None
        request.staff = staff_context_for(request.user, school_id)
        return self.get_response(request)


class RequireMFAMiddleware:
    """Roles holding sensitive access (and everyone, where the school says so) must enrol TOTP."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        staff = getattr(request, "staff", NO_ACCESS)
        if (
            staff.school
            and staff.needs_mfa
            and not settings.DEMO_SKIP_MFA
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not self._enrolled(request)
        ):
            return redirect(reverse("mfa_activate_totp") + "?required=1")
        return self.get_response(request)

    @staticmethod
    def _enrolled(request) -> bool:
        if request.session.get(MFA_SESSION_KEY):
            return True
        from allauth.mfa.models import Authenticator

        enrolled = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        if enrolled:
            request.session[MFA_SESSION_KEY] = True
        return enrolled
