"""A real office starts on its own (issue 11's "done means"): set up with the command, then every
step in Chromium on the pages alone — import its workbook, create a secretary's and a supervisor's
account (each sets their password through the mailed link), correct a postdoc's ID number, revoke a
station with its date and see coverage change. No Django admin, no shell."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, User
from audit.models import AuditEvent
from catalogue.models import Institution
from exchange.layout import sheet_spec
from people.models import Person, Supervisor
from stations.models import Station
from tests.browser.test_journeys import sign_in
from tests.exchange.test_workbook import ID_A, valid_sheets, write_xlsx
from tests.factories import resident_id

pytestmark = pytest.mark.browser

OFFICE_PASSWORD = "Yuzhou-office-2026"
LINK = re.compile(r"/account/set-password/[^/\s]+/[^/\s]+/")


@pytest.fixture
def fresh_installation(transactional_db: None, settings: Any, tmp_path: Path) -> Institution:
    """What `make setup` and `setup_institution` leave: an empty database with one institution and
    its first office administrator. Background tasks run at once, in the live server's thread."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    password_file = tmp_path / "password.txt"
    password_file.write_text(OFFICE_PASSWORD + "\n", encoding="utf-8")
    call_command(
        "setup_institution",
        code="10999",
        name_zh="巴山医科大学",
        name_en="Bashan Medical University",
        province="重庆",
        admin="office",
        email="office@bashan.example",
        password_file=str(password_file),
    )
    return Institution.objects.get(code="10999")


def chinese_workbook(path: Path) -> Path:
    """The spec's example records, written as an office keeps them: Chinese sheet and column names."""
    sheets: dict[str, list[list[Any]]] = {}
    for name, rows in valid_sheets().items():
        spec = sheet_spec(name)
        assert spec is not None
        header = [spec.column(key).zh for key in rows[0]]
        sheets[spec.zh] = [header, *rows[1:]]
    return write_xlsx(path, sheets)


def set_password_through_the_mail(browser: Any, base_url: str, address: str, username: str, password: str) -> None:
    """The new person opens the link mailed to them, chooses a password and signs in with it."""
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    link = LINK.search(message.body)
    assert link, message.body
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    page = context.new_page()
    page.goto(link.group(0))
    page.fill("input[name=new_password1]", password)
    page.fill("input[name=new_password2]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    sign_in(page, username, password)
    context.close()


def create_account(
    page: Any, *, username: str, email: str, family: str, given: str, role: str, station: str = ""
) -> User:
    page.goto("/users/new/")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", email)
    page.fill("input[name=last_name]", family)
    page.fill("input[name=first_name]", given)
    page.select_option("select[name=role]", role)
    if station:
        page.select_option("select[name=station]", label=station)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return User.objects.get(username=username)


def test_an_office_sets_itself_up_and_runs_its_people_in_the_app(
    page, browser, live_server, fresh_installation, tmp_path
):
    institution = fresh_installation
    sign_in(page, "office", OFFICE_PASSWORD)

    # Its own workbook, checked first, then imported.
    page.goto("/exchange/imports/new/")
    page.set_input_files("input[type=file]", str(chinese_workbook(tmp_path / "名册.xlsx")))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    station = Station.objects.get(institution=institution, code="S0831")
    assert Person.objects.filter(institution=institution).count() == 2

    # Coverage before: the one discipline with doctoral rights has its station.
    page.goto("/stations/")
    assert page.locator(".figure dd").first.inner_text().strip().startswith("1")

    # A secretary for that station and a supervisor's account linked to their record.
    secretary = create_account(
        page,
        username="mishu",
        email="mishu@bashan.example",
        family="秦",
        given="秘书",
        role="secretary",
        station=station.name_zh,
    )
    assert list(secretary.roles.values_list("role", "station")) == [(Role.SECRETARY, station.pk)]
    supervisor_user = create_account(
        page, username="sun", email="sun@bashan.example", family="孙", given="导师", role="supervisor"
    )
    page.fill("form[action*='/link/'] input[name=supervisor]", "T900")
    with page.expect_navigation():
        page.click("form[action*='/link/'] button[type=submit]")
    assert Supervisor.objects.get(institution=institution, staff_no="T900").user == supervisor_user
    set_password_through_the_mail(browser, live_server.url, "mishu@bashan.example", "mishu", "Mishu-pass-2026")
    set_password_through_the_mail(browser, live_server.url, "sun@bashan.example", "sun", "Sun-pass-2026")

    # A postdoc's ID number was typed wrong in the office's file: corrected on the pages.
    person = Person.objects.get(institution=institution, id_number=ID_A)
    corrected = resident_id(person.birth_date, serial=977)
    page.goto(f"/people/{person.pk}/id/")
    page.fill("input[name=id_number]", corrected)
    page.fill("textarea[name=note]", "身份证号录入错误，按身份证复印件更正")
    with page.expect_navigation():
        page.click(f"form[action^='/people/{person.pk}/id/'] button[type=submit]")
    person.refresh_from_db()
    assert person.id_number == corrected
    assert AuditEvent.objects.filter(event="person.id_corrected", target_id=str(person.pk)).count() == 1

    # The station is revoked with its date and document: coverage drops from that date.
    revoked_on = timezone.localdate() - dt.timedelta(days=30)
    page.goto(f"/stations/{station.pk}/status/")
    page.check("input[name=status][value=revoked]")
    page.fill("input[name=on]", revoked_on.isoformat())
    page.fill("input[name=revocation_no]", "人社厅函〔2026〕12号")
    page.fill("textarea[name=note]", "综合评估不合格，整改期满未达标")
    page.click(f"form[action='/stations/{station.pk}/status/'] button[type=submit]")
    page.get_by_text("人社厅函〔2026〕12号").wait_for()  # the confirmation repeats what will be recorded
    with page.expect_navigation():
        page.click("button.button--danger")
    station.refresh_from_db()
    assert (station.status, station.revoked_on) == (Station.Status.REVOKED, revoked_on)
    page.goto("/stations/")
    coverage = page.locator(".figure").first.inner_text()
    assert page.locator(".figure dd").first.inner_text().strip().startswith("0")
    assert "0831" in coverage
