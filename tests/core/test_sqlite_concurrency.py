"""SQLite as configured (WAL, immediate transactions): concurrent writers wait, none fails."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, django
django.setup()
from django.db import connection
from accounts.models import User
from catalogue.models import Institution
from catalogue.services import unit_save
admin = User.objects.get(username="admin-W")
institution = Institution.objects.get(code="W")
tag = sys.argv[1]
for i in range(40):
    unit_save(institution=institution, code=f"{tag}{i}", name_zh=f"单位{tag}{i}", kind="college", by=admin)
print(connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])
"""

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import make_institution
make_institution("W")
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="about the embedded SQLite configuration")
def test_concurrent_writers_wait_for_each_other_instead_of_failing(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrency.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=120)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, tag],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B", "C")
    ]
    results = [writer.communicate(timeout=120) for writer in writers]
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert out.strip() == "wal"
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from catalogue.models import Unit; "
            "from audit.models import AuditEvent; print(Unit.objects.count(), AuditEvent.objects.filter(event='unit.created').count())",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.stdout.split() == ["120", "120"]
