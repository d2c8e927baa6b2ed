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

from audit.models import AuditEvent

EVENT_LABELS = {
    "appointment.admitted": gettext_lazy("Admitted"),
    "appointment.entered": gettext_lazy("Entered the station"),
    "appointment.extended": gettext_lazy("Extended"),
    "appointment.exited": gettext_lazy("Exited the station"),
    "appointment.withdrawn": gettext_lazy("Withdrew from the station"),
    "appointment.transferred": gettext_lazy("Transferred to another station"),
    "appointment.phd_certificate": gettext_lazy("PhD certificate recorded"),
    "appointment.imported": gettext_lazy("Imported from a workbook"),
    "appointment.corrected": gettext_lazy("Details corrected"),
    "person.changed": gettext_lazy("Personal details changed"),
    "assessment.recorded": gettext_lazy("Assessment recorded"),
    "project.recorded": gettext_lazy("Project recorded"),
    "person.created": gettext_lazy("Postdoc registered"),
    "person.id_revealed": gettext_lazy("Full ID number shown"),
    "account.linked": gettext_lazy("Sign-in account linked"),
    "station.created": gettext_lazy("Station set up"),
    "station.changed": gettext_lazy("Station changed"),
    "station.status_changed": gettext_lazy("Station status changed"),
    "station.application_noted": gettext_lazy("Establishment application noted"),
    "round.created": gettext_lazy("Application round set up"),
    "round.changed": gettext_lazy("Application round changed"),
    "application.created": gettext_lazy("Establishment application started"),
    "application.changed": gettext_lazy("Establishment application changed"),
    "application.review_started": gettext_lazy("Internal expert review started"),
    "application.review_supported": gettext_lazy("Internal expert review: supported"),
    "application.review_not_supported": gettext_lazy("Internal expert review: not supported"),
    "application.review_decided": gettext_lazy("Internal expert review decided"),
    "application.submitted": gettext_lazy("Application submitted"),
    "application.approved": gettext_lazy("Application approved"),
    "application.rejected": gettext_lazy("Application rejected"),
    "application.withdrawn": gettext_lazy("Application withdrawn"),
    "document.added": gettext_lazy("Document added"),
    "document.removed": gettext_lazy("Document removed"),
    "evaluation.created": gettext_lazy("Evaluation started"),
    "evaluation.recomputed": gettext_lazy("Indicators recomputed"),
    "evaluation.graded": gettext_lazy("Grade recorded"),
    "evaluation.acted": gettext_lazy("Action decided"),
    "review.created": gettext_lazy("Expert review started"),
    "review.panel_drawn": gettext_lazy("Panel drawn"),
    "review.member_added": gettext_lazy("Expert added to the panel"),
    "review.member_removed": gettext_lazy("Expert removed from the panel"),
    "review.member_declined": gettext_lazy("Expert declined"),
    "review.member_replaced": gettext_lazy("Replacement drawn"),
    "review.opened": gettext_lazy("Review opened for scoring"),
    "review.invitations_sent": gettext_lazy("Invitations sent"),
    "review.scores_submitted": gettext_lazy("Scores submitted"),
    "review.closed": gettext_lazy("Review closed"),
    "review.decided": gettext_lazy("Review decided"),
    "review.reminders_sent": gettext_lazy("Review reminders sent"),
    "expert.created": gettext_lazy("Expert added to the pool"),
    "expert.changed": gettext_lazy("Expert changed"),
    "expert.relation_recorded": gettext_lazy("Conflict relation recorded"),
    "review_form.created": gettext_lazy("Review form created"),
    "review_rules.saved": gettext_lazy("Panel rules saved"),
    "funding_rules.saved": gettext_lazy("Funding rules saved"),
    "amount_style.saved": gettext_lazy("Way of writing amounts changed"),
    "funder.created": gettext_lazy("Funder added"),
    "funder.changed": gettext_lazy("Funder changed"),
    "programme.created": gettext_lazy("Funding programme added"),
    "programme.changed": gettext_lazy("Funding programme changed"),
    "gradeamount.created": gettext_lazy("Amount per grade added"),
    "gradeamount.changed": gettext_lazy("Amount per grade changed"),
    "level_rule.saved": gettext_lazy("Level mapping changed"),
    "level_rule.removed": gettext_lazy("Level mapping rule removed"),
    "level_rules.defaulted": gettext_lazy("Level mapping set to the defaults"),
    "project.applied": gettext_lazy("Project application recorded"),
    "project.awarded": gettext_lazy("Project awarded"),
    "project.rejected": gettext_lazy("Project application rejected"),
    "project.completed": gettext_lazy("Project completed"),
    "project.terminated": gettext_lazy("Project terminated"),
    "project.changed": gettext_lazy("Project corrected"),
    "host_name.added": gettext_lazy("Name in funders' lists added"),
    "host_name.removed": gettext_lazy("Name in funders' lists removed"),
    "batch_list.uploaded": gettext_lazy("Funder's award list uploaded"),
    "batch_row.chosen": gettext_lazy("Award list row matched by hand"),
    "batch_list.confirmed": gettext_lazy("Funder's award list confirmed"),
    "batch_list.discarded": gettext_lazy("Funder's award list discarded"),
    "output.recorded": gettext_lazy("Research output recorded"),
    "output.imported": gettext_lazy("Research output imported"),
    "output.changed": gettext_lazy("Research output changed"),
    "output.removed": gettext_lazy("Research output removed"),
    "discipline.created": gettext_lazy("Discipline added"),
    "discipline.changed": gettext_lazy("Discipline changed"),
    "unit.created": gettext_lazy("Unit added"),
    "unit.changed": gettext_lazy("Unit changed"),
    "doctoralright.created": gettext_lazy("Doctoral degree right recorded"),
    "doctoralright.changed": gettext_lazy("Doctoral degree right changed"),
    "supervisor.created": gettext_lazy("Supervisor added"),
    "supervisor.changed": gettext_lazy("Supervisor's details changed"),
    "supervisor.moved": gettext_lazy("Supervisor moved to another station or unit"),
    "supervisor.deactivated": gettext_lazy("Supervisor deactivated"),
    "supervisor.reactivated": gettext_lazy("Supervisor reactivated"),
    "supervisor.deleted": gettext_lazy("Supervisor deleted"),
    "person.id_corrected": gettext_lazy("ID number corrected"),
    "institution.set_up": gettext_lazy("Institution set up"),
    "user.created": gettext_lazy("User created"),
    "role.assigned": gettext_lazy("Role assigned"),
    "role.removed": gettext_lazy("Role removed"),
    "user.changed": gettext_lazy("Account details changed"),
    "user.signed_in": gettext_lazy("Signed in"),
    "user.sign_in_failed": gettext_lazy("Sign-in failed"),
    "user.signed_out": gettext_lazy("Signed out"),
    "user.signed_out_everywhere": gettext_lazy("Signed out everywhere"),
    "user.password_changed": gettext_lazy("Password changed"),
    "user.password_link_sent": gettext_lazy("Link to set a password sent"),
    "user.password_set": gettext_lazy("Password set through a link"),
    "user.deactivated": gettext_lazy("Account deactivated"),
    "user.reactivated": gettext_lazy("Account reactivated"),
    "user.lockout_lifted": gettext_lazy("Sign-in lock lifted"),
    "account.unlinked": gettext_lazy("Sign-in account unlinked"),
    "api_token.created": gettext_lazy("API token created"),
    "api_token.revoked": gettext_lazy("API token revoked"),
    "import_job.created": gettext_lazy("Workbook uploaded for import"),
    "import_job.confirmed": gettext_lazy("Workbook import confirmed"),
    "import_job.upload_removed": gettext_lazy("Uploaded workbook removed after the keeping time"),
    "exchange.exported_with_ids": gettext_lazy("Workbook exported with full ID numbers"),
    "dataset.generated": gettext_lazy("Test dataset generated"),
    "reminders.sent": gettext_lazy("Due-date reminders sent"),
    "backup.restored": gettext_lazy("Database restored from a backup"),
}

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
        "what": EVENT_LABELS.get(event.event, event.event),
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
