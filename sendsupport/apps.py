from django.apps import AppConfig


class SendSupportConfig(AppConfig):
    name = "sendsupport"
    verbose_name = "SEND Support core"

    def ready(self):
        from . import checks  # noqa: F401 (registers the deploy check)
        from . import panels

        panels.register("home", notifications_panel)


def notifications_panel(request):
    from .panels import Panel
    from .models import Notification

    staff = request.staff
    if staff.school is None:
        return None
    unread = list(Notification.objects.filter(user=staff.user, school=staff.school, read_at=None)[:10])
    if not unread:
        return None
    return Panel(template="sendsupport/_notifications_panel.html", context={"notifications": unread}, order=5)
