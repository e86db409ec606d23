"""Settings, read from the environment with safe local defaults.

Locally nothing needs to be set: SQLite in var/, Kombu's filesystem broker in var/celery/.
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see README).
"""

from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from modelphuong.client_ip import trusted_networks
from modelphuong.object_storage import s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# Everything the app writes at run time (SQLite, uploads, broker queue, rendered PDFs) lives here.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# The folders under it are made when the apps are ready (modelphuong.apps), not when settings are read.

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "django-insecure-local-development-only"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "modelphuong.apps.ModelphuongConfig",
    # The admin site asks for a verified second factor (modelphuong.admin_site).
    "modelphuong.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "criteria",
    "wards",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "modelphuong.middleware.PageCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "modelphuong.middleware.private_no_store",
    "modelphuong.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "modelphuong.urls"
WSGI_APPLICATION = "modelphuong.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before a request reuses it, so a database restarted or a connection dropped
# between two requests costs that request a new connection, not an error (the README's production section).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded mode runs the web server and the worker on one file: a writer waits for the other (20 s)
    # instead of failing "database is locked", and takes the write lock when its transaction begins, since a
    # lock upgraded mid-transaction fails at once whatever the wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # The test database in a file (one per test worker), not in memory: an in-memory database is one
    # connection that the browser tests' live server shares across its request threads, and requests running at
    # once (a page, its script catalogue, a second person) then interleave on it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

# The cache holds the public verification pages' rate-limit counters (reports/verification.py), which let a
# request through when the cache fails: a refused or hung Redis costs a request at most one short timeout.
CACHE_TIMEOUT = env.float("CACHE_TIMEOUT", default=0.3)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT, "socket_timeout": CACHE_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# Behind a reverse proxy, the client's address is taken from X-Forwarded-For as far as these proxies wrote
# it (addresses or ranges, comma-separated); without them only REMOTE_ADDR counts and the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    trusted_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error
AXES_CLIENT_IP_CALLABLE = "modelphuong.client_ip.client_ip"
# Two-factor sign-in (django-otp): a code from an authenticator app after the password. Required of staff,
# superusers and these roles (comma-separated values of Membership.Role); offered to everyone else.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["approver", "admin", "province_admin"])
OTP_TOTP_ISSUER = "modelphuong"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The site's language: the users', the domain's and the official documents'. Whatever a reader picks (the navbar
# switch, or their browser), what is stored or sent (audit trail, notifications and their e-mails, round
# snapshots, PDFs) is written in it: see modelphuong/language.py.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Day-first date input (dd/mm/yyyy) in every form and the admin; see modelphuong/formats/vi/formats.py.
FORMAT_MODULE_PATH = ["modelphuong.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Bootstrap comes from the xstatic-bootstrap package, never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence is private: it lives outside static/ and is only served through views that check scope.
MEDIA_ROOT = VAR_DIR / "media"
# Evidence and rendered PDFs go through Django's storage API only: in MEDIA_ROOT by default, in an S3-compatible
# object store (django-storages) when S3_BUCKET is set, so that web servers and PDF workers on several machines
# share them (modelphuong/object_storage.py).
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = s3_storage(
        bucket=S3_BUCKET,
        endpoint_url=env("S3_ENDPOINT_URL", default=""),
        region=env("S3_REGION", default=""),
        access_key=env("S3_ACCESS_KEY_ID", default=""),
        secret_key=env("S3_SECRET_ACCESS_KEY", default=""),
        prefix=env("S3_PREFIX", default=""),
        addressing_style=env("S3_ADDRESSING_STYLE", default=""),
    )
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
EXCEL_MAX_BYTES = env.int("EXCEL_MAX_BYTES", default=5 * 1024 * 1024)
# Office uploads (the Excel import, DOCX/XLSX evidence) are ZIP archives: refused, from their ZIP directory and
# before anything is unpacked, above this total unpacked size or with a part compressed more than this ratio.
ZIP_MAX_UNCOMPRESSED_BYTES = env.int("ZIP_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
ZIP_MAX_RATIO = env.int("ZIP_MAX_RATIO", default=100)
# A file over its view's limit is refused from the request's Content-Length, before the body is read
# (wards.uploads). Smaller files stay in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB), larger
# ones go to a temporary file; DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) bounds the other fields of a request.
FILE_UPLOAD_HANDLERS = [
    "wards.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Digital signatures (ký số, reports/signing.py): the province signs the documents it issues as PAdES. A PKCS#11
# token when SIGNING_PKCS11_MODULE is set (its library, e.g. the token vendor's .so); else the PKCS#12 file
# SIGNING_PKCS12_PATH. Locally (DEBUG) both default to the demo certificate of `manage.py demo_signing`, which
# says in its names that it has no legal value; with DEBUG off nothing signs until one of them is configured.
# The address the public reaches the site at: issued documents' QR codes and short codes point to
# PUBLIC_BASE_URL/xac-minh/… (set it in production; a worker has no request to take it from).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SIGNING_DIR = VAR_DIR / "signing"
DEMO_SIGNING_PASSWORD = "demo-ky-so"
SIGNING_PKCS12_PATH = env("SIGNING_PKCS12_PATH", default=str(SIGNING_DIR / "demo-province.p12") if DEBUG else "")
SIGNING_PKCS12_PASSWORD = env("SIGNING_PKCS12_PASSWORD", default=DEMO_SIGNING_PASSWORD if DEBUG else "")
SIGNING_PKCS11_MODULE = env("SIGNING_PKCS11_MODULE", default="")
SIGNING_PKCS11_TOKEN_LABEL = env("SIGNING_PKCS11_TOKEN_LABEL", default="")
SIGNING_PKCS11_PIN = env("SIGNING_PKCS11_PIN", default="")
SIGNING_PKCS11_KEY_LABEL = env("SIGNING_PKCS11_KEY_LABEL", default="")
# The certificates a signature must chain to (PEM or DER files): the national root CA in production.
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[str(SIGNING_DIR / "demo-ca.pem")] if DEBUG else [])
# The public verification pages (/xac-minh/): requests per client address and minute, on both pages and for the
# PDFs uploaded to be checked; and the largest PDF checked (held in memory while it is, never stored).
VERIFY_PAGES_PER_MINUTE = env.int("VERIFY_PAGES_PER_MINUTE", default=30)
VERIFY_UPLOADS_PER_MINUTE = env.int("VERIFY_UPLOADS_PER_MINUTE", default=10)
VERIFY_UPLOAD_MAX_BYTES = env.int("VERIFY_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="modelphuong <noreply@localhost>")

# Celery. Without REDIS_URL the broker is Kombu's filesystem transport: a real worker process picks tasks
# from files in var/celery/, so the local run behaves like production without any server to install.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# A request never waits long on the broker: a refused or hung Redis costs it about a second, and the job or
# e-mail stays in its row for the periodic sweep. Each connect and each command has a timeout, and a publish
# is retried once, at once (a dropped pooled connection is the common case, and one retry covers it).
BROKER_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=0.3)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Kombu's default is ./control, in whatever folder the worker was started from.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
# No result backend: each task's state lives in its row (RenderJob, Notification) and nothing waits on a
# result. A backend would only add a second Redis round trip to every publish, with its own retries (20 × 1 s).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Rendering has a queue of its own, "render", so that PDF workers can run on other machines (README, production):
# `celery -A modelphuong worker -Q render` there, and the beat with a worker for the default queue (e-mails,
# reminders, the sweep) here. Both queues are declared: a worker started without -Q consumes both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
RENDER_QUEUE = "render"
CELERY_TASK_QUEUES = [Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(RENDER_QUEUE)]
CELERY_TASK_ROUTES = {
    "reports.tasks.render_job": {"queue": RENDER_QUEUE},
    "reports.tasks.fan_out_bulk": {"queue": RENDER_QUEUE},
}
CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": {
        "task": "wards.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "pending-emails": {"task": "wards.tasks.send_pending_emails", "schedule": 300.0},
    "render-sweep": {"task": "reports.tasks.sweep_render_jobs", "schedule": 60.0},
}

# Production hardening: on by default whenever DEBUG is off, each switchable by its own variable.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp), sent with every HTML page: only the app's own scripts and styles, no
# inline <script>, no on…= handler, no style= attribute (htmx is told not to inject its indicator styles, in
# base.html). Bootstrap's CSS draws its icons as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every layout step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # pyHanko logs a traceback at ERROR for every signed file changed after signing, which validation
        # reports as such (reports/signing.py): an answer, not a fault.
        "pyhanko.sign.diff_analysis": {"level": "CRITICAL"},
    },
}

# Reference data only (the criteria catalogue); tests build their own data with factories.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
