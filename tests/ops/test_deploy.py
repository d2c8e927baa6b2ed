"""The deploy environment file passes `check --deploy`, and the project's own deploy checks."""

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from ops import checks

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / "deploy" / "postdoc-office.env.example"


def example_environment(tmp_path: Path) -> dict[str, str]:
    """The env file's values, its <placeholders> filled with test values, as systemd would pass them."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = re.sub(r"<([^<>]*)>", r"\1", value.strip())
    values["SECRET_KEY"] = secrets.token_urlsafe(64)
    # `check --deploy` reads no table without --database; a file of its own keeps the run away from others.
    values["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}"
    values["MEDIA_ROOT"] = str(tmp_path / "media")
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **values}


def manage(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_the_deploy_env_file_finds_no_issues(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=example_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_the_deploy_env_file_names_every_setting_of_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))
    listed |= set(re.findall(r"`(EMAIL_[A-Z_]+)`", table))  # the SMTP settings share EMAIL_BACKEND's row
    in_file = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE))
    # PYTHON only chooses the interpreter of `make setup`.
    assert listed - {"PYTHON"} <= in_file, sorted(listed - {"PYTHON"} - in_file)


def test_production_settings_refuse_a_missing_allowed_hosts(tmp_path):
    env = example_environment(tmp_path)
    del env["ALLOWED_HOSTS"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is false" in result.stderr


def test_production_settings_refuse_an_empty_allowed_hosts(tmp_path):
    env = example_environment(tmp_path) | {"ALLOWED_HOSTS": " , "}
    result = manage("check", env=env)
    assert "ALLOWED_HOSTS must be set when DEBUG is false" in result.stderr


@pytest.mark.parametrize("backend", ["core.mail.LoggedMailBackend", "django.core.mail.backends.console.EmailBackend"])
def test_console_mail_is_refused_by_the_deploy_check(settings, backend):
    settings.MAILERS = {"default": {"BACKEND": backend}}
    assert [error.id for error in checks.check_mail_is_sent()] == ["ops.E001"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert checks.check_mail_is_sent() == []


@pytest.mark.parametrize(
    "site_url",
    ["http://postdoc.example.edu", "https://127.0.0.1:8000", "https://localhost", "http://127.0.0.1:8000"],
)
def test_site_url_must_be_the_public_https_address(settings, site_url):
    settings.SITE_URL = site_url
    assert [error.id for error in checks.check_site_url()] == ["ops.E002"]


def test_a_public_https_site_url_passes(settings):
    settings.SITE_URL = "https://postdoc.example.edu"
    assert checks.check_site_url() == []


def test_demo_accounts_with_demo_passwords_are_named(db):
    User.objects.create_user(username="admin", password="admin")
    User.objects.create_user(username="postdoc", password="demo")
    User.objects.create_user(username="secretary", password="a-password-of-its-own")
    User.objects.create_user(username="leadership", password="demo", is_active=False)
    errors = checks.check_no_demo_passwords(databases=["default"])
    assert [error.id for error in errors] == ["ops.E003"]
    assert "admin, postdoc sign in with the demo's published password" in errors[0].msg
    assert "changepassword" in (errors[0].hint or "")


def test_the_demo_check_reads_the_database_only_when_asked(db):
    User.objects.create_user(username="admin", password="admin")
    assert checks.check_no_demo_passwords(databases=None) == []


def test_load_demo_refuses_a_production_site(db, settings):
    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="DEBUG is false: the demo, with its published passwords"):
        call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)  # what `make setup` runs: says so, loads nothing
    assert "DEBUG is false" in out.getvalue()
    assert not User.objects.exists()


# ---------------------------------------------------------------------------------------------
# The deploy files agree with each other and with the settings


def env_file_value(name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert match, f"{name} is not in the env file"
    return match.group(1).strip()


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's `Key=value` lines, by key (a key may repeat)."""
    keys: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def test_nginx_body_limit_matches_import_max_mb_and_it_forwards_the_scheme():
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"^\s*client_max_body_size (\d+)m;", conf, flags=re.MULTILINE) == [
        env_file_value("IMPORT_MAX_MB")
    ]
    assert conf.count("proxy_set_header X-Forwarded-Proto $scheme;") == 2  # the pages and /healthz
    assert "listen 443 ssl" in conf and "return 301 https://$host$request_uri;" in conf
    assert "location = /healthz" in conf
    static = re.search(r"location /static/ \{(.*?)\}", conf, flags=re.DOTALL)
    assert static, conf
    assert f"alias {env_file_value('STATIC_ROOT')}/;" in static.group(1)
    assert "max-age=31536000, immutable" in static.group(1) and "gzip_static on;" in static.group(1)
    upstream = re.search(r"^\s*server (127\.0\.0\.1:\d+);", conf, flags=re.MULTILINE)
    assert upstream and upstream.group(1) == env_file_value("BIND")


def test_the_units_read_the_env_file_and_run_the_documented_commands():
    web, worker = unit("postdoc-office-web.service"), unit("postdoc-office-worker.service")
    daily, timer = unit("postdoc-office-daily.service"), unit("postdoc-office-daily.timer")
    for service in (web, worker, daily):
        assert service["EnvironmentFile"] == ["/etc/postdoc-office/postdoc-office.env"]
        assert service["User"] == ["postdoc-office"]
    assert web["ExecStart"][0].endswith("scripts/serve.py --production --no-worker")
    assert web["RestartPreventExitStatus"] == ["2"]  # a refusal is not retried in a loop
    assert worker["ExecStart"][0].endswith("manage.py worker --no-reload")
    assert worker["Restart"] == ["always"]
    assert daily["Type"] == ["oneshot"]
    assert daily["ExecStart"][0].endswith("manage.py daily --as-user ${DAILY_AS_USER}")
    assert timer["Unit"] == ["postdoc-office-daily.service"] and timer["Persistent"] == ["true"]
    assert timer["OnCalendar"]
    # Every path the services write is under the one folder they may write to.
    writable = web["ReadWritePaths"][0]
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        assert env_file_value(name).startswith(writable + "/"), name


def test_the_daily_command_runs_every_step_and_fails_naming_the_failed_ones(db, monkeypatch):
    from ops.management.commands import daily

    ran: list[tuple[str, tuple[str, ...]]] = []

    def fake_call_command(name: str, *arguments: str, **options: object) -> None:
        ran.append((name, arguments))
        if name == "send_review_reminders":
            raise CommandError("'nobody' is not an office administrator of an institution.")

    monkeypatch.setattr(daily, "call_command", fake_call_command)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of the daily steps failed: send_review_reminders --as-user office"):
        call_command("daily", "--as-user", "office", stdout=out, stderr=err)
    assert ran == [
        ("send_reminders", ("--as-user", "office")),
        ("send_review_reminders", ("--as-user", "office")),
        ("remove_old_uploads", ()),
    ]
    assert "not an office administrator" in err.getvalue()


def test_each_daily_step_is_a_command_of_the_project():
    from django.core.management import get_commands

    from ops.management.commands.daily import Command

    commands = get_commands()
    assert all(name in commands for name, _ in Command().steps(["office"]))
