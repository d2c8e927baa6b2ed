import pytest
from django.utils import translation

from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read messages in English (the msgid language); language tests switch explicitly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def own_cache(settings, tmp_path):
    """A file cache of the test's own: parallel workers have their own databases, so the same job
    ids, and would read each other's import progress from a shared cache directory."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture
def world(db: None) -> World:
    return make_world()
