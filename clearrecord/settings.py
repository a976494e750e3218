"""ClearRecord settings: one module, driven by environment variables (see .env.example).

It fails closed. `CLEARRECORD_ENV` is `production` unless said otherwise, and production refuses to
start with DEBUG on, a missing or placeholder secret key, no ALLOWED_HOSTS or no DATABASE_URL.
`development` and `test` are set by `dev.py` (the README's run and test commands) and by pytest.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("production", "development", "test")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


CLEARRECORD_ENV = env_str("CLEARRECORD_ENV", "production")
if CLEARRECORD_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(f"CLEARRECORD_ENV must be one of {', '.join(ENVIRONMENTS)}")
PRODUCTION = CLEARRECORD_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", CLEARRECORD_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when CLEARRECORD_ENV is production")

# Values that appear in examples and tutorials; a key that starts with one of them is a placeholder.
PLACEHOLDER_KEY_PREFIXES = ("django-insecure", "change-me", "changeme", "secret", "dev-only")
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if PRODUCTION:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production"
        )
    if SECRET_KEY.lower().startswith(PLACEHOLDER_KEY_PREFIXES):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is a placeholder; generate a random one")
elif not SECRET_KEY:
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production-" + CLEARRECORD_ENV

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names in production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set in production")
    DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clearrecord"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (no CDN; CSP)
    "clearrecord.accounts",
    "clearrecord.audit",
    "clearrecord.system",
    "clearrecord.intake",
    "clearrecord.cases",
    "clearrecord.review",
    "clearrecord.exports",
    "clearrecord.api",
    "clearrecord.retention",
    "clearrecord.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "clearrecord.system.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # 30 minutes idle, 12 hours in all (accounts/session_limits.py); before the sign-in gates.
    "clearrecord.accounts.middleware.SessionLimitMiddleware",
    # Every view requires a signed-in user unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # ... and a verified second factor unless it is marked @otp_exempt (accounts/twofactor.py).
    "clearrecord.accounts.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes turns a locked account's sign-in into the "account locked" page; it must come last.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the app server in production (collectstatic); runserver serves them in dev.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "clearrecord.urls"
WSGI_APPLICATION = "clearrecord.wsgi.application"

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
                "clearrecord.accounts.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if CLEARRECORD_ENV == "test":
    # Tests create many users; the production hasher is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CLEARRECORD_TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Where uploads, exports and embedded servers keep their files: never under a served directory.
VAR_DIR = Path(env_str("CLEARRECORD_VAR_DIR", str(BASE_DIR / ".var")))

# Sessions and cookies. Secure flags follow production; HTTPS is terminated in front of the app.
SESSION_COOKIE_AGE = 12 * 60 * 60
CLEARRECORD_SESSION_IDLE_SECONDS = 30 * 60
CLEARRECORD_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
#: Accounts nobody used for this many days are disabled every night (accounts.disable_dormant).
# Sign-in attempts per client address and window (all usernames together): see signin_limits.py.
CLEARRECORD_SIGNIN_ATTEMPTS_PER_ADDRESS = env_int("CLEARRECORD_SIGNIN_ATTEMPTS_PER_ADDRESS", 30)
CLEARRECORD_SIGNIN_WINDOW_SECONDS = env_int("CLEARRECORD_SIGNIN_WINDOW_SECONDS", 300)
DORMANT_ACCOUNT_DAYS = env_int("CLEARRECORD_DORMANT_ACCOUNT_DAYS", 90)
if DORMANT_ACCOUNT_DAYS < 1:
    raise ImproperlyConfigured("CLEARRECORD_DORMANT_ACCOUNT_DAYS must be a positive number of days")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): our own origin only, no inline script or style (JavaScript
# lives in static files), no plugins, never framed. The QR code is inline SVG markup, not an image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted (audit IP).
CLEARRECORD_TRUSTED_PROXIES = env_int("CLEARRECORD_TRUSTED_PROXIES", 0)

# Two-factor authentication (clearrecord/accounts/twofactor.py): TOTP for every account.
OTP_TOTP_ISSUER = "ClearRecord"

# Lockout (clearrecord/accounts/lockout.py): 5 failed sign-ins within 15 minutes lock the account
# by username until a DA supervisor of its county or an administrator releases it (no cool-off).
AXES_FAILURE_LIMIT = 5
CLEARRECORD_LOCKOUT_WINDOW_MINUTES = 15
AXES_COOLOFF_TIME = None
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "clearrecord.accounts.lockout.WindowedLockoutHandler"
AXES_LOCKOUT_CALLABLE = "clearrecord.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "clearrecord.audit.services.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the window is counted from this log
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log already
AXES_RESET_ON_SUCCESS = False  # "5 failures in 15 minutes", whatever succeeds in between
AXES_ENABLE_ADMIN = False  # released on the Locked accounts page, which is audited
AXES_VERBOSE = False
# axes.W006 asks for ip_address among the lockout parameters. Locking by username alone is the
# requirement (an attacker rotating addresses must not escape it; a shared county NAT must not lock
# out every colleague); rotating user agents or cookies changes nothing for a username lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Celery. The database holds job state; the broker only carries ids.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that has read a large upload keeps much of that memory (the allocators hold
# freed pages), so the next upload would start from there: replace a child whose resident memory
# is above this many KiB after its task. Small tasks never reach it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CLEARRECORD_WORKER_MAX_MEMORY_KIB", 600_000)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "disable-dormant-accounts": {
        "task": "accounts.disable_dormant",
        "schedule": crontab(hour=2, minute=30),  # nightly, in TIME_ZONE
    },
    # A job whose worker died (lease expired) is claimed again; see clearrecord/intake/services.py.
    "intake-resume-stalled": {"task": "intake.resume_stalled", "schedule": 30.0},
    "reports-resume-stalled-whatifs": {"task": "reports.resume_stalled_whatifs", "schedule": 30.0},
    "intake-delete-expired-files": {"task": "intake.delete_expired_files", "schedule": 3600.0},
    # Whole evaluations past CLEARRECORD_EVALUATION_RETENTION_DAYS (0: off); clearrecord/retention.
    "retention-purge-expired": {
        "task": "retention.purge_expired",
        "schedule": crontab(hour=3, minute=15),
    },
}
CELERY_TIMEZONE = TIME_ZONE

# Ingest (issue #4). Uploads are streamed to VAR_DIR/uploads/incoming, then moved under
# VAR_DIR/uploads/<id>/; neither is ever served.
CLEARRECORD_UPLOAD_MAX_BYTES = env_int("CLEARRECORD_UPLOAD_MAX_BYTES", 2 * 1024**3)
CLEARRECORD_UPLOAD_RETENTION_DAYS = env_int("CLEARRECORD_UPLOAD_RETENTION_DAYS", 30)
# Days after its newest evaluation that a finished upload's personal records are purged,
# keeping its statistics (issue #7); 0 (the default) keeps them until purged by hand.
CLEARRECORD_EVALUATION_RETENTION_DAYS = env_int("CLEARRECORD_EVALUATION_RETENTION_DAYS", 0)
CLEARRECORD_INGEST_LEASE_SECONDS = env_int("CLEARRECORD_INGEST_LEASE_SECONDS", 120)
CLEARRECORD_INGEST_MAX_ATTEMPTS = env_int("CLEARRECORD_INGEST_MAX_ATTEMPTS", 5)
FILE_UPLOAD_HANDLERS = ["clearrecord.intake.uploads.HashingUploadHandler"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clearrecord.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Domain errors (review/errors.py) become 400 / 403 / 409 here, once.
    "EXCEPTION_HANDLER": "clearrecord.review.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("CLEARRECORD_API_ANON_RATE", "30/minute"),
        "user": env_str("CLEARRECORD_API_USER_RATE", "600/minute"),
        # Wrong API tokens per client address (clearrecord/api/authentication.py).
        "token_failure": env_str("CLEARRECORD_API_TOKEN_FAILURE_RATE", "10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ClearRecord API",
    "DESCRIPTION": "Prop 64 conviction relief: the shared review queue. Every state change is a "
    "POST to an action URL carrying the version seen; a stale version is HTTP 409.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name per choice set shared by several fields (court exports API).
    "ENUM_NAME_OVERRIDES": {
        "BatchStatusEnum": "clearrecord.exports.models.BatchStatus",
        "OrderOutcomeEnum": "clearrecord.exports.models.OrderOutcome",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clearrecord.api.schema.add_error_responses",  # 400/401/403/404/409/429 everywhere
    ],
}
# Throttle counters must be shared by every web process: Redis in production and development.
CACHE_URL = env_str("CLEARRECORD_CACHE_URL", CELERY_BROKER_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if CLEARRECORD_ENV == "test"  # each test starts from an empty cache (tests/conftest.py)
        else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    )
}

# Logs carry event names, ids and counts only: never request bodies or record contents.
LOG_LEVEL = env_str("CLEARRECORD_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's request logger would add the request object to error records; keep the line only.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
ADMINS: list[tuple[str, str]] = []  # no error e-mails: they would carry request data
