"""SEND Support settings: one module, read from the environment.

Production is the default. ``SENDSUPPORT_DEMO=1`` (set by scripts/start.py) turns on the demo
conveniences: plain http on localhost and demo logins without an authenticator app. A demo
configuration refuses to start on any host other than localhost, so it cannot reach production.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEMO = env.bool("SENDSUPPORT_DEMO", False)
DEBUG = env.bool("DJANGO_DEBUG", False)
TESTING = env.bool("SENDSUPPORT_TESTING", False)

SECRET_KEY = env("SECRET_KEY", default="")
# Without a key, management commands that need none (makemigrations, migrate) still run on a
# throwaway key; serving (wsgi.py, the Celery worker) and `check --deploy` refuse to start.
SECRET_KEY_MISSING = not SECRET_KEY and not (DEMO or TESTING)
if not SECRET_KEY:
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = "insecure-demo-key-only-for-localhost" if (DEMO or TESTING) else get_random_secret_key()

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=LOCAL_HOSTS if (DEMO or TESTING) else [])
if DEMO and set(ALLOWED_HOSTS) - set(LOCAL_HOSTS):
    raise ImproperlyConfigured("SENDSUPPORT_DEMO is for localhost only; unset it in production.")

# The demo's printed logins work without an authenticator app. Refused outside demo mode.
DEMO_SKIP_MFA = env.bool("SENDSUPPORT_DEMO_SKIP_MFA", DEMO)
if DEMO_SKIP_MFA and not DEMO:
    raise ImproperlyConfigured("SENDSUPPORT_DEMO_SKIP_MFA is only allowed with SENDSUPPORT_DEMO=1.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "health_check",
    "sendsupport",
    "accounts",
    "pupils",
    "plans",
    "incidents",
    "restrictive",
    "safeguarding",
    "interventions",
    "care",
    "personalcare",
    "dashboards",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sendsupport.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffContextMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "sendsupport.middleware.HistoryContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sendsupport.urls"
WSGI_APPLICATION = "sendsupport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.staff_context",
            ],
        },
    },
]

# Migrations run as the database owner; the running app connects as a role that cannot
# update, delete or truncate history rows (see docs/setup.md and `manage.py setup_app_role`).
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/sendsupport"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", 60)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
APP_DB_ROLE = env("SENDSUPPORT_APP_DB_ROLE", default="sendsupport_app")

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Per database: two copies served from one Redis (demo databases on one machine) never read
        # each other's cached quick picks or rate-limit counters.
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=f"sendsupport.{DATABASES['default']['NAME']}"),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
)

# allauth: email login, no public sign-up (staff are invited by a school admin).
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SEND Support"

# Login throttling with a database record of every failure (evidence, and admin reset).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "accounts.adapters.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Shared classroom tablets: a session ends after a short idle time.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", 20 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # sendsupport.middleware.IdleSessionMiddleware refreshes it instead
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE = not (DEMO or TESTING or DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env.bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where the site is reached (scheme and host, no trailing slash): links in emails, sent from Celery
# with no request to take the host from. Defaults to the first trusted origin.
SITE_URL = env("SITE_URL", default=(CSRF_TRUSTED_ORIGINS or ["http://127.0.0.1:8000"])[0]).rstrip("/")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
VAR_DIR = env.path("SENDSUPPORT_VAR_DIR", default=BASE_DIR / "var")
STATIC_ROOT = env.path("STATIC_ROOT", default=Path(VAR_DIR) / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=Path(VAR_DIR) / "media")
MEDIA_URL = "/media-not-served/"  # private files are served only through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (TESTING or DEBUG)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PUPIL_PHOTO_MAX_BYTES = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if (DEMO or TESTING)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(Path(VAR_DIR) / "emails"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SEND Support <no-reply@sendsupport.invalid>")

# Celery: a killed worker's job comes back (acks_late + reject_on_worker_lost), and Redis
# redelivers only after the visibility timeout, which must outlast the longest job.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)  # kombu spells unix sockets differently
CELERY_RESULT_BACKEND = None
# Tests' real workers take their own queue, so what they queue (a pack's "ready" email) never waits
# in the shared default queue for another run's worker.
# Per database too: a worker never runs a task queued for another database on the same Redis (a
# pack id there is another pupil's); a stopped deployment's queued tasks wait for its own worker.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default=f"sendsupport.{DATABASES['default']['NAME']}")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "sendsupport.tasks.clear_expired_sessions_task", "schedule": 60 * 60},
    # Medication: scheduled doses not recorded by the end of their window; low stock and expiry.
    "care-missed-doses": {"task": "care.tasks.flag_missed_doses_task", "schedule": 15 * 60},
    "care-stock-and-expiry": {"task": "care.tasks.stock_and_expiry_reminder_task",
                              "schedule": crontab(hour=7, minute=30)},
    # Dashboards: pattern alerts nightly, the SENCo's digest on Monday morning.
    "dashboards-pattern-alerts": {"task": "dashboards.tasks.compute_pattern_alerts_task",
                                  "schedule": crontab(hour=5, minute=0)},
    "dashboards-weekly-digest": {"task": "dashboards.tasks.weekly_digest_task",
                                 "schedule": crontab(hour=7, minute=0, day_of_week="mon")},
    # Evidence packs: requeue or fail a job whose worker died (its lease ran out).
    "reviews-sweep-pack-jobs": {"task": "reviews.tasks.sweep_pack_jobs_task", "schedule": 60},
}

PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every page of every layout pass at INFO: a pack would flood the worker's log.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Every tracked table keeps inserts, updates and deletes (who, when, before and after).
import pghistory  # noqa: E402

PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())

# A school's staff share one public IP address (NAT): locking by IP would lock out the whole
# school after one person's typos. Lock by account; allauth also rate-limits per IP.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_VERBOSE = False
