"""`manage.py setup_institution`: how an installation of one's own begins, and what it refuses."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role, User
from audit.models import AuditEvent
from catalogue.models import Institution
from demo.story.reference import DEMO_CODE

pytestmark = pytest.mark.django_db


def password_file(tmp_path: Path, text: str = "Lanzhou-Winter-2026\n") -> str:
    path = tmp_path / "password"
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD_PASSWORD = "Lanzhou-Winter-2026\n"


def setup(tmp_path: Path, *extra: str, password: str = GOOD_PASSWORD) -> str:
    out = StringIO()
    call_command(
        "setup_institution",
        "--code",
        "10730",
        "--name-zh",
        "兰州大学",
        "--admin",
        "office",
        "--password-file",
        password_file(tmp_path, password),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def nothing_written() -> bool:
    return not Institution.objects.exists() and not User.objects.exists() and not AuditEvent.objects.exists()


def test_setup_creates_the_institution_and_its_first_administrator(tmp_path, settings):
    settings.SITE_URL = "https://postdoc.example.edu"
    out = setup(tmp_path, "--name-en", "Lanzhou University", "--province", "甘肃", "--email", "office@example.edu")
    institution = Institution.objects.get(code="10730")
    assert (institution.name_zh, institution.name_en, institution.province) == (
        "兰州大学",
        "Lanzhou University",
        "甘肃",
    )
    admin = User.objects.get(username="office")
    assert admin.institution == institution and admin.email == "office@example.edu"
    assert admin.check_password("Lanzhou-Winter-2026")
    assert list(admin.roles.values_list("role", flat=True)) == [Role.ADMIN]
    assert "https://postdoc.example.edu/login/" in out and "office" in out
    assert AuditEvent.objects.filter(event="institution.set_up", institution=institution).exists()


def test_the_administrator_signs_in_with_the_password(tmp_path, client):
    setup(tmp_path)
    response = client.post("/login/", {"username": "office", "password": "Lanzhou-Winter-2026"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "sentence"),
    [("123", "too short"), ("password1", "too common"), ("\n", "empty")],
)
def test_a_weak_or_empty_password_is_refused_and_nothing_is_written(tmp_path, password, sentence):
    with pytest.raises(CommandError, match=sentence):
        setup(tmp_path, password=password)
    assert nothing_written()


def test_an_existing_code_is_refused_and_nothing_is_written(tmp_path):
    Institution.objects.create(code="10730", name_zh="已有")
    with pytest.raises(CommandError, match="code 10730 exists already"):
        setup(tmp_path)
    assert Institution.objects.count() == 1 and not User.objects.exists() and not AuditEvent.objects.exists()


def test_an_existing_user_name_is_refused_and_nothing_is_written(tmp_path):
    User.objects.create(username="office")
    with pytest.raises(CommandError, match="user name office is taken"):
        setup(tmp_path)
    assert not Institution.objects.exists() and not AuditEvent.objects.exists()


def test_an_over_long_name_or_a_bad_email_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--name-zh is at most 200"):
        call_command(
            "setup_institution",
            "--code",
            "X",
            "--name-zh",
            "长" * 201,
            "--admin",
            "a",
            "--password-file",
            password_file(tmp_path),
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="valid email"):
        setup(tmp_path, "--email", "not-an-address")
    assert nothing_written()


def test_a_missing_password_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the password file"):
        call_command(
            "setup_institution",
            "--code",
            "X",
            "--name-zh",
            "某",
            "--admin",
            "a",
            "--password-file",
            str(tmp_path / "missing"),
            stdout=StringIO(),
        )
    assert nothing_written()


def test_without_a_terminal_or_a_file_the_password_is_refused(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--password-file"):
        call_command("setup_institution", "--code", "X", "--name-zh", "某", "--admin", "a", stdout=StringIO())
    assert nothing_written()


def test_on_a_terminal_the_password_is_asked_twice_and_a_mismatch_asked_again(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter(["Lanzhou-Winter-2026", "Lanzhou-Winter-2062", "Lanzhou-Winter-2026", "Lanzhou-Winter-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = StringIO()
    call_command("setup_institution", "--code", "X", "--name-zh", "某", "--admin", "a", stdout=StringIO(), stderr=err)
    assert "differ" in err.getvalue()
    assert User.objects.get(username="a").check_password("Lanzhou-Winter-2026")


def test_load_demo_refuses_a_database_with_a_real_institution(tmp_path):
    setup(tmp_path)
    with pytest.raises(CommandError, match="holds the institution 10730, not the demo"):
        call_command("load_demo", stdout=StringIO())
    assert not Institution.objects.filter(code=DEMO_CODE).exists()
    # --if-empty (what `make setup` runs) does nothing, quietly.
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue() and "10730" in out.getvalue()
    assert "admin / admin" not in out.getvalue()  # no demo accounts offered for a real office
    assert not Institution.objects.filter(code=DEMO_CODE).exists()


def test_the_sign_in_page_of_an_empty_database_says_what_to_run(client):
    page = client.get("/login/").content.decode()
    assert "setup_institution" in page and "make run" in page


def test_the_sign_in_page_says_nothing_of_it_once_an_institution_exists(tmp_path, client):
    setup(tmp_path)
    assert "setup_institution" not in client.get("/login/").content.decode()
