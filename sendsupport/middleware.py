from pghistory.middleware import HistoryMiddleware


class HistoryContextMiddleware(HistoryMiddleware):
    """Every history row written during a request names the user, the URL and the school."""

    def get_context(self, request):
        context = super().get_context(request)
        staff = getattr(request, "staff", None)
        if staff is not None and staff.school is not None:
            context["school"] = staff.school.pk
        return context
