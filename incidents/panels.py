def home_panel(request):
    return None


def pupil_behaviour_panel(request, pupil):
    return None
