"""Typed readers for environment variables that fail loudly on bad values."""

import os
from urllib.parse import unquote, urlparse


class ConfigurationError(Exception):
    pass


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, base_dir: str, parallel_workers: int = 0) -> dict[str, object]:
    """Turns `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry.

    `parallel_workers`: PostgreSQL's `max_parallel_workers_per_gather` for the app's connections
    (docs/decisions/0070); their statements are never compiled (`jit=off`, docs/decisions/0077)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path.lstrip("/"))
        if not path:
            raise ConfigurationError("DATABASE_URL for SQLite needs a file name: sqlite:///db.sqlite3")
        if not os.path.isabs(path) and not parsed.path.startswith("//"):
            path = os.path.join(base_dir, path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN, so concurrent writers wait (up to the timeout) instead of failing mid-way.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
            },
            # A connection lives across requests, as PostgreSQL's does: opening one (the pragmas above,
            # then the schema read on its first statement, and an empty page cache) cost each request
            # about 2.5 ms of CPU, more than the list page's SQL (issue 15, docs/decisions/0072).
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": None},
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
            "CONN_HEALTH_CHECKS": True,
            # A page's statements read a few rows through an index; a parallel plan's workers cost
            # more to start than such a statement, and on a small server they take the cores the
            # other requests need. Likewise compiling a statement (JIT) costs 0.2–0.4 s, more than
            # the scans of a report page it would speed up (docs/decisions/0077).
            "OPTIONS": {"options": f"-c max_parallel_workers_per_gather={parallel_workers} -c jit=off"},
        }
    raise ConfigurationError(f"DATABASE_URL must start with sqlite:/// or postgres://, not {url.split(':')[0]!r}.")
