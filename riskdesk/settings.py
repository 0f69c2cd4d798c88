"""Django settings for riskdesk, configured only through ``RISKDESK_*`` environment variables.

Secure by default: DEBUG is off, the secret key must be set, and HTTPS deployments get secure
cookies and HSTS. ``RISKDESK_DEMO=1`` (set by ``riskdesk demo``) relaxes only what a local demo
needs and makes the demo say so.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"RISKDESK_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEMO_MODE = env_bool("DEMO")
TESTING = env_bool("TESTING")
DEBUG = env_bool("DEBUG")
DATA_DIR = Path(env("DATA_DIR", str(Path.cwd())) or ".").resolve()

_DEV_SECRET = "riskdesk-insecure-demo-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY") or (_DEV_SECRET if (DEMO_MODE or DEBUG or TESTING) else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "请设置 RISKDESK_SECRET_KEY 环境变量 / Set the RISKDESK_SECRET_KEY environment variable "
        "(or run the demo with `make demo`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEMO_MODE or DEBUG) else "")
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "riskdesk.accounts",
    "riskdesk.audit",
    "riskdesk.jobs",
    "riskdesk.customers",
    "riskdesk.intel",
    "riskdesk.policies",
    "riskdesk.assessments",
    "riskdesk.credit",
    "riskdesk.monitoring",
    "riskdesk.onboarding",
    "riskdesk.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "riskdesk.web.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "riskdesk.urls"
WSGI_APPLICATION = "riskdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "riskdesk.web.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'riskdesk.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tasks and cache ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
HUEY_SQLITE_PATH = str(DATA_DIR / "riskdesk-tasks.sqlite3")
TASKS_IMMEDIATE = env_bool("TASKS_IMMEDIATE", TESTING)
TASKS = {"default": {"BACKEND": "riskdesk.jobs.backend.HueyTaskBackend"}}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5") or 5)
LOGIN_FAILURE_WINDOW_MINUTES = int(env("LOGIN_FAILURE_WINDOW_MINUTES", "15") or 15)
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Security -------------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", not (DEMO_MODE or DEBUG or TESTING))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)) or 0)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE", "zh-hans") or "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
USE_I18N = True
FORMAT_MODULE_PATH = ["riskdesk.formats"]
USE_TZ = True
DEFAULT_CURRENCY = "CNY"

# --- Policies -------------------------------------------------------------------------------
# Four-eyes: a policy version may not be published by its own author.
POLICY_FOUR_EYES = env_bool("POLICY_FOUR_EYES")

# --- Notifications (monitoring digests) -------------------------------------------------------
# Absolute address of this site, for links in e-mails and chat messages.
PUBLIC_URL = (env("PUBLIC_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# E-mail goes out only when an SMTP host is configured; otherwise digests stay in-app.
_EMAIL_HOST = env("EMAIL_HOST", "") or ""
EMAIL_DELIVERY_ENABLED = bool(_EMAIL_HOST)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _EMAIL_HOST or "localhost",
            "port": int(env("EMAIL_PORT", "25") or 25),
            "username": env("EMAIL_USER", "") or "",
            "password": env("EMAIL_PASSWORD", "") or "",
            "use_tls": env_bool("EMAIL_USE_TLS"),
            "use_ssl": env_bool("EMAIL_USE_SSL"),
            "timeout": int(env("EMAIL_TIMEOUT", "20") or 20),
        },
    }
}
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "riskdesk <riskdesk@localhost>") or ""
# Webhooks: HTTPS to public addresses only, unless an administrator allows more.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP")
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE")
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10") or 10)
# A sender that claimed a delivery and died is replaced after this lease (> the send timeouts).
DELIVERY_LEASE_SECONDS = int(env("DELIVERY_LEASE_SECONDS", "120") or 120)
# Internal monitoring events: a score drop of at least this many points, limits expiring within
# this many days, exposure at or above this percentage of the limit.
ALERT_SCORE_DROP = float(env("SCORE_DROP_ALERT", "10") or 10)
ALERT_LIMIT_EXPIRY_DAYS = int(env("LIMIT_EXPIRY_DAYS", "30") or 30)
ALERT_UTILISATION_PCT = float(env("UTILISATION_ALERT", "90") or 90)
# Only for the crash tests: a pause after each digest built and each delivery claimed.
DELIVERY_TEST_PAUSE_SECONDS = float(env("DELIVERY_TEST_PAUSE", "0") or 0) if TESTING else 0.0

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (TESTING or DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
WHITENOISE_AUTOREFRESH = TESTING or DEBUG

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "riskdesk.web.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "riskdesk API",
    "DESCRIPTION": "客户信用风险管理 / Customer credit-risk management",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO") or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"riskdesk": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}
