import pytest

from core.env import ConfigurationError, database_from_url, env_bool, env_int


def test_env_bool_accepts_the_usual_words(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False


def test_env_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ConfigurationError, match="FLAG must be true or false"):
        env_bool("FLAG", False)


def test_env_int_fails_loudly(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ConfigurationError, match="whole number"):
        env_int("N", 1)


def test_sqlite_url_uses_wal_and_immediate_transactions():
    config = database_from_url("sqlite:///db.sqlite3", base_dir="/srv/app")
    assert config["NAME"] == "/srv/app/db.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_sqlite_connections_live_across_requests():
    # Opening a SQLite connection per request cost more than the list page's SQL (decision 72).
    assert database_from_url("sqlite:///db.sqlite3", base_dir="/srv/app")["CONN_MAX_AGE"] == 60


def test_postgres_url_is_parsed():
    config = database_from_url("postgres://po:s%40cret@127.0.0.1:5433/postdoc", base_dir="/")
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "po",
        "s@cret",
        "127.0.0.1",
        "5433",
        "postdoc",
    )


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        database_from_url("mysql://x/y", base_dir="/")


def test_postgres_connections_plan_without_parallel_workers_unless_asked_and_never_compile():
    assert database_from_url("postgres://po@h/db", base_dir="/")["OPTIONS"] == {
        "options": "-c max_parallel_workers_per_gather=0 -c jit=off"
    }
    config = database_from_url("postgres://po@h/db", base_dir="/", parallel_workers=2)
    assert config["OPTIONS"] == {"options": "-c max_parallel_workers_per_gather=2 -c jit=off"}


@pytest.mark.django_db
def test_the_apps_postgres_connection_has_the_setting():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
