"""The timeline of a record: its audit events and those of the records that belong to it."""

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from audit.events import event_label
from audit.models import AuditEvent

# Keys of events' data that are no field of the record (a draw's, a submission's), as words.
_KEY_LABELS = {
    "seed": gettext_lazy("draw seed"),
    "round": gettext_lazy("draw round"),
    "candidates": gettext_lazy("eligible experts"),
    "drawn": gettext_lazy("experts drawn"),
    "external_seats": gettext_lazy("external seats to fill"),
    "replaces": gettext_lazy("replaces"),
    "scores": gettext_lazy("scores by criterion"),
    "criteria": gettext_lazy("criteria"),
    "disciplines": gettext_lazy("disciplines of expertise"),
    "applied": gettext_lazy("applied to the subject"),
    "declared_conflict": gettext_lazy("declared conflict"),
    "projects_moved": gettext_lazy("projects moved between levels"),
    "address": gettext_lazy("address"),
    "browser": gettext_lazy("browser"),
    "locked": gettext_lazy("locked after repeated failures"),
    "sessions_ended": gettext_lazy("sessions ended"),
    "failed_attempts_forgotten": gettext_lazy("failed sign-ins forgotten"),
    "records": gettext_lazy("linked records"),
    "new_account": gettext_lazy("new account"),
    "rules": gettext_lazy("rules"),
    "overall": gettext_lazy("overall opinion"),
    "comments": gettext_lazy("comments"),
}

# Keys of events' data that hold ids of records (no field says so): the records' model. A list of
# ids (`drawn`), one id (`replaces`), or a mapping keyed by ids (`scores`: criterion id → score).
_ID_KEYS = {
    "candidates": "reviews.expert",
    "drawn": "reviews.expert",
    "replaces": "reviews.member",
    "scores": "reviews.criterion",
}

# Who sits on a panel is named only for readers who may see that panel (reviews/access.py): the
# caller says so with `names_experts`; everyone else reads "an expert", never an id.
_PANEL_MODELS = {"reviews.expert", "reviews.member"}

# What the names of some records are made of, fetched with them (no query per record).
_SELECT_RELATED = {
    "appointments.appointment": ("person",),
    "reviews.member": ("expert",),
    "reviews.relation": ("expert", "person", "supervisor", "unit"),
    "stations.evaluation": ("station",),
    "funding.programme": ("funder",),
    "funding.levelrule": ("funder", "programme", "programme__funder"),
    "catalogue.doctoralright": ("institution", "discipline"),
    "accounts.roleassignment": ("user", "station"),
}

# Bookkeeping fields that say nothing a reader of the timeline needs.
_QUIET_FIELDS = {
    "id",
    "created_at",
    "created_by",
    "recorded_at",
    "recorded_by",
    "granted_at",
    "granted_by",
    "institution",
    "appointment",
    "holder",
    "person",
    "user",
    "policy_exceptions",
}


def timeline(*records: models.Model, names_experts: bool = False) -> list[dict[str, Any]]:
    """Events about the records and the records that belong to them, newest first, told readably:
    people and records by their names (one query per kind of record named, whatever the number of
    events), never ids. `names_experts`: the reader may see who sits on the panels these events
    are about (reviews.access.sees_panel); otherwise experts are "an expert"."""
    events = AuditEvent.objects.none()
    for record in records:
        events = events | AuditEvent.objects.for_record(record)
    found = list(events.select_related("actor").order_by("-occurred_at", "-id"))
    names = _Names(names_experts)
    for event in found:
        names.collect(event)
    names.fetch()
    return [_describe(event, names) for event in found]


class _Names:
    """The names of the records events refer to by id: gathered from every event first, then
    fetched with one query per model."""

    def __init__(self, names_experts: bool) -> None:
        self.names_experts = names_experts
        self.wanted: dict[str, set[str]] = {}
        self.found: dict[str, dict[str, models.Model]] = {}

    def collect(self, event: AuditEvent) -> None:
        model = _model_of(event.target_type)
        for name, before, after in event.changes:
            label = _related_label(model, name)
            if label is None or (label in _PANEL_MODELS and not self.names_experts):
                continue
            for value in (before, after):
                self.wanted.setdefault(label, set()).update(_ids_in(value))

    def fetch(self) -> None:
        for label, ids in self.wanted.items():
            model = _model_of(label)
            if model is None or not ids:
                continue
            keys = [key for key in ids if key.isdigit()] if _integer_pk(model) else list(ids)
            queryset = model._default_manager.filter(pk__in=keys)
            if label in _SELECT_RELATED:
                queryset = queryset.select_related(*_SELECT_RELATED[label])
            self.found[label] = {str(record.pk): record for record in queryset}

    def name(self, label: str, key: object) -> str:
        if label in _PANEL_MODELS and not self.names_experts:
            return _("an expert")
        record = self.found.get(label, {}).get(str(key))
        if record is None:
            return _("a record since removed")
        return _name_of(record)


def _related_label(model: type[models.Model] | None, name: str) -> str | None:
    """The model whose ids a change's value holds (`reviews.expert`), if it holds ids."""
    if name in _ID_KEYS:
        return _ID_KEYS[name]
    field = _field_of(model, name)
    if isinstance(field, models.ForeignKey):
        return str(field.related_model._meta.label_lower)
    return None


def _ids_in(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, int | str)]
    return [str(value)]


def _integer_pk(model: type[models.Model]) -> bool:
    return isinstance(model._meta.pk, models.IntegerField | models.AutoField)


def _name_of(record: models.Model) -> str:
    """A person by their name (an account by its owner's name), any other record as it names itself."""
    if isinstance(record, AbstractUser):  # the account model (settings.AUTH_USER_MODEL)
        return record.get_full_name() or record.get_username()
    if record._meta.label_lower == "reviews.member":
        # A panel member, named by its expert: `audit` sits below `reviews` and cannot name the model.
        return _name_of(record.expert)  # type: ignore[attr-defined]
    return str(record)


def actor_name(event: AuditEvent) -> str:
    """Who did it: the account's owner by name, else the name recorded (a command, a deleted account)."""
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor_label
    return event.actor_label


def _describe(event: AuditEvent, names: _Names) -> dict[str, Any]:
    model = _model_of(event.target_type)
    created = event.before is None
    changes = []
    for name, before, after in sorted(event.changes, key=lambda change: _field_position(model, change[0])):
        if name in _QUIET_FIELDS:
            continue
        field = _field_of(model, name)
        if created and not after:
            continue  # a new record: its facts, not its empty fields
        changes.append(
            {
                "label": capfirst(field.verbose_name) if field is not None else capfirst(_KEY_LABELS.get(name, name)),
                # No "before" for a new record or a field set for the first time: just the value.
                "before": None if created or before in (None, "") else _display(model, name, field, before, names),
                "after": _display(model, name, field, after, names),
            }
        )
    return {
        "event": event,
        "what": event_label(event.event),
        "who": actor_name(event),
        "created": created,
        "changes": changes,
        "exceptions": (event.after or {}).get("policy_exceptions", []),
    }


def _model_of(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_position(model: type[models.Model] | None, name: str) -> int:
    """Fields in the order the model declares them (the order of its forms)."""
    names = [field.name for field in model._meta.concrete_fields] if model is not None else []
    return names.index(name) if name in names else len(names)


def _field_of(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A reverse relation (a submission's "scores", a form's "criteria") is no column: told by name.
    return field if isinstance(field, models.Field) else None


def _display(model: type[models.Model] | None, name: str, field: Any, value: object, names: _Names) -> str:
    if value is None or value == "":
        return "—"
    related = _related_label(model, name)
    if related is not None:
        return _display_related(related, value, names)
    if field is not None and field.choices and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField) or isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField):
        return str(value)[:16].replace("T", " ")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return date_format(day) if isinstance(day, dt.date) else value
    return _readable(value)


def _display_related(label: str, value: object, names: _Names) -> str:
    """Ids told as the records' names; a panel hidden from the reader as a number of experts."""
    hidden = label in _PANEL_MODELS and not names.names_experts
    if isinstance(value, dict):  # scores by criterion
        return pgettext("list separator between groups", "; ").join(
            f"{names.name(label, key)}: {_readable(score)}" for key, score in value.items()
        )
    if isinstance(value, list | tuple):
        if hidden:
            return ngettext("%(count)d expert", "%(count)d experts", len(value)) % {"count": len(value)}
        return pgettext("list separator", ", ").join(names.name(label, key) for key in value)
    return names.name(label, value)


def _readable(value: object) -> str:
    """A value of an event's data as words: lists and mappings without brackets, quotes or braces."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return pgettext("list separator between groups", "; ").join(
            f"{key}: {_readable(item)}" for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        if value and all(isinstance(item, list | tuple) for item in value):
            return pgettext("list separator between groups", "; ").join(
                " · ".join(_readable(part) for part in item) for item in value
            )
        separator = (
            pgettext("list separator between groups", "; ")
            if any(isinstance(item, dict) for item in value)
            else pgettext("list separator", ", ")
        )
        return separator.join(_readable(item) for item in value) if value else "—"
    return str(value)
