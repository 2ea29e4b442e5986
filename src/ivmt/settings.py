"""Settings for IVMT Clinic, read from the environment.

Every setting a deployment may change is an environment variable read here, once, through a
typed helper that fails loudly on a malformed value. Nothing else in the code base reads
``os.environ``.

- ``DATABASE_URL``: ``sqlite:///path/to/db.sqlite3`` (default ``var/ivmt.sqlite3``) or
  ``postgres://user:password@host:port/name``.
- ``IVMT_SECRET_KEY``: required when ``IVMT_DEBUG`` is off.
- ``IVMT_DEBUG``: ``1`` for development only.
- ``IVMT_ALLOWED_HOSTS``: comma-separated host names.
- ``IVMT_SECURE``: ``1`` behind HTTPS (secure cookies, HSTS, SSL redirect).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets ModelForm[Model], QuerySet[Model] and friends be subscripted at run time, as typed.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("IVMT_VAR_DIR", str(PROJECT_DIR / "var")))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``DATABASE_URL`` into a Django database dict; refuse anything but SQLite/PostgreSQL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # As dj-database-url: sqlite:///relative.sqlite3, sqlite:////absolute/path.sqlite3.
        raw = unquote(parsed.path)
        path = "/" + raw.lstrip("/") if raw.startswith("//") else raw[1:]
        if not path or path == "/":
            raise ImproperlyConfigured("DATABASE_URL for SQLite needs a file path")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one
            # failing half-way with "database is locked" on upgrade from a read lock.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": os.environ.get("IVMT_TEST_SQLITE_NAME") or None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": os.environ.get("IVMT_TEST_PG_NAME") or None},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parsed.scheme!r} is not supported: use sqlite:/// or postgres://"
    )


DEBUG = env_bool("IVMT_DEBUG", False)
SECRET_KEY = os.environ.get("IVMT_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("IVMT_ALLOW_DEV_SECRET", True):
        raise ImproperlyConfigured("IVMT_SECRET_KEY must be set in production")
    # A development key: `ivmt serve` and the tests run without configuration; production
    # deployments set IVMT_SECRET_KEY and IVMT_ALLOW_DEV_SECRET=0 (docs/operations.md).
    SECRET_KEY = "dev-only-not-secret-ivmt-clinic-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = env_list("IVMT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ivmt.core",
    "ivmt.accounts",
    "ivmt.patients",
    "ivmt.home",
    "ivmt.scheduling",
    "ivmt.screening",
    "ivmt.orders",
    "ivmt.pharmacy",
    "ivmt.infusions",
    "ivmt.outcomes",
    "ivmt.billing",
    "ivmt.referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ivmt.core.middleware.ContentSecurityPolicyMiddleware",
    "ivmt.accounts.middleware.ClinicMiddleware",
    "ivmt.accounts.middleware.IdleTimeoutMiddleware",
    "ivmt.accounts.middleware.TwoFactorRequiredMiddleware",
    "ivmt.core.middleware.NoStoreMiddleware",
    # Axes last: it turns a lockout signalled during authenticate() into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ivmt.urls"
WSGI_APPLICATION = "ivmt.wsgi.application"

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
                "ivmt.accounts.context_processors.clinic_context",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ivmt.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it must see every attempt to count failures and refuse locked users.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("IVMT_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

SECURE = env_bool("IVMT_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

OTP_TOTP_ISSUER = "IVMT Clinic"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

EMAIL_BACKEND = os.environ.get(
    "IVMT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Patient searches are POSTed, so request paths in these logs never carry patient data.
    "root": {"handlers": ["console"], "level": "WARNING"},
}
