"""One settings module, driven by environment variables (see README, "Configuration")."""

import datetime as dt
from pathlib import Path

import django_stubs_ext
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from core.env import database_from_url, env_bool, env_int, env_list, env_str

# Django's generic classes subscriptable at run time as their type hints write them
# (`admin.ModelAdmin[Any]`, `UploadedFile[bytes]`): django-stubs' documented step, not left to
# whichever installed app happens to take it first.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from core.env import ConfigurationError

        raise ConfigurationError("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
# The demo (`load_demo`, with its published passwords) is for a development site only: kept apart from
# DEBUG itself, which test runners turn off while they run the tests that load the demo.
DEMO_ALLOWED = DEBUG
# The development hosts apply only with DEBUG on: a production site names the hosts it answers to.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    from core.env import ConfigurationError

    raise ConfigurationError(
        "ALLOWED_HOSTS must be set when DEBUG is false: the host names the site answers to, comma-separated "
        "(e.g. ALLOWED_HOSTS=postdoc.example.edu)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "axes",
    "core",
    "accounts",
    "audit",
    "catalogue",
    "stations",
    "people",
    "appointments",
    "funding",
    "awardlists",
    "outputs",
    "establishment",
    "reviews",
    "reports",
    "exchange",
    "api",
    "ops",
    "demo",
]

MIDDLEWARE = [
    # Behind the reverse proxy: REMOTE_ADDR becomes the client's address the proxy saw.
    "core.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header on every page (SECURE_CSP below; static files need none).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads a request's body before CsrfViewMiddleware does, to answer one that is too large itself.
    "core.middleware.RequestTooBigMiddleware",
    # Marks the signed-in person's session as seen (the "My account" page lists their sessions), and
    # signs out one idle for SESSION_IDLE_MINUTES.
    "accounts.middleware.SessionSeenMiddleware",
    # Signed-in pages and the API answer `Cache-Control: no-store` (they hold personal data).
    "core.middleware.PrivateResponsesMiddleware",
    # A view that meets a busy database (SQLite's lock) answers 503 with a sentence and Retry-After.
    "core.middleware.DatabaseBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.navigation.navigation",
            ],
        },
    },
]

# Selects are written in Python, the same markup as Django's templates, ten times faster (issue 15).
FORM_RENDERER = "core.form_renderer.FormRenderer"

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"),
        base_dir=str(BASE_DIR),
        parallel_workers=env_int("PG_PARALLEL_WORKERS", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes' check first (it refuses a locked account or address), then Django's own password check.
AUTHENTICATION_BACKENDS = ["accounts.throttle.ThrottledBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# A link to set one's password (a new account's, or a reset) works this many days, and once.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_LINK_DAYS", 3) * 24 * 3600

# Sign-in throttling with django-axes (docs/decisions/0017): failed sign-ins within the lockout time
# are counted per account and per address; past either limit, sign-in is refused until the lockout
# time has passed since the last failure, or an office administrator lifts it on the user's page.
SIGN_IN_FAILURES_PER_ACCOUNT = env_int("SIGN_IN_FAILURES_PER_ACCOUNT", 5)
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 20)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15)
AXES_HANDLER = "accounts.throttle.SignInThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_FAILURE_LIMIT = SIGN_IN_FAILURES_PER_ACCOUNT  # an address's failures are scaled to it (accounts.throttle)
AXES_COOLOFF_TIME = dt.timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
# Failures while locked do not push the end further: the time the form announces holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# Successful sign-ins are in the audit trail and accounts.SignInSession; axes keeps only failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # lockouts are lifted on the user's page, through an audited service
AXES_VERBOSE = False
# The sign-in form says when to try again (accounts.forms.SignInForm), so axes' middleware, which
# would answer a bare 429 page instead, is not installed.
SILENCED_SYSTEM_CHECKS = [
    "axes.W002",
    # HSTS preloading is decided for a registrable domain (example.edu) by whoever runs it, not by an
    # application on one of its subdomains, which cannot be submitted to the preload list on its own.
    "security.W021",
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers the static files (relative to BASE_DIR, or absolute), for WhiteNoise or the proxy.
STATIC_ROOT = BASE_DIR / env_str("STATIC_ROOT", "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production `collectstatic` (scripts/serve.py --production runs it) writes each file under a name
    # with its hash, compressed beside it, so WhiteNoise or the proxy can serve it with far-future caching.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Uploaded files (import workbooks). Never served by URL: they hold ID numbers, so they are only
# downloaded through views that check who asks. A relative MEDIA_ROOT is taken from BASE_DIR.
MEDIA_ROOT = BASE_DIR / env_str("MEDIA_ROOT", "media")
MEDIA_URL = "media/"
# The largest workbook an office administrator may upload, in megabytes.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 100)
# What reading an upload may hold, whatever the file expands to (core/sheets/xlsx.py): a small zip can
# hold a 1 GiB cell or line. A cell's characters (Excel's own limit), a line's (a CSV record, a line
# of a reference file), what an archive (.xlsx, .zip) may expand to, and the workbook's shared strings.
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)
IMPORT_MAX_LINE_CHARS = env_int("IMPORT_MAX_LINE_CHARS", 1_000_000)
IMPORT_MAX_EXPANDED_MB = env_int("IMPORT_MAX_EXPANDED_MB", 1024)
IMPORT_MAX_SHARED_STRINGS_MB = env_int("IMPORT_MAX_SHARED_STRINGS_MB", 256)
# The uploads of finished import jobs (they hold ID numbers) are removed this many days after the
# job finished, by `manage.py remove_old_uploads` (run daily); the jobs and their reports stay.
IMPORT_UPLOAD_KEEP_DAYS = env_int("IMPORT_UPLOAD_KEEP_DAYS", 30)
ESTABLISHMENT_DOCUMENT_MAX_MB = env_int("ESTABLISHMENT_DOCUMENT_MAX_MB", 20)
# Uploads above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest body a request may carry besides its files (Django's default, stated): every text field
# has a limit far below it, so only a forged or pasted-in request reaches it, and it gets a page in the
# user's language rather than a 400 (core/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Nothing the app servers must share is cached: import progress lives in the job's row
# (docs/decisions/0056). Each process keeps its own small in-memory cache for Django's own uses.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# The task worker (`manage.py worker`, docs/decisions/0059) writes its heartbeat this often, in seconds.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
# /healthz answers 503 when no worker's heartbeat is younger than this; a worker silent this long
# counts as stopped, and a starting worker marks the tasks it left running failed.
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 3 * WORKER_HEARTBEAT_SECONDS)
if not 0 < WORKER_HEARTBEAT_SECONDS < WORKER_STALE_SECONDS:
    from core.env import ConfigurationError

    raise ConfigurationError("WORKER_STALE_SECONDS must be longer than WORKER_HEARTBEAT_SECONDS, both above 0.")
# The task worker runs this much nicer than the web server (os.nice): background work yields the CPU
# to people's requests (0: the same priority; docs/decisions/0055).
WORKER_NICE = env_int("WORKER_NICE", 10)
# Where `manage.py backup` and `restore` find pg_dump and pg_restore (docs/decisions/0024); empty: on
# PATH, or on Debian and Ubuntu in the folder of the server's major version.
BACKUP_PG_BINDIR = env_str("BACKUP_PG_BINDIR", "")

# Mail: not sent unless SMTP is configured (EMAIL_BACKEND=smtp). "console" logs one line per mail
# (to, subject) without its body, whose links would open an account or a review to whoever reads
# the log, and writes the whole message to var/mail/, readable by the server's account only
# (core/mail.py).
_MAIL_BACKENDS = {
    "console": "core.mail.LoggedMailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_mail_backend = env_str("EMAIL_BACKEND", "console")
if _mail_backend not in _MAIL_BACKENDS:
    from core.env import ConfigurationError

    raise ConfigurationError(f"EMAIL_BACKEND must be console or smtp, not {_mail_backend!r}.")
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": _MAIL_BACKENDS[_mail_backend]}}
if _mail_backend == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "postdoc-office@localhost")
# The address links in mail start with (an external expert's review link), without a trailing slash.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# An external expert's signed link works until the review's deadline plus this many days.
REVIEW_LINK_GRACE_DAYS = env_int("REVIEW_LINK_GRACE_DAYS", 7)
# Reminders go to experts who have not scored this many days before a review's deadline.
REVIEW_REMINDER_DAYS = env_int("REVIEW_REMINDER_DAYS", 3)

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The health check is asked over plain HTTP on loopback (the proxy, a service monitor), and holds
# no personal data nor cookies: redirecting it to HTTPS would only make it fail.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Only sent with SECURE_HSTS_SECONDS: the site's own subdomains (of postdoc.example.edu, not example.edu).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# Behind the proxy, the address a request came from (sign-in throttling, the sign-in log) is the one the
# proxy appended to X-Forwarded-For, taken only from a request the proxy itself sent (core.middleware).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # from sign-in, however active (accounts.signals)
# A session without a request for this many minutes is signed out (accounts.middleware); 0 for no limit.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)

# Security headers (docs/decisions/0025), stated although most are Django's defaults. The policy is
# enforced everywhere, development and tests included, so that an inline script or style shows at once:
# scripts, styles and everything else only from this site, no plugins, no framing, forms only to here.
# Images may be data: URLs (the API docs' Swagger UI draws its icons so).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Pages of lists: how many rows a page shows.
PAGE_SIZE = env_int("PAGE_SIZE", 25)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
