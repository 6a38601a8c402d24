from sendsupport.panels import Panel

from .selectors import my_pupils


def my_pupils_panel(request):
    """A TA's or teacher's home page shows "my pupils" first."""
    staff = request.staff
    if staff.school is None:
        return None
    pupils = list(my_pupils(staff)[:60])
    if not pupils and not staff.has_role("ta", "teacher"):
        return None
    return Panel(template="pupils/_my_pupils_panel.html", context={"pupils": pupils}, order=10)
