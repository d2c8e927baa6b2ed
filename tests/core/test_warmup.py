"""The warm-up gunicorn's master runs before it forks the workers (core/warmup.py, decision 72)."""

import gc

import pytest
from django.db import connections
from django.template import engines

from core.warmup import our_template_names, warm_up


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def cached_templates() -> dict[object, object]:
    loader = engines["django"].engine.template_loaders[0]  # the cached loader (DEBUG off or on, Django ≥ 4.1)
    return loader.get_template_cache


def test_our_templates_are_found_and_django_admins_are_not():
    names = our_template_names()
    assert "base.html" in names
    assert "appointments/list.html" in names
    assert "components/list_page.html" in names
    assert not any(name.startswith("admin/") for name in names)


@pytest.mark.django_db
def test_warm_up_compiles_our_templates_closes_the_connections_and_freezes_what_it_made(unfrozen, monkeypatch):
    cached_templates().clear()
    closed = []
    # The test database lives in memory, which Django never closes: the call is what is checked.
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))

    compiled = warm_up()

    names = our_template_names()
    assert compiled == len(names)  # every one of them compiles
    assert {"base.html", "appointments/list.html"} <= set(cached_templates())
    assert closed  # a forked worker opens its own
    assert gc.get_freeze_count() > 0
