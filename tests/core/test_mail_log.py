"""The development mail backend: the log says a mail was not sent, never what it says."""

import logging
import stat

import pytest
from django.core import mail
from django.core.mail import EmailMessage

import config.settings as project_settings
from core.mail import LoggedMailBackend

LINK = "http://127.0.0.1:8000/accounts/set-password/MQ/c4x-0123456789abcdef/"


def _message() -> EmailMessage:
    return EmailMessage(
        subject="Set your password · 设置密码",
        body=f"Open {LINK} within 3 days.",
        from_email="postdoc-office@localhost",
        to=["wang.fang@example.edu"],
    )


def test_the_console_setting_uses_the_logged_backend():
    assert project_settings._MAIL_BACKENDS["console"] == "core.mail.LoggedMailBackend"


def test_a_mail_is_logged_by_recipient_and_subject_without_its_link(tmp_path, caplog):
    backend = LoggedMailBackend(directory=tmp_path / "mail")
    with caplog.at_level(logging.WARNING, logger="core.mail"):
        assert backend.send_messages([_message()]) == 1
    [record] = caplog.records
    line = record.getMessage()
    assert "wang.fang@example.edu" in line
    assert "Set your password" in line
    assert "not sent" in line
    assert "set-password" not in line
    assert "c4x-0123456789abcdef" not in caplog.text


def test_the_whole_mail_is_kept_in_a_file_only_its_owner_can_read(tmp_path, caplog):
    folder = tmp_path / "mail"
    backend = LoggedMailBackend(directory=folder)
    with caplog.at_level(logging.WARNING, logger="core.mail"):
        backend.send_messages([_message(), _message()])
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert LINK in path.read_bytes().decode()
        assert str(path) in caplog.text  # the line says where to read it


@pytest.mark.django_db
def test_mail_sent_through_the_mailers_setting_reaches_the_backend(settings, tmp_path, caplog):
    settings.MAILERS = {
        "default": {"BACKEND": "core.mail.LoggedMailBackend", "OPTIONS": {"directory": str(tmp_path / "m")}}
    }
    with caplog.at_level(logging.WARNING, logger="core.mail"):
        mail.send_mail("Review invitation", f"Score here: {LINK}", None, ["expert@example.org"])
    assert "expert@example.org" in caplog.text
    assert LINK not in caplog.text
    assert len(list((tmp_path / "m").iterdir())) == 1
