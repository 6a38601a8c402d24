from .access import Ability


def staff_context(request):
    staff = getattr(request, "staff", None)
    return {"staff": staff, "Ability": Ability}
