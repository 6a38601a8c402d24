from sendsupport.panels import Panel

from .access import Ability


def school_admin_panel(request):
    staff = request.staff
    if not (staff.can(Ability.MANAGE_STAFF) or staff.can(Ability.MANAGE_SCHOOL_SETUP)):
        return None
    return Panel(template="accounts/_admin_panel.html", context={}, order=50)
