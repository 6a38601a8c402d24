from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = "Set SECRET_KEY in the environment."


def require_secret_key() -> None:
    """Called where the app starts serving: a throwaway key would log everyone out on restart."""
    if settings.SECRET_KEY_MISSING:
        raise ImproperlyConfigured(MISSING_KEY)


@register(Tags.security, deploy=True)
def secret_key_set(app_configs, **kwargs):
    return [Error(MISSING_KEY, id="sendsupport.E001")] if settings.SECRET_KEY_MISSING else []
