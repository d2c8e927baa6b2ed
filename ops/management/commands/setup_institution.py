"""How an installation of one's own begins: the institution and its first office administrator."""

import getpass
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.urls import reverse

from accounts.models import User
from catalogue.models import Institution
from core.errors import DomainError
from ops.institutions import institution_set_up


class Command(BaseCommand):
    help = (
        "Creates your institution and its first office administrator (who then creates every other "
        "account on the Users page). The password is asked twice on the terminal, or read from --password-file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="the institution's code, e.g. its MOE code 10635 (unique)")
        parser.add_argument("--name-zh", required=True, help="the institution's name in Chinese")
        parser.add_argument("--name-en", default="", help="the institution's name in English")
        parser.add_argument(
            "--kind", default=Institution.Kind.UNIVERSITY, choices=Institution.Kind.values, help="default university"
        )
        parser.add_argument("--province", default="", help="the province, e.g. 重庆")
        parser.add_argument("--admin", required=True, help="the user name of the first office administrator")
        parser.add_argument("--email", default="", help="the administrator's email address (for password links)")
        parser.add_argument(
            "--password-file",
            help="read the administrator's password from this file's first line (for scripts; keep it private)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code, name_zh, username = options["code"].strip(), options["name_zh"].strip(), options["admin"].strip()
        email = options["email"].strip()
        self._check_lengths(code=code, name_zh=name_zh, options=options)
        if not code or not name_zh or not username:
            raise CommandError("--code, --name-zh and --admin must not be blank.")
        # Refuse early, before asking for a password the set-up could not use.
        if Institution.objects.filter(code=code).exists():
            raise CommandError(f"An institution with the code {code} exists already; nothing was changed.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The user name {username} is taken; nothing was changed.")
        try:
            User._meta.get_field("username").run_validators(username)
            if email:
                validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        password = self._password(options.get("password_file"), User(username=username, email=email))
        try:
            institution, admin = institution_set_up(
                code=code,
                name_zh=name_zh,
                name_en=options["name_en"].strip(),
                kind=options["kind"],
                province=options["province"].strip(),
                admin_username=username,
                admin_password=password,
                email=email,
            )
        except DomainError as error:
            raise CommandError(f"{error.message} Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS(f"Set up {institution.name_zh} ({institution.code})."))
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}{reverse('login')} as {admin.username} (office administrator), "
            "then create the other accounts on the Users page, and import your exchange workbook "
            "(Import) or enter stations, supervisors and postdocs on their pages."
        )

    def _check_lengths(self, *, code: str, name_zh: str, options: dict[str, Any]) -> None:
        for option, value, field in (
            ("--code", code, "code"),
            ("--name-zh", name_zh, "name_zh"),
            ("--name-en", options["name_en"].strip(), "name_en"),
            ("--province", options["province"].strip(), "province"),
        ):
            limit = getattr(Institution._meta.get_field(field), "max_length", None)
            if limit and len(value) > limit:
                raise CommandError(f"{option} is at most {limit} characters long ({len(value)} given).")
        limit = User._meta.get_field("username").max_length or 150
        if len(options["admin"].strip()) > limit:
            raise CommandError(f"--admin is at most {limit} characters long.")

    def _password(self, path: str | None, user: User) -> str:
        if path:
            try:
                lines = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read the password file {path}: {error.strerror}.") from None
            password = lines[0] if lines else ""
            self._validate(password, user)
            return password
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask the password on: give it with --password-file.")
        for _attempt in range(3):
            password = getpass.getpass("Password for the office administrator: ")
            if password != getpass.getpass("The same password again: "):
                self.stderr.write("The two passwords differ; try again.")
                continue
            try:
                self._validate(password, user)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password
        raise CommandError("No password was set; nothing was changed.")

    def _validate(self, password: str, user: User) -> None:
        if not password:
            raise CommandError("The password is empty.")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError("The password is refused: " + " ".join(error.messages)) from None
