"""gunicorn's settings beyond scripts/serve.py's command line: `gunicorn -c python:config.gunicorn_hooks`.

The app is loaded once in gunicorn's master process and warmed up there (core/warmup.py); every worker,
the first ones and each one that replaces a worker past --max-requests, is a fork of that process
(docs/decisions/0072).
"""

from typing import Any

preload_app = True


def when_ready(server: Any) -> None:
    """In the master, after the app is loaded and before the first worker is forked."""
    from core.warmup import warm_up

    compiled = warm_up()
    server.log.info("Warmed up for the workers: %d templates compiled.", compiled)
