from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import panels


@login_required
def home(request):
    return render(request, "home.html", {"panels": panels.panels_for("home", request)})


@login_required
@require_POST
def notification_open(request, notification_id):
    """Mark a notification read and go where it points (only one's own notifications)."""
    from django.shortcuts import get_object_or_404, redirect
    from django.utils import timezone

    from .models import Notification

    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    return redirect(note.url or "home")


def health(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
