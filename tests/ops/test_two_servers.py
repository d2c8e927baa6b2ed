"""Two app servers on one PostgreSQL with one task worker (bench/two_servers.py, made smaller): a
workbook uploaded through one server is followed and confirmed through the other, then a short load
on both servers ends without an error."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): two app servers share one database server, "
    "which a SQLite file is not",
)


def test_two_servers_share_an_import_and_a_load_without_errors():
    # A database of its own on the same server, beside the test databases (the script drops and creates it).
    url = urlparse(DATABASE_URL)
    name = f"{url.path.lstrip('/') or 'postdoc'}_two_servers"
    own = url._replace(path=f"/{name}").geturl()
    command = [
        sys.executable,
        str(ROOT / "bench" / "two_servers.py"),
        "--database-url",
        own,
        "--postdocs",
        "25",
        "--workers",
        "1",
        "--concurrency",
        "4",
        "--load-requests",
        "60",
        "--load-seconds",
        "60",
        "--job-timeout",
        "120",
    ]
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=540, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "check followed through server B" in output
    assert "confirmed through server B" in output
    assert "the job's page on server A: imported" in output
    assert "in the database: job imported" in output and "25 appointments (the workbook's 25)" in output
    assert '"errors": 0' in output
    try:
        import psycopg

        with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001,S110 - leaving the benchmark's database behind harms nothing
        pass
