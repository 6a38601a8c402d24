"""Django admin is for trust admins (superusers) and configuration only: schools, locations,
periods, terms, training. Pupil records are not edited here (DECISIONS.md)."""

from django.contrib import admin

from .models import Location, Membership, Period, School, Term, TrainingRecord, User


class TrustAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is deleted in the app


@admin.register(School)
class SchoolAdmin(TrustAdminOnly):
    list_display = ["name", "urn", "local_authority", "require_2fa_for_all"]


@admin.register(Membership)
class MembershipAdmin(TrustAdminOnly):
    list_display = ["user", "school", "roles", "is_active"]
    list_filter = ["school", "is_active"]


@admin.register(User)
class UserAdmin(TrustAdminOnly):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "is_active", "is_staff", "is_superuser"]


for model in (Term, Period, Location, TrainingRecord):
    admin.site.register(model, TrustAdminOnly)
