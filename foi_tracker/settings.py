"""Settings for the FOI tracker, read from the environment.

Locally, ./run.sh sets all the site needs (FOI_DEMO and a key of the machine's own): SQLite and
a Celery broker on the filesystem, both under var/. With nothing set at all it refuses to start
(DEBUG is off and the development key is refused). Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS. Every variable is listed in .env.example and the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    """The variable's value; unset or empty means the default (as in a copied .env.example)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")
    return raw.lower() in ("true", "1", "yes")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Local state (SQLite file, uploaded attachments, the filesystem broker, mail files).
DATA_DIR = Path(env_str("FOI_DATA_DIR", str(BASE_DIR / "var")))

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
# Off unless asked for: a deployment that forgets DEBUG must not show Django's debug pages (every
# URL, settings, local variables), nor run on a published key (refused below).
DEBUG = env_bool("DEBUG", False)
# The local demo (./run.sh sets it): demo commands may run (load_demo creates users with
# published passwords), and the site is served over plain http on 127.0.0.1, so cookies are not
# marked Secure nor requests redirected to https. DEBUG stays off there too: a missing page or
# an error shows the site's own 404 and 500 pages.
FOI_DEMO = env_bool("FOI_DEMO", False)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY: the development key is refused when DEBUG is off (the default). "
        "./run.sh makes one for the local demo in var/secret_key."
    )

# No test host here ("testserver" is added by the test settings only).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The public address of the site, used in links inside emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "accounts",
    "requests_app",
    "figures_app",
    # The pages, commands and tasks that compose both apps (foi_tracker/pages, management/).
    "foi_tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that error responses raised by the middleware below (a bad Host) carry it too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews the session (the idle timeout) at most once a minute: see the module.
    "accounts.session_renewal.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Reviewers and admins (and anyone who turned it on) pass a second factor before any page.
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the lockout flag the authentication backend sets on the request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "foi_tracker.urls"
WSGI_APPLICATION = "foi_tracker.wsgi.application"

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
                "requests_app.context_processors.roles",
                "foi_tracker.context_processors.nav",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections, checked before each request reuses them: a PostgreSQL restart
    # while a worker sits idle would otherwise turn that worker's next request into a 500.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the pages' queries are short, but the planner's cost estimates for
        # the dashboard's per-campaign counts cross jit_above_cost, and compiling them took
        # longer (74 ms) than running them (60 ms). Kept with any PGOPTIONS given (the bench's
        # statement timeout), which an explicit `options` would otherwise replace.
        #
        # A lock held by a stray transaction must become an error naming the statement, never a
        # hang: lock_timeout bounds any wait for a lock, idle_in_transaction_session_timeout ends
        # a session that opened a transaction and went quiet (its locks go with it). The web
        # processes (gunicorn loads foi_tracker/wsgi.py, which says so) also bound each statement.
        timeouts = [
            f"-c lock_timeout={env_int('DATABASE_LOCK_TIMEOUT_MS', 10_000)}",
            "-c idle_in_transaction_session_timeout="
            f"{env_int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000)}",
        ]
        if os.environ.get("FOI_PROCESS") == "web":
            timeouts.append(
                f"-c statement_timeout={env_int('DATABASE_WEB_STATEMENT_TIMEOUT_MS', 30_000)}"
            )
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(
            # PGOPTIONS last: what it sets (the bench's statement timeout) wins.
            filter(None, ["-c jit=off", *timeouts, os.environ.get("PGOPTIONS", "")])
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "foi_tracker.sqlite3",
            # SQLite under a web process plus a worker: wait for the write lock, do not fail.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches shared by every process and host (issue 28: the totals; issue 29: no per-process
# memory cache anywhere, as web processes run on several hosts). A table in the database by
# default (created by a migration, requests_app 0023, so a fresh `migrate` has it); Redis when
# CACHE_URL names one. Entries are keyed on versions the services raise, so none is ever stale;
# the timeout only clears out the keys of days gone by.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL must be a redis:// address, got {CACHE_URL!r}")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "TIMEOUT": 2 * 24 * 3600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "foi_cache",
            "TIMEOUT": 2 * 24 * 3600,
            # One entry per campaign, metric and basis a day: room for every campaign of a
            # hundred charities' worth before the table culls a third of itself.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50_000)},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked (username, address) pair before the password is checked.
# accounts.backends applies the login slowdown and reads the user's roles with the user; Django's
# own ModelBackend stays after it only for sessions signed in before it was added (a session
# names its backend).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RolesModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttle (accounts/throttle.py explains the design). Hard lock (django-axes) on the
# (username, address) pair only: after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is refused (even with the right password) until LOGIN_COOLOFF_MINUTES
# pass without a further attempt. Never by username or address alone, which would let anyone
# keep a named user (or everyone behind a shared address) locked out. Attempts and lockouts are
# logged (logger "axes", as warnings) and listed in the admin (Access attempts).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours, as axes counts them
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a pair lock count and restart the cool-down: the attacker at that address
# cannot resume guessing on a timer, and the real user elsewhere is not affected.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# axes' database handler, minus the attempts the slowdown refused unchecked.
AXES_HANDLER = "accounts.throttle.PairLockHandler"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Slowdown (never a lock), for addresses the user has not signed in from in the last
# LOGIN_KNOWN_ADDRESS_DAYS: after LOGIN_SLOWDOWN_AFTER wrong passwords for one username (or from
# one address) from such addresses, each further attempt from one waits LOGIN_SLOWDOWN_SECONDS,
# doubling per failure up to LOGIN_SLOWDOWN_MAX_SECONDS; attempts during the wait are refused
# unchecked and do not extend it. The count starts again after LOGIN_SLOWDOWN_RESET_HOURS
# without a failure.
LOGIN_SLOWDOWN_AFTER = env_int("LOGIN_SLOWDOWN_AFTER", 10)
LOGIN_SLOWDOWN_SECONDS = env_int("LOGIN_SLOWDOWN_SECONDS", 30)
LOGIN_SLOWDOWN_MAX_SECONDS = env_int("LOGIN_SLOWDOWN_MAX_SECONDS", 300)
LOGIN_SLOWDOWN_RESET_HOURS = env_int("LOGIN_SLOWDOWN_RESET_HOURS", 24)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 90)
AXES_USERNAME_FORM_FIELD = "username"
# Behind a reverse proxy every client has the proxy's address: with LOGIN_TRUSTED_PROXIES=N the
# client's address is the Nth entry from the right of X-Forwarded-For (what N proxies added).
LOGIN_TRUSTED_PROXIES = env_int("LOGIN_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"

# Two-factor sign-in (django-otp, TOTP with one-time recovery codes). Required for reviewers and
# admins; staff may turn it on from their profile. OTP_TOTP_ISSUER names the site in the app.
OTP_TOTP_ISSUER = env_str("TWO_FACTOR_ISSUER", "FOI tracker")
TWO_FACTOR_RECOVERY_CODES = 10

# Sessions end after this many seconds without a request (default: a working day). A request
# renews the session and its cookie when the last renewal is a minute old
# (accounts/session_renewal.py), so the limit counts idle time, not time since login.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_RENEW_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): no inline script or style anywhere; pages load their
# CSS and JavaScript from static files. data: images are Bootstrap's built-in SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored files (attachments, raw emails, quarantined files, backups) go through Django's storage
# API only, never by local path, so web processes and workers on different hosts share them.
# Local folders by default; any S3-compatible store (django-storages, its own setting names) when
# AWS_STORAGE_BUCKET_NAME is set. Quarantined files have a storage of their own, so that it can
# be a separate private bucket (or, by default, the "quarantine/" prefix of the same bucket).
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "") or None
# Private objects: every file leaves through a view that checks who asks (never a public URL).
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False
FOI_QUARANTINE_BUCKET = env_str("FOI_QUARANTINE_BUCKET", "")
FOI_BACKUP_BUCKET = env_str("FOI_BACKUP_BUCKET", "")
# Where `manage.py backup NAME` writes when no bucket is configured.
FOI_BACKUP_DIR = Path(env_str("FOI_BACKUP_DIR", str(DATA_DIR / "backups")))
if AWS_STORAGE_BUCKET_NAME:
    _S3 = "storages.backends.s3.S3Storage"
    _FILE_STORAGES = {
        "default": {"BACKEND": _S3, "OPTIONS": {"bucket_name": AWS_STORAGE_BUCKET_NAME}},
        "quarantine": {
            "BACKEND": _S3,
            "OPTIONS": {
                "bucket_name": FOI_QUARANTINE_BUCKET or AWS_STORAGE_BUCKET_NAME,
                "location": "" if FOI_QUARANTINE_BUCKET else "quarantine",
            },
        },
        "backups": {
            "BACKEND": _S3,
            "OPTIONS": {
                "bucket_name": FOI_BACKUP_BUCKET or AWS_STORAGE_BUCKET_NAME,
                "location": "" if FOI_BACKUP_BUCKET else "backups",
            },
        },
    }
else:
    _FILE_STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # MEDIA_ROOT/quarantine, following MEDIA_ROOT (requests_app/storage.py).
        "quarantine": {"BACKEND": "requests_app.storage.QuarantineFolder"},
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(FOI_BACKUP_DIR)},
        },
    }
STORAGES = {
    **_FILE_STORAGES,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or FOI_DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Locally (DEBUG or the demo) WhiteNoise serves static files straight from the source folders,
# so the demo needs no collectstatic; a deployment serves the collected, hashed files.
WHITENOISE_USE_FINDERS = DEBUG or FOI_DEMO
WHITENOISE_AUTOREFRESH = DEBUG or FOI_DEMO
# Attachments are private: MEDIA_URL is never served directly, only through a login-checked view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Figure imports (figures_app/readers.py): files past these limits are refused with a message
# before they can exhaust memory or a worker (a 10 MB XLSX can unpack to gigabytes).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 60)
IMPORT_MAX_SECONDS = env_int("IMPORT_MAX_SECONDS", 300)
IMPORT_XLSX_MAX_UNPACKED_MB = env_int("IMPORT_XLSX_MAX_UNPACKED_MB", 400)
IMPORT_XLSX_MAX_STRINGS_MB = env_int("IMPORT_XLSX_MAX_STRINGS_MB", 40)
# Screening each stored attachment (requests_app/screening): a child process with these limits;
# a file that hits one is stored with an "unreadable" finding rather than stopping the upload.
SCREENING_MAX_SECONDS = env_int("SCREENING_MAX_SECONDS", 30)
SCREENING_MAX_MEMORY_MB = env_int("SCREENING_MAX_MEMORY_MB", 1024)
SCREENING_MAX_UNPACKED_MB = env_int("SCREENING_MAX_UNPACKED_MB", 400)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email. The local default writes each message to a file under var/mail so a user can read it.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "FOI tracker <foi-tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies to chasers sent to forces go here (the team's FOI inbox).
CHASER_REPLY_TO = env_str("CHASER_REPLY_TO", "")
# Requests sent by the tracker: from the organisation's address, signed with its name, each
# with a Reply-To unique to the request ({token} is the request's unguessable token).
FOI_FROM_EMAIL = env_str("FOI_FROM_EMAIL", "foi@localhost")
FOI_ORGANISATION = env_str("FOI_ORGANISATION", "FOI tracker (local)")
FOI_REPLY_TO_TEMPLATE = env_str("FOI_REPLY_TO_TEMPLATE", "foi+{token}@localhost")
if "{token}" not in FOI_REPLY_TO_TEMPLATE or "@" not in FOI_REPLY_TO_TEMPLATE:
    raise ImproperlyConfigured("FOI_REPLY_TO_TEMPLATE must be an address containing {token}")
# A request claimed for sending but not marked sent after this long is sent again (its worker
# died between the claim and the record of the send).
# Minutes; a decimal is allowed (the worker-kill test uses 0.5). Like the reminders' timeout it
# must exceed the longest a live worker takes to send one email (EMAIL_TIMEOUT).
try:
    FOI_SEND_STALE_CLAIM_MINUTES = float(env_str("FOI_SEND_STALE_CLAIM_MINUTES", "30"))
except ValueError:
    raise ImproperlyConfigured("FOI_SEND_STALE_CLAIM_MINUTES must be a number.") from None
# Mail in. fetch_mail reads FOI_IMAP_URL (imaps://user:password@host[:port]/MAILBOX) if set,
# else the drop folder: every *.eml put there is filed and moved to its done/ subfolder.
FOI_IMAP_URL = env_str("FOI_IMAP_URL", "")
# Move stored messages to this IMAP folder; blank: leave them, flagged \Seen and $FoiStored.
FOI_IMAP_DONE_FOLDER = env_str("FOI_IMAP_DONE_FOLDER", "")
FOI_IMAP_TIMEOUT_SECONDS = env_int("FOI_IMAP_TIMEOUT_SECONDS", 60)
# The authserv-id of the mail server that receives our replies (the first word of the
# Authentication-Results header it adds, e.g. "mx.example.org"). When set, a reply matched
# only by a reference in its subject may act without a person if that server says DMARC (or
# DKIM, aligned) passed for the force's own domain. Empty: such replies wait in the Inbox.
FOI_TRUSTED_AUTHSERV_ID = env_str("FOI_TRUSTED_AUTHSERV_ID", "").strip().lower()
FOI_MAIL_DROP_DIR = Path(env_str("FOI_MAIL_DROP_DIR", str(DATA_DIR / "inbox")))
# Messages read per fetch (the next fetch, a few minutes later, goes on with the rest).
FOI_MAIL_FETCH_BATCH = env_int("FOI_MAIL_FETCH_BATCH", 500)
# A larger message is refused (a row saying so; left in the mailbox); attachments over
# ATTACHMENT_MAX_BYTES, or past the count, stay only in the stored .eml.
FOI_MAIL_MAX_MESSAGE_BYTES = env_int("FOI_MAIL_MAX_MESSAGE_MB", 60) * 1024 * 1024
FOI_MAIL_MAX_ATTACHMENTS = env_int("FOI_MAIL_MAX_ATTACHMENTS", 50)
FOI_MAIL_MAX_BODY_CHARS = 200_000

# Celery. With no broker configured, kombu's filesystem transport needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        # kombu's default is "control" relative to the working directory; keep it under var/.
        "control_folder": str(_BROKER_DIR / "control"),
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Reminders: a claimed email not marked sent after this long is taken to be from a worker that
# died mid-send, and the next run sends it (the task retries until no claim is left open).
# Minutes; a decimal is allowed (the worker-kill test uses 0.5). It must exceed the longest a
# live worker can take to send one email (EMAIL_TIMEOUT), or a slow send is repeated.
try:
    REMINDERS_STALE_CLAIM_MINUTES = float(env_str("REMINDERS_STALE_CLAIM_MINUTES", "30"))
except ValueError:
    raise ImproperlyConfigured("REMINDERS_STALE_CLAIM_MINUTES must be a number.") from None
# Redis (and SQS) hand an unacknowledged task to another worker only after the visibility
# timeout (kombu's default: one hour). With acks_late, a worker killed with -9 leaves its task
# unacknowledged, so this is how long the daily job waits before another worker runs it again.
# Below the stale-claim timeout, so the redelivered run arrives before the dead worker's claims
# go stale and settles them within REMINDERS_STALE_CLAIM_MINUTES. It must also exceed the
# longest run of any task (a longer run is delivered twice: harmless for the reminders, which
# the sent-log protects) and any countdown (the task caps its own retries at half of it).
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 20 * 60)
if CELERY_BROKER_VISIBILITY_TIMEOUT >= REMINDERS_STALE_CLAIM_MINUTES * 60:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT (seconds) must be below REMINDERS_STALE_CLAIM_MINUTES."
    )
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
        # Workers look for tasks past the timeout every 10 s (kombu's default: every 100 s).
        "unacked_restore_throttle": 1,
    }

# Figures: may the person who entered figures also approve them? (one-person teams)
FIGURES_ALLOW_SELF_APPROVAL = env_bool("FIGURES_ALLOW_SELF_APPROVAL", False)
# Web imports: a batch waiting, checking or importing with no sign of life for this long (its
# worker died, or its task was lost) is queued again when someone looks at it.
FIGURE_IMPORT_STALE_MINUTES = env_int("FIGURE_IMPORT_STALE_MINUTES", 10)

# Production hardening, applied when DEBUG is off, except on the local demo (plain http).
if not DEBUG and not FOI_DEMO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer probes each host over plain http: a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is a hard-to-undo commitment for the whole domain,
        # so it is opt-in (SECURE_HSTS_PRELOAD=true) and its absence is not a warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
