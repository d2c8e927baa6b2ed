"""The timeline of a record: its audit events and those of the records that belong to it."""

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    "exchange.exported_with_ids": gettext_lazy("Workbook exported with full ID numbers"),
    "dataset.generated": gettext_lazy("Test dataset generated"),
    "reminders.sent": gettext_lazy("Due-date reminders sent"),
}

# Keys of events' data that are no field of the record (a draw's, a submission's), as words.
_KEY_LABELS = {
    "seed": gettext_lazy("draw seed"),
    "round": gettext_lazy("draw round"),
    "candidates": gettext_lazy("eligible experts (ids)"),
    "drawn": gettext_lazy("experts drawn (ids)"),
    "external_seats": gettext_lazy("external seats to fill"),
    "replaces": gettext_lazy("replaces (panel seat id)"),
    "scores": gettext_lazy("scores by criterion (criterion id: score)"),
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


def timeline(*records: models.Model) -> list[dict[str, Any]]:
    """Events about the records and the records that belong to them, newest first, told readably."""
    events = AuditEvent.objects.none()
    for record in records:
        events = events | AuditEvent.objects.for_record(record)
    return [_describe(event) for event in events.order_by("-occurred_at", "-id")]


def _describe(event: AuditEvent) -> dict[str, Any]:
    model = _model_of(event.target_type)
    created = event.before is None
    changes = []
    for name, before, after in sorted(event.changes, key=lambda change: _field_position(model, change[0])):
        if name in _QUIET_FIELDS:
            continue
        field = _field_of(model, name)
        if created and (not after or isinstance(field, models.ForeignKey)):
            continue  # a new record: its facts, not its empty fields and links
        changes.append(
            {
                "label": capfirst(field.verbose_name) if field is not None else capfirst(_KEY_LABELS.get(name, name)),
                # No "before" for a new record or a field set for the first time: just the value.
                "before": None if created or before in (None, "") else _display(field, before),
                "after": _display(field, after),
            }
        )
    return {
        "event": event,
        "what": EVENT_LABELS.get(event.event, event.event),
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


def _display(field: Any, value: object) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField):
        return str(value)[:16].replace("T", " ")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return date_format(day) if isinstance(day, dt.date) else value
    if isinstance(field, models.ForeignKey):
        return f"#{value}"
    return str(value)
