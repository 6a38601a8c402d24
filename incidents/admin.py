from django.contrib import admin

from accounts.admin import TrustAdminOnly

from .models import QuickPick


@admin.register(QuickPick)
class QuickPickAdmin(TrustAdminOnly):
    """A school's own quick-pick options for the incident log (configuration, not records)."""

    list_display = ["label", "kind", "school", "position", "is_active"]
    list_filter = ["school", "kind", "is_active"]
