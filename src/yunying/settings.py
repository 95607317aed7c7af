"""Django settings. Everything that differs between installs comes from the environment.

YUNYING_DATA_DIR   where the embedded database, the queue and the generated secret live (default ./var)
DATABASE_URL       PostgreSQL (or any dj-database-url URL); SQLite in the data directory when unset
REDIS_URL          Redis for the job queue and the cache; SQLite queue in the data directory when unset
YUNYING_DEBUG      1 to run in debug mode
YUNYING_SECRET_KEY overrides the generated secret key
YUNYING_ALLOWED_HOSTS comma-separated host names (default: localhost names)
YUNYING_TIME_ZONE  default store time zone (default Asia/Shanghai)
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
    "huey.contrib.djhuey",
    "yunying.core",
    "yunying.accounts",
    "yunying.org",
    "yunying.forms",
    "yunying.workflow",
    "yunying.analytics",
    "yunying.assets",
    "yunying.web",
    "yunying.seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
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
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("YUNYING_TEST_DB_NAME", "test_yunying")}
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

# Login throttling: failures per username within the window lock that username for the lock time.
YUNYING_LOGIN_MAX_FAILURES = int(os.environ.get("YUNYING_LOGIN_MAX_FAILURES", "5"))
YUNYING_LOGIN_WINDOW_SECONDS = 15 * 60
YUNYING_LOGIN_LOCK_SECONDS = 15 * 60

# Internationalisation: zh-Hans first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("YUNYING_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Static files: built by esbuild into web/static/dist, served by WhiteNoise (no CDN).
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders; it warns when this is missing
STATICFILES_DIRS: list[Path] = []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Cache: Redis when configured, else the database (shared by every process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
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

# Security.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING and not _env_flag("YUNYING_INSECURE_COOKIES"):
    # Behind HTTPS in production; `yunying serve` on the loopback sets YUNYING_INSECURE_COOKIES=1.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MESSAGE_TAGS = {40: "danger"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YUNYING_LOG_LEVEL", "WARNING")},
    # The worker's consumer logs through its own handler; don't print its lines twice.
    "loggers": {"huey": {"propagate": False}},
}

YUNYING_PRODUCT_NAME = _("运营中台")
