from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # staff are invited by a school admin


def axes_username(request, credentials):
    """allauth posts the email as "login": record and lock out by that address."""
    if credentials:
        value = credentials.get("email") or credentials.get("login") or credentials.get("username")
    else:
        value = request.POST.get("login") if request is not None else None
    return (value or "").strip().lower()
