"""Django settings. Everything that differs between installs comes from the environment.

YUNYING_DATA_DIR   where the embedded database, the queue and the generated secret live (default ./var)
DATABASE_URL       PostgreSQL (or any dj-database-url URL); SQLite in the data directory when unset
YUNYING_DB_CONN_MAX_AGE seconds a PostgreSQL connection is kept between requests (default 60)
YUNYING_DB_HEALTH_CHECKS 1 to check a kept connection (`SELECT 1`) before each request uses it (default off)
YUNYING_DB_SERVER_BINDING 0 to bind statement parameters in the client, without prepared statements (default 1)
REDIS_URL          Redis for the job queue and the cache; SQLite queue in the data directory when unset
YUNYING_DEBUG      1 to run in debug mode
YUNYING_SECRET_KEY overrides the generated secret key
YUNYING_ALLOWED_HOSTS comma-separated host names (default: localhost names)
YUNYING_TIME_ZONE  default store time zone (default Asia/Shanghai)
YUNYING_BUSINESS_DAY_CUTOFF when a trading day turns over (default 04:00): sales before it count for the day before
YUNYING_WEEK_START the day sales weeks start on, 1 = Monday … 7 = Sunday (default 1)
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("YUNYING_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    configured = os.environ.get("YUNYING_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("YUNYING_DEBUG")
TESTING = _env_flag("YUNYING_TESTING") or "pytest" in sys.modules
ALLOWED_HOSTS = os.environ.get("YUNYING_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("YUNYING_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "ninja",  # the API docs' own static files (Swagger UI), no CDN
    "huey.contrib.djhuey",
    "yunying.core",
    "yunying.accounts",
    "yunying.org",
    "yunying.forms",
    "yunying.workflow",
    "yunying.notifications",
    "yunying.analytics",
    "yunying.inspections",
    "yunying.assets",
    "yunying.storeday",
    "yunying.purchasing",
    "yunying.approvals",
    "yunying.duties",
    "yunying.servicedesk",
    "yunying.web",
    "yunying.seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yunying.web.middleware.SecurityHeadersMiddleware",
    "yunying.web.middleware.StaticFilesMiddleware",  # WhiteNoise, a year's cache for hashed files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "yunying.web.middleware.RequestLimitMiddleware",  # before CSRF: it reads request.POST
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yunying.web.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "yunying.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "yunying.urls"
WSGI_APPLICATION = "yunying.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yunying.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite (WAL) in the data directory, PostgreSQL when DATABASE_URL is set.
if os.environ.get("DATABASE_URL"):
    # Persistent connections (each gunicorn thread keeps its own for a minute: no connect per request).
    # No health check by default: it costs a `SELECT 1` before each request's first statement; without it a
    # connection the server dropped fails one request and is replaced (YUNYING_DB_HEALTH_CHECKS=1 to check).
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("YUNYING_DB_CONN_MAX_AGE", "60")),
            conn_health_checks=os.environ.get("YUNYING_DB_HEALTH_CHECKS", "") in ("1", "true", "yes"),
        )
    }
    # The tests' database is named after the configured one (test_<name>), so runs against different
    # databases never drop each other's.
    # Parameters travel apart from the statement and psycopg prepares a statement the connection runs often
    # (parsed and planned once): less work in Python and in PostgreSQL per statement. A pooler in transaction
    # mode without prepared statements (PgBouncer before 1.21) needs YUNYING_DB_SERVER_BINDING=0.
    if os.environ.get("YUNYING_DB_SERVER_BINDING", "1") not in ("0", "false", "no"):
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    _test_db = os.environ.get("YUNYING_TEST_DB_NAME") or f"test_{DATABASES['default']['NAME']}"
    DATABASES["default"]["TEST"] = {"NAME": _test_db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("YUNYING_SQLITE_PATH") or str(DATA_DIR / "yunying.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                ),
            },
            # A file, not memory: worker processes and the live server share it in tests.
            "TEST": {"NAME": str(DATA_DIR / "test_yunying.sqlite3")},
        }
    }
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "yunying.accounts.backends.ThrottledModelBackend",
    "yunying.accounts.backends.PositionPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 on purpose-made test users would dominate the suite's time; production keeps Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (accounts.services.login_lock): failures within the window lock, for the lock time,
# the (username, address) pair; the address across usernames; the username from addresses it never
# signed in from. YUNYING_TRUSTED_PROXIES: proxies in front that append X-Forwarded-For (0: none).
YUNYING_LOGIN_MAX_FAILURES = int(os.environ.get("YUNYING_LOGIN_MAX_FAILURES", "5"))
YUNYING_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("YUNYING_LOGIN_MAX_FAILURES_PER_IP", "20"))
YUNYING_LOGIN_MAX_FAILURES_PER_USERNAME = int(os.environ.get("YUNYING_LOGIN_MAX_FAILURES_PER_USERNAME", "50"))
YUNYING_TRUSTED_PROXIES = int(os.environ.get("YUNYING_TRUSTED_PROXIES", "1"))
YUNYING_LOGIN_WINDOW_SECONDS = 15 * 60
YUNYING_LOGIN_LOCK_SECONDS = 15 * 60

# Internationalisation: zh-Hans first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("YUNYING_TIME_ZONE", "Asia/Shanghai")
# When a trading day turns over: sales rung up before this time of day count for the day before.
YUNYING_BUSINESS_DAY_CUTOFF = os.environ.get("YUNYING_BUSINESS_DAY_CUTOFF", "04:00")
# The day sales weeks start on: 1 = Monday … 7 = Sunday (after a change: yunying rebuild_sales_aggregates).
YUNYING_WEEK_START = int(os.environ.get("YUNYING_WEEK_START", "1") or 1)
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Static files: built by esbuild into web/static/dist, served by WhiteNoise (no CDN). Once collected
# (`collectstatic`, run by `make assets` and by `yunying serve` at each start) they are served under
# hashed names, gzip-compressed, with a year's cache (yunying.web.middleware.StaticFilesMiddleware).
# Development (YUNYING_DEBUG), the tests and a tree not yet collected serve the built files as they are.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders; it warns when this is missing
STATICFILES_DIRS: list[Path] = []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "yunying.web.storage.HashedStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


def _env_mb(name: str, default: float) -> int:
    return int(float(os.environ.get(name, default)) * 1024 * 1024)


# Request limits (yunying.core.limits, yunying.web.uploads): checked before a body is read or parsed.
YUNYING_MAX_BODY_BYTES = _env_mb("YUNYING_MAX_BODY_MB", 2)  # any request without an upload policy
YUNYING_MAX_JSON_DEPTH = int(os.environ.get("YUNYING_MAX_JSON_DEPTH", "32"))
YUNYING_FORMLESS_DATA_MAX_BYTES = int(os.environ.get("YUNYING_FORMLESS_DATA_MAX_KB", "64")) * 1024
YUNYING_IMPORT_MAX_BYTES = _env_mb("YUNYING_IMPORT_MAX_MB", 10)  # org and target imports (xlsx/csv)
YUNYING_IMPORT_WRITE_SECONDS = float(
    os.environ.get("YUNYING_IMPORT_WRITE_SECONDS", "20")
)  # org import: its whole (chunked) write, past it all put back
YUNYING_SALES_IMPORT_MAX_BYTES = _env_mb("YUNYING_SALES_IMPORT_MAX_MB", 200)  # POS files, streamed to disk
YUNYING_DEPLOY_MAX_BYTES = _env_mb("YUNYING_DEPLOY_MAX_MB", 5)  # BPMN + DMN files of one deploy
YUNYING_UPLOAD_MAX_FILE_BYTES = _env_mb("YUNYING_UPLOAD_MAX_FILE_MB", 20)  # one form attachment
YUNYING_UPLOAD_MAX_REQUEST_BYTES = _env_mb("YUNYING_UPLOAD_MAX_REQUEST_MB", 100)  # one form post
YUNYING_UPLOAD_USER_QUOTA_BYTES = _env_mb("YUNYING_UPLOAD_USER_QUOTA_MB", 1024)  # all of one person's files
YUNYING_XLSX_MAX_UNCOMPRESSED_BYTES = _env_mb("YUNYING_XLSX_MAX_UNCOMPRESSED_MB", 100)
YUNYING_XLSX_MAX_RATIO = int(os.environ.get("YUNYING_XLSX_MAX_RATIO", "100"))
YUNYING_XLSX_MAX_MEMBERS = 1000
# Django's own backstop on a body read into memory (JSON, form fields); the policies above come first.
DATA_UPLOAD_MAX_MEMORY_SIZE = YUNYING_IMPORT_MAX_BYTES

# Cache: Redis when configured, else the database (shared by every process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis backend, its client built once per process (yunying.core.cache)
    CACHES = {"default": {"BACKEND": "yunying.core.cache.ReusedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs: Huey on SQLite in the data directory, or on Redis.
_huey_immediate = _env_flag("YUNYING_HUEY_IMMEDIATE", default=TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("YUNYING_QUEUE_NAME", "yunying"),
        "url": REDIS_URL,
        "immediate": _huey_immediate,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "yunying",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": _huey_immediate,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# Security. Cookies are `Secure` unless in debug mode: serve behind HTTPS (a proxy in front is the usual
# set-up, and it talks plain HTTP to gunicorn on the loopback — the cookies must stay Secure there).
# YUNYING_INSECURE_COOKIES=1 is for a trial on http://127.0.0.1 only (`yunying demo` sets it).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not (DEBUG or TESTING or _env_flag("YUNYING_INSECURE_COOKIES"))
# The header (and value) the proxy sets on HTTPS requests; empty to trust none (no proxy in front).
_proxy_header = os.environ.get("YUNYING_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# HSTS on HTTPS responses (never on plain HTTP); 0 turns it off.
SECURE_HSTS_SECONDS = int(os.environ.get("YUNYING_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("YUNYING_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_flag("YUNYING_HSTS_PRELOAD")
SECURE_SSL_REDIRECT = _env_flag("YUNYING_SSL_REDIRECT")
# Content-Security-Policy of every response (yunying.web.middleware.SecurityHeadersMiddleware): scripts
# only from our own bundles (no inline scripts or handlers, no eval: Alpine's CSP build parses its attribute
# expressions itself); inline styles for the charts and the diagram editor.
YUNYING_CSP = os.environ.get(
    "YUNYING_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
)

MESSAGE_TAGS = {40: "danger"}

# Bounds of every expression evaluation (conditions, timers, scripts, DMN cells, computed fields, rules):
# steps (node visits + element work), items of a built value nested included, length of one text or list,
# integer size in bits. Over them an expression fails with "表达式超出计算限制".
YUNYING_EXPRESSION_MAX_STEPS = int(os.environ.get("YUNYING_EXPRESSION_MAX_STEPS", "1000000"))
YUNYING_EXPRESSION_MAX_ELEMENTS = int(os.environ.get("YUNYING_EXPRESSION_MAX_ELEMENTS", "100000"))
YUNYING_EXPRESSION_MAX_LENGTH = int(os.environ.get("YUNYING_EXPRESSION_MAX_LENGTH", "10000"))
YUNYING_EXPRESSION_MAX_INT_BITS = int(os.environ.get("YUNYING_EXPRESSION_MAX_INT_BITS", "4096"))
# Form field patterns (regular expressions) run on RE2 against at most this many characters.
YUNYING_FORM_PATTERN_MAX_INPUT = int(os.environ.get("YUNYING_FORM_PATTERN_MAX_INPUT", "1000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YUNYING_LOG_LEVEL", "WARNING")},
    # The worker's consumer logs through its own handler; don't print its lines twice.
    "loggers": {"huey": {"propagate": False}},
}

YUNYING_PRODUCT_NAME = _("运营中台")

# Notifications: links in e-mails and robot messages point here; plain-http robot URLs only to the loopback
# and only when allowed (local receivers in tests and demos).
YUNYING_BASE_URL = os.environ.get("YUNYING_BASE_URL", "http://127.0.0.1:8000")

# E-mail: SMTP by default (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS from
# the environment). YUNYING_EMAIL_PROVIDER sends through a provider's API with django-anymail instead: its
# backend name (mailgun, sendgrid, postmark, brevo, amazon_ses, …) and YUNYING_EMAIL_API_KEY, or the whole
# ANYMAIL setting as JSON in YUNYING_ANYMAIL (e.g. {"MAILGUN_API_KEY": "…", "MAILGUN_SENDER_DOMAIN": "…"}).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yunying@localhost")
YUNYING_EMAIL_PROVIDER = os.environ.get("YUNYING_EMAIL_PROVIDER", "").strip().lower()
if YUNYING_EMAIL_PROVIDER:
    import json as _json

    EMAIL_BACKEND = f"anymail.backends.{YUNYING_EMAIL_PROVIDER}.EmailBackend"
    ANYMAIL = _json.loads(os.environ.get("YUNYING_ANYMAIL", "") or "{}")
    if os.environ.get("YUNYING_EMAIL_API_KEY"):
        ANYMAIL.setdefault(f"{YUNYING_EMAIL_PROVIDER.upper()}_API_KEY", os.environ["YUNYING_EMAIL_API_KEY"])
YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK = _env_flag("YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK", default=TESTING)
# A reminder / overdue notice / escalation failing with an error that is not the database's: retried with
# a growing delay (1, 2, 4 … minutes), then given up with the error shown after this many tries.
YUNYING_SLA_MAX_ATTEMPTS = int(os.environ.get("YUNYING_SLA_MAX_ATTEMPTS", "5"))
