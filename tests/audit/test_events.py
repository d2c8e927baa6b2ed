"""Audit events are one enum (audit.events.Event): every member has its label in both languages,
and the code names events by member, never by a string of its own."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

import audit.events
from appointments.models import Appointment, Policy
from audit.events import Event, event_label, saved_event
from audit.models import AuditEvent
from audit.services import snapshot
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from people.models import Supervisor
from stations.models import Station


def test_every_event_has_a_chinese_label():
    with translation.override("zh-hans"):
        untranslated = [event.value for event in Event if str(event.label).isascii()]
    assert untranslated == []


def test_a_stored_name_that_is_no_event_is_told_as_it_is():
    assert event_label("appointment.renamed_long_ago") == "appointment.renamed_long_ago"
    with translation.override("en"):
        assert event_label("appointment.admitted") == "Admitted"


def test_event_names_are_unique_and_name_a_record_and_what_happened_to_it():
    # Two members with one value would silently make the second an alias of the first.
    assert len(Event.__members__) == len(set(Event.values))
    assert [value for value in Event.values if not re.fullmatch(r"[a-z_]+\.[a-z_]+", value)] == []


@pytest.mark.parametrize("model", [Discipline, Unit, DoctoralRight, Institution, Station, Supervisor, Policy])
def test_records_saved_through_reference_save_have_their_events(model):
    # catalogue.services.reference_save names the event after the model (the admin saves these).
    name = model._meta.model_name
    assert saved_event(model(), created=True) == f"{name}.created"
    assert saved_event(model(), created=False) == f"{name}.changed"


def test_a_record_without_saved_events_is_refused():
    with pytest.raises(ValueError):
        saved_event(AuditEvent(), created=True)  # no `auditevent.created`: never saved that way


STRINGS = (ast.Constant, ast.JoinedStr)
NAMES = frozenset(Event.values)
EVENTS_MODULE = Path(audit.events.__file__).resolve()


def _app_modules() -> list[Path]:
    root = Path(settings.BASE_DIR).resolve()
    paths = [Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(root)]
    return [module for path in paths for module in path.rglob("*.py") if "migrations" not in module.parts]


def _events_named_by_string(module: Path) -> list[str]:
    """`event="x.y"` or `event=f"…"`, and any string that spells a member's value (handed on
    positionally to a helper: `_record(job, by, "import_job.created", …)`)."""
    found = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "event" and isinstance(node.value, STRINGS):
            found.append(f"{module}:{node.value.lineno}")
        elif isinstance(node, ast.Constant) and node.value in NAMES:
            found.append(f"{module}:{node.lineno} {node.value}")
    return found


def test_no_app_module_names_an_event_by_a_string():
    # mypy refuses a string where an Event is due; this holds where mypy does not look (code typed
    # `Any`, or when mypy is not run).
    modules = [module for module in _app_modules() if module != EVENTS_MODULE]
    assert len(modules) > 100  # the scan reads the apps
    assert [site for module in modules for site in _events_named_by_string(module)] == []


def test_a_snapshot_reads_deferred_and_changed_values_as_the_record_gives_them(world):
    """A snapshot reads loaded values from the record itself (for speed): a deferred field is still
    fetched, a value set on the record is the one recorded, and foreign keys are ids, dates text."""
    full = snapshot(Appointment.objects.get(pk=world.appointment.pk))
    assert full["person"] == world.appointment.person_id and full["entry_date"] == "2024-03-01"
    assert snapshot(Appointment.objects.only("pk").get(pk=world.appointment.pk)) == full
    changed = Appointment.objects.get(pk=world.appointment.pk)
    changed.route = "other"
    changed.planned_exit_date = dt.date(2027, 1, 31)
    assert snapshot(changed) == {**full, "route": "other", "planned_exit_date": "2027-01-31"}
    assert snapshot(changed, fields=["route", "status"]) == {"route": "other", "status": full["status"]}


def test_a_persons_snapshot_keeps_their_names_but_not_the_search_grams_made_from_them(world):
    from people.models import Person

    person = Person.objects.get(pk=world.appointment.person_id)
    assert person.name_grams  # the database's index has them
    recorded = snapshot(person)
    assert recorded["name"] == person.name and "name_grams" not in recorded
