"""Podkowa settings: one module, every knob from the environment (12-factor).

Development defaults are safe to run on 127.0.0.1; production sets DEBUG=0 and supplies
SECRET_KEY, PESEL_HMAC_KEY, ALLOWED_HOSTS, DATABASE_URL and the mail settings.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PODKOWA_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("PODKOWA_TESTING", False)

# Development keys are fixed so that `make run` works at once; production must set its own
# (checked below), and the two keys are separate so that rotating the session secret does not
# orphan the identity ledger.
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET if DEBUG else None)
PESEL_HMAC_KEY = env("PESEL_HMAC_KEY", "dev-only-pesel-hmac-key" if DEBUG else None)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or PESEL_HMAC_KEY == "dev-only-pesel-hmac-key"):
    raise ImproperlyConfigured("Production needs its own SECRET_KEY and PESEL_HMAC_KEY.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django_scopes",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "podkowa.core",
    "podkowa.accounts",
    "podkowa.notifications",
    "podkowa.cases",
    "podkowa.payments",
    "podkowa.cemetery",
    "podkowa.registers",
    "podkowa.web",
    # The admin with the town's own site (officials only, second factor): see
    # podkowa/core/admin_site.py. Listed after the project's apps so that their admin/…
    # templates override Django's (CSP-clean change list, the town's icon).
    "podkowa.core.admin_site.PodkowaAdminConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "podkowa.web.middleware.PolishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "podkowa.core.middleware.GminaMiddleware",
    "podkowa.accounts.middleware.OfficialTwoFactorMiddleware",
    "podkowa.accounts.middleware.ActingForMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "podkowa.urls"
WSGI_APPLICATION = "podkowa.wsgi.application"

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
                "csp.context_processors.nonce",
                "podkowa.web.context_processors.shell",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
# SpatiaLite file under var/ by default; PostGIS via DATABASE_URL=postgis://… for scale.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"spatialite:///{VAR_DIR / 'podkowa.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.spatialite":
    # Writers wait for each other instead of failing at once (the worker and the web process
    # share the file).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-podkowa.sqlite3")}
SPATIALITE_LIBRARY_PATH = env("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:panel"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Ten wrong passwords lock the account for a while, whatever address they come from.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "podkowa.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0"))
# Besides the per-account lock-out, one address may try at most this many logins per window.
LOGIN_RATE_LIMIT = int(env("LOGIN_RATE_LIMIT", "30"))
LOGIN_RATE_WINDOW_SECONDS = int(env("LOGIN_RATE_WINDOW_SECONDS", "300"))

OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Podkowa")

# --- security -----------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(60 * 60 * 8)))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# The map's background is the only resource a page may load from elsewhere, and only from
# the source the administrator configures (tiles, or a WMS such as the Geoportal orthophoto);
# nothing else leaves the project's origin. Empty both for no background at all.
MAP_TILE_URL = env("MAP_TILE_URL", "" if TESTING else "/static/web/tiles/{z}/{x}/{y}.png")
MAP_BASE_WMS_URL = env("MAP_BASE_WMS_URL", "")
MAP_BASE_WMS_LAYERS = env("MAP_BASE_WMS_LAYERS", "")
MAP_BASE_WMS_FORMAT = env("MAP_BASE_WMS_FORMAT", "image/jpeg")
MAP_BASE_ATTRIBUTION = env("MAP_BASE_ATTRIBUTION", "")


def map_origins(*urls: str) -> list[str]:
    """The origins (scheme://host[:port]) of the configured map sources that are not ours:
    what img-src must allow, and nothing more."""
    from urllib.parse import urlsplit

    origins = []
    for url in urls:
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *map_origins(MAP_TILE_URL, MAP_BASE_WMS_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "podkowa" / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even in development
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- e-mail -------------------------------------------------------------------------------
# Always Django's SMTP backend; in development it talks to the catcher that `make run` starts,
# which writes every message to var/mail/.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Podkowa <no-reply@podkowalesna.pl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_CATCHER_DIR = VAR_DIR / "mail"

# --- background work ----------------------------------------------------------------------
# The database queue and its worker (`manage.py db_worker`) by default; TASKS_IMMEDIATE=1 runs
# tasks inline, for a deployment with no worker (and in the unit tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_LEASE_SECONDS = int(env("OUTBOX_LEASE_SECONDS", "300"))
# Retries wait 30 s, 1 min, 2 min … (doubling) but never more than 6 h between attempts.
OUTBOX_RETRY_BASE_SECONDS = int(env("OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_RETRY_MAX_SECONDS = int(env("OUTBOX_RETRY_MAX_SECONDS", str(6 * 60 * 60)))

# --- notifications ------------------------------------------------------------------------
# Web Push (VAPID). Unset in development: a pair is generated once into var/vapid/
# (podkowa/notifications/vapid.py); production must set both (base64url, raw).
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_PUBLIC_KEY = env("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_SUBJECT = env("WEBPUSH_VAPID_SUBJECT", "mailto:no-reply@podkowalesna.pl")
WEBPUSH_TIMEOUT_SECONDS = int(env("WEBPUSH_TIMEOUT_SECONDS", "10"))
WEBPUSH_TTL_SECONDS = int(env("WEBPUSH_TTL_SECONDS", str(24 * 60 * 60)))
# SMS: "file" writes each text to var/sms/ (the development default; none in tests unless a
# test sets it), "smsapi" sends through SMSAPI.pl's REST API, "" sends none (the channel is
# then skipped).
SMS_GATEWAY = env("SMS_GATEWAY", "file" if DEBUG and not TESTING else "")
SMS_FILE_DIR = Path(env("SMS_FILE_DIR", str(VAR_DIR / "sms")))
SMSAPI_URL = env("SMSAPI_URL", "https://api.smsapi.pl/sms.do")
SMSAPI_TOKEN = env("SMSAPI_TOKEN", "")
SMSAPI_SENDER = env("SMSAPI_SENDER", "")
SMSAPI_TIMEOUT_SECONDS = int(env("SMSAPI_TIMEOUT_SECONDS", "10"))

# --- payments -----------------------------------------------------------------------------
# The sandbox gateway (a page of this site playing the payment operator) credits charges
# without money: only in development and tests unless switched on deliberately.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", DEBUG or TESTING)

# --- tenancy ------------------------------------------------------------------------------
# Host names pick the gmina (Gmina.hosts); a request for an unknown host falls back to this
# TERYT, so that 127.0.0.1 serves the demo town.
DEFAULT_GMINA_TERYT = env("DEFAULT_GMINA_TERYT", "1405021")

# --- API ----------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
API_TOKEN_PREFIX = "pdk_"  # noqa: S105  (a public marker, not a secret)

CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": env("CACHE_LOCATION", "podkowa_cache"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

ADMINS = [("Admin", a) for a in env_list("ADMIN_EMAILS", "")]

SILENCED_SYSTEM_CHECKS = [
    # Lock-out is per account (ten wrong passwords, from anywhere); addresses are throttled
    # separately by LOGIN_RATE_LIMIT, so that one town office behind NAT cannot lock itself out.
    "axes.W006",
    # Debian 12 ships GDAL 3.6; Podkowa never opens spatial references supplied by a user
    # through GDAL (imports parse coordinates itself and use EPSG codes from a fixed list).
    "gis.W001",
]

# --- letters (ePUAP / e-Doręczenia) -------------------------------------------------------
# In development every endpoint points at the local simulator (`manage.py letters_simulator`)
# and the certificates are generated once under var/letters/; production sets the national
# endpoints, the system certificate (PEM) and the certificate each service signs with.
LETTERS_CREDENTIALS_DIR = Path(env("LETTERS_CREDENTIALS_DIR", str(VAR_DIR / "letters")))
LETTERS_SIMULATOR_HOST = env("LETTERS_SIMULATOR_HOST", "127.0.0.1")
LETTERS_SIMULATOR_PORT = int(env("LETTERS_SIMULATOR_PORT", "8091"))
_letters_sim = f"http://{LETTERS_SIMULATOR_HOST}:{LETTERS_SIMULATOR_PORT}" if DEBUG else ""

EPUAP_SKRYTKA_URL = env("EPUAP_SKRYTKA_URL", f"{_letters_sim}/epuap/skrytka" if DEBUG else "")
EPUAP_PULL_URL = env("EPUAP_PULL_URL", f"{_letters_sim}/epuap/pull" if DEBUG else "")
EPUAP_PODMIOT = env("EPUAP_PODMIOT", "podkowalesna")  # the office's ePUAP subject id
EPUAP_NAZWA_SKRYTKI = env("EPUAP_NAZWA_SKRYTKI", "skrytka")
EPUAP_ADRES_SKRYTKI = env("EPUAP_ADRES_SKRYTKI", f"/{EPUAP_PODMIOT}/{EPUAP_NAZWA_SKRYTKI}")
EPUAP_CERT_FILE = env("EPUAP_CERT_FILE", "")
EPUAP_KEY_FILE = env("EPUAP_KEY_FILE", "")
EPUAP_KEY_PASSWORD = env("EPUAP_KEY_PASSWORD", "")
EPUAP_SERVICE_CERT_FILE = env("EPUAP_SERVICE_CERT_FILE", "")  # verifies answers and UPPs
EPUAP_TIMEOUT = int(env("EPUAP_TIMEOUT", "30"))

EDORECZENIA_TOKEN_URL = env(
    "EDORECZENIA_TOKEN_URL", f"{_letters_sim}/edoreczenia/token" if DEBUG else ""
)
EDORECZENIA_API_URL = env("EDORECZENIA_API_URL", f"{_letters_sim}/edoreczenia/api" if DEBUG else "")
EDORECZENIA_CLIENT_ID = env("EDORECZENIA_CLIENT_ID", "podkowa-dev" if DEBUG else "")
# The office's own electronic delivery address (ADE); the default is the simulator's.
EDORECZENIA_ADDRESS = env("EDORECZENIA_ADDRESS", "AE:PL-14050-21000-PODKW-01" if DEBUG else "")
EDORECZENIA_CERT_FILE = env("EDORECZENIA_CERT_FILE", "")
EDORECZENIA_KEY_FILE = env("EDORECZENIA_KEY_FILE", "")
EDORECZENIA_KEY_PASSWORD = env("EDORECZENIA_KEY_PASSWORD", "")
EDORECZENIA_SERVICE_CERT_FILE = env("EDORECZENIA_SERVICE_CERT_FILE", "")  # verifies evidences
EDORECZENIA_TIMEOUT = int(env("EDORECZENIA_TIMEOUT", "30"))

# --- login.gov.pl (Węzeł Krajowy) ---------------------------------------------------------
# LOGINGOVPL_NODE: production | integration | simulator (symulator.login.gov.pl) | local (our
# simulator, `manage.py logingovpl_simulator`, the development default). The URLs and the
# node's entity id follow from it unless set one by one. Keys are EC P-256 PEM files; in
# DEBUG without them, development pairs are generated once under var/logingovpl/.
LOGINGOVPL_ENABLED = env_bool("LOGINGOVPL_ENABLED", DEBUG)
LOGINGOVPL_NODE = env("LOGINGOVPL_NODE", "local" if DEBUG else "production")
LOGINGOVPL_ENTITY_ID = env("LOGINGOVPL_ENTITY_ID", "https://podkowa.localhost/sp" if DEBUG else "")
LOGINGOVPL_NODE_ENTITY_ID = env("LOGINGOVPL_NODE_ENTITY_ID", "")
LOGINGOVPL_SSO_URL = env("LOGINGOVPL_SSO_URL", "")
LOGINGOVPL_ARTIFACT_RESOLVE_URL = env("LOGINGOVPL_ARTIFACT_RESOLVE_URL", "")
LOGINGOVPL_SLO_URL = env("LOGINGOVPL_SLO_URL", "")
LOGINGOVPL_NODE_CERT_FILE = env("LOGINGOVPL_NODE_CERT_FILE", "")  # verifies the node's answers
LOGINGOVPL_SIGNING_CERT_FILE = env("LOGINGOVPL_SIGNING_CERT_FILE", "")
LOGINGOVPL_SIGNING_KEY_FILE = env("LOGINGOVPL_SIGNING_KEY_FILE", "")
LOGINGOVPL_SIGNING_KEY_PASSWORD = env("LOGINGOVPL_SIGNING_KEY_PASSWORD", "")
LOGINGOVPL_ENCRYPTION_CERT_FILE = env("LOGINGOVPL_ENCRYPTION_CERT_FILE", "")
LOGINGOVPL_ENCRYPTION_KEY_FILE = env("LOGINGOVPL_ENCRYPTION_KEY_FILE", "")
LOGINGOVPL_ENCRYPTION_KEY_PASSWORD = env("LOGINGOVPL_ENCRYPTION_KEY_PASSWORD", "")
LOGINGOVPL_LOA = env("LOGINGOVPL_LOA", "http://eidas.europa.eu/LoA/substantial")
LOGINGOVPL_CLOCK_SKEW_SECONDS = int(env("LOGINGOVPL_CLOCK_SKEW_SECONDS", "60"))
LOGINGOVPL_TIMEOUT = float(env("LOGINGOVPL_TIMEOUT", "15"))
LOGINGOVPL_CREDENTIALS_DIR = Path(env("LOGINGOVPL_CREDENTIALS_DIR", str(VAR_DIR / "logingovpl")))
LOGINGOVPL_SIMULATOR_HOST = env("LOGINGOVPL_SIMULATOR_HOST", "127.0.0.1")
LOGINGOVPL_SIMULATOR_PORT = int(env("LOGINGOVPL_SIMULATOR_PORT", "8092"))
