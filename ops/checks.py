"""The project's own deployment checks (`manage.py check --deploy`), beside Django's.

`scripts/serve.py --production` runs `check --deploy --database default --fail-level WARNING` before it
starts anything, so each error here keeps the site from starting until it is put right.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError
from django.utils.module_loading import import_string

from accounts.models import User

# The demo's published sign-in (`manage.py load_demo` creates these accounts, README lists them). They are
# written here, below the demo app, so that this check can refuse them without importing the demo.
ADMIN_PASSWORD = "admin"  # noqa: S105 - the demo's documented sign-in
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's documented sign-in
DEMO_ACCOUNTS = ("admin", "secretary", "supervisor", "postdoc", "leadership")

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - names to refuse, not to bind


def _delivers_mail(backend: str) -> bool:
    """SMTP (or a backend built on it). The other choice, EMAIL_BACKEND=console, delivers nothing: it
    logs a line per mail and keeps the message, links included, on the server's disk (core/mail.py)."""
    try:
        backend_class = import_string(backend)
    except ImportError:
        return True  # Django's own checks say that the backend cannot be imported
    return isinstance(backend_class, type) and issubclass(backend_class, SMTPBackend)


@register(Tags.security, deploy=True)
def check_mail_is_sent(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    backend = str(getattr(settings, "MAILERS", {}).get("default", {}).get("BACKEND", ""))
    if not backend or _delivers_mail(backend):
        return []
    return [
        Error(
            f"EMAIL_BACKEND is console ({backend}): mail is not delivered, and password and review links "
            "would stay on the server instead of reaching the people they are for.",
            hint="Set EMAIL_BACKEND=smtp with EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and "
            "EMAIL_USE_TLS (deploy/postdoc-office.env.example).",
            id="ops.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_site_url(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    url = urlparse(settings.SITE_URL)
    if url.scheme == "https" and url.hostname and url.hostname not in LOCAL_HOSTS:
        return []
    return [
        Error(
            f"SITE_URL is {settings.SITE_URL!r}: links in mail (an expert's review link, a password link) "
            "must start with the site's public https address.",
            hint="Set SITE_URL to the address people open, e.g. SITE_URL=https://postdoc.example.edu",
            id="ops.E002",
        )
    ]


def demo_accounts_with_demo_passwords() -> list[str]:
    """The demo's active accounts (`load_demo`) that still sign in with the demo's published password."""
    published = dict.fromkeys(DEMO_ACCOUNTS, DEMO_PASSWORD) | {"admin": ADMIN_PASSWORD}
    users = User.objects.filter(username__in=DEMO_ACCOUNTS, is_active=True).order_by("username")
    return [user.username for user in users if user.check_password(published[user.username])]


@register(Tags.security, Tags.database, deploy=True)
def check_no_demo_passwords(
    app_configs: Sequence[Any] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # Like Django's database checks, this one reads the database only when asked to
    # (`check --deploy --database default`, as the production start runs it).
    if not databases or "default" not in databases:
        return []
    try:
        accounts = demo_accounts_with_demo_passwords()
    except DatabaseError:
        return []  # not migrated yet: `migrate` comes first and says so
    if not accounts:
        return []
    return [
        Error(
            f"The demo's accounts {', '.join(accounts)} sign in with the demo's published password "
            "(admin/admin, the others demo): anybody could sign in as them.",
            hint="This database holds the demo: set DATABASE_URL to your institution's own database "
            "(README, 'Start with your own institution'); or give these accounts passwords of their own "
            "(manage.py changepassword NAME) or deactivate them.",
            id="ops.E003",
        )
    ]
