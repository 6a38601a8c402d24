from django.conf import settings


def staff_context(request):
    context = {"staff": getattr(request, "staff", None), "DEMO": settings.DEMO}
    if settings.DEMO:
        from .factories import DEMO_PASSWORD

        context["DEMO_PASSWORD"] = DEMO_PASSWORD
    return context
