"""What every app-server process would otherwise do on its first requests, done once in the process
that forks them (gunicorn's master, with `preload_app`; config/gunicorn_hooks.py, decision 72).

A gunicorn worker is replaced after --max-requests (scripts/serve.py). Without this, each new worker
imported the app (about 0.8 s of CPU) and then spent about 0.6 s on its first page: compiling the
templates, reading the translation catalogues, building the URL resolver. Under load that second and
a half fell on the requests queued behind it (the 2.4 s tail of bench/load.py at 32 clients, issue 15).
A forked worker inherits all of it ready.

The objects made here live as long as the process: they are moved out of the garbage collector's
reach (`gc.freeze`), so that a full collection in a worker does not walk the whole app every time,
and the memory pages the workers share with the master are not copied by the collector touching them.
"""

import gc
import logging
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)


def our_template_names() -> list[str]:
    """The names of the project's own templates: those under the engine's DIRS and under the `templates`
    folder of each app inside the project (Django's and libraries' are compiled when first used)."""
    root = Path(settings.BASE_DIR).resolve()
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    folders = [Path(folder) for folder in backend.engine.dirs]
    folders.extend(path for path in root.glob("*/templates") if path.is_dir())
    names: set[str] = set()
    for folder in folders:
        names.update(path.relative_to(folder).as_posix() for path in folder.rglob("*.html"))
    return sorted(names)


def warm_up() -> int:
    """Compiles the project's templates into the template cache, reads every language's translations
    and builds the URL resolver; then closes the database connections (a forked worker must open its
    own) and freezes what exists for the garbage collector. Returns how many templates were compiled."""
    compiled = 0
    engine = engines["django"]
    for name in our_template_names():
        try:
            engine.get_template(name)
        except TemplateSyntaxError:
            # The page that uses it will show the error as it always did; the server starts.
            log.exception("The template %s does not compile.", name)
        else:
            compiled += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Postdoc Office")
    get_resolver().reverse_dict  # noqa: B018  (builds the resolver's lookups)
    connections.close_all()
    gc.collect()
    gc.freeze()
    return compiled
