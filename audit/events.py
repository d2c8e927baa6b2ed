"""The audit events the services write, each with its label: one enum.

An event's name was a free string at every `record_event` and its label an entry in a separate
dict, kept in step by a test that scanned the source with a regex (and missed every name built at
run time). As one enum, a mistyped name is a type error for mypy, and every event has its label by
construction. A member's value is the name stored in `AuditEvent.event`, never to be changed:
the rows already written keep matching. Rows may still hold a name that is no member (a record of
an older version): `event_label` tells those by their raw name.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """One member per audit event, grouped by the app that writes it."""

    # appointments
    APPOINTMENT_ADMITTED = "appointment.admitted", _("Admitted")
    APPOINTMENT_ENTERED = "appointment.entered", _("Entered the station")
    APPOINTMENT_EXTENDED = "appointment.extended", _("Extended")
    APPOINTMENT_EXITED = "appointment.exited", _("Exited the station")
    APPOINTMENT_WITHDRAWN = "appointment.withdrawn", _("Withdrew from the station")
    APPOINTMENT_TRANSFERRED = "appointment.transferred", _("Transferred to another station")
    APPOINTMENT_PHD_CERTIFICATE = "appointment.phd_certificate", _("PhD certificate recorded")
    APPOINTMENT_IMPORTED = "appointment.imported", _("Imported from a workbook")
    APPOINTMENT_CORRECTED = "appointment.corrected", _("Details corrected")
    POLICY_CREATED = "policy.created", _("Policy added")
    POLICY_CHANGED = "policy.changed", _("Policy changed")
    ASSESSMENT_RECORDED = "assessment.recorded", _("Assessment recorded")
    REMINDERS_SENT = "reminders.sent", _("Due-date reminders sent")
    # people
    PERSON_CHANGED = "person.changed", _("Personal details changed")
    PERSON_CREATED = "person.created", _("Postdoc registered")
    PERSON_ID_REVEALED = "person.id_revealed", _("Full ID number shown")
    ACCOUNT_LINKED = "account.linked", _("Sign-in account linked")
    SUPERVISOR_CREATED = "supervisor.created", _("Supervisor added")
    SUPERVISOR_CHANGED = "supervisor.changed", _("Supervisor's details changed")
    SUPERVISOR_MOVED = "supervisor.moved", _("Supervisor moved to another station or unit")
    SUPERVISOR_DEACTIVATED = "supervisor.deactivated", _("Supervisor deactivated")
    SUPERVISOR_REACTIVATED = "supervisor.reactivated", _("Supervisor reactivated")
    SUPERVISOR_DELETED = "supervisor.deleted", _("Supervisor deleted")
    PERSON_ID_CORRECTED = "person.id_corrected", _("ID number corrected")
    ACCOUNT_UNLINKED = "account.unlinked", _("Sign-in account unlinked")
    # funding
    PROJECT_RECORDED = "project.recorded", _("Project recorded")
    FUNDING_RULES_SAVED = "funding_rules.saved", _("Funding rules saved")
    AMOUNT_STYLE_SAVED = "amount_style.saved", _("Way of writing amounts changed")
    FUNDER_CREATED = "funder.created", _("Funder added")
    FUNDER_CHANGED = "funder.changed", _("Funder changed")
    PROGRAMME_CREATED = "programme.created", _("Funding programme added")
    PROGRAMME_CHANGED = "programme.changed", _("Funding programme changed")
    GRADEAMOUNT_CREATED = "gradeamount.created", _("Amount per grade added")
    GRADEAMOUNT_CHANGED = "gradeamount.changed", _("Amount per grade changed")
    LEVEL_RULE_SAVED = "level_rule.saved", _("Level mapping changed")
    LEVEL_RULE_REMOVED = "level_rule.removed", _("Level mapping rule removed")
    LEVEL_RULES_DEFAULTED = "level_rules.defaulted", _("Level mapping set to the defaults")
    PROJECT_APPLIED = "project.applied", _("Project application recorded")
    PROJECT_AWARDED = "project.awarded", _("Project awarded")
    PROJECT_REJECTED = "project.rejected", _("Project application rejected")
    PROJECT_COMPLETED = "project.completed", _("Project completed")
    PROJECT_TERMINATED = "project.terminated", _("Project terminated")
    PROJECT_CHANGED = "project.changed", _("Project corrected")
    # stations
    STATION_CREATED = "station.created", _("Station set up")
    STATION_CHANGED = "station.changed", _("Station changed")
    STATION_STATUS_CHANGED = "station.status_changed", _("Station status changed")
    STATION_APPLICATION_NOTED = "station.application_noted", _("Establishment application noted")
    # establishment: applications for a new station
    ROUND_CREATED = "round.created", _("Application round set up")
    ROUND_CHANGED = "round.changed", _("Application round changed")
    APPLICATION_CREATED = "application.created", _("Establishment application started")
    APPLICATION_CHANGED = "application.changed", _("Establishment application changed")
    APPLICATION_REVIEW_STARTED = "application.review_started", _("Internal expert review started")
    APPLICATION_REVIEW_SUPPORTED = "application.review_supported", _("Internal expert review: supported")
    APPLICATION_REVIEW_NOT_SUPPORTED = "application.review_not_supported", _("Internal expert review: not supported")
    APPLICATION_REVIEW_DECIDED = "application.review_decided", _("Internal expert review decided")
    APPLICATION_SUBMITTED = "application.submitted", _("Application submitted")
    APPLICATION_APPROVED = "application.approved", _("Application approved")
    APPLICATION_REJECTED = "application.rejected", _("Application rejected")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("Application withdrawn")
    DOCUMENT_ADDED = "document.added", _("Document added")
    DOCUMENT_REMOVED = "document.removed", _("Document removed")
    # establishment: evaluations of stations
    EVALUATION_CREATED = "evaluation.created", _("Evaluation started")
    EVALUATION_RECOMPUTED = "evaluation.recomputed", _("Indicators recomputed")
    EVALUATION_GRADED = "evaluation.graded", _("Grade recorded")
    EVALUATION_ACTED = "evaluation.acted", _("Action decided")
    # reviews
    REVIEW_CREATED = "review.created", _("Expert review started")
    REVIEW_PANEL_DRAWN = "review.panel_drawn", _("Panel drawn")
    REVIEW_MEMBER_ADDED = "review.member_added", _("Expert added to the panel")
    REVIEW_MEMBER_REMOVED = "review.member_removed", _("Expert removed from the panel")
    REVIEW_MEMBER_DECLINED = "review.member_declined", _("Expert declined")
    REVIEW_MEMBER_REPLACED = "review.member_replaced", _("Replacement drawn")
    REVIEW_OPENED = "review.opened", _("Review opened for scoring")
    REVIEW_INVITATIONS_SENT = "review.invitations_sent", _("Invitations sent")
    REVIEW_SCORES_SUBMITTED = "review.scores_submitted", _("Scores submitted")
    REVIEW_CLOSED = "review.closed", _("Review closed")
    REVIEW_DECIDED = "review.decided", _("Review decided")
    REVIEW_REMINDERS_SENT = "review.reminders_sent", _("Review reminders sent")
    EXPERT_CREATED = "expert.created", _("Expert added to the pool")
    EXPERT_CHANGED = "expert.changed", _("Expert changed")
    EXPERT_RELATION_RECORDED = "expert.relation_recorded", _("Conflict relation recorded")
    REVIEW_FORM_CREATED = "review_form.created", _("Review form created")
    REVIEW_RULES_SAVED = "review_rules.saved", _("Panel rules saved")
    # awardlists
    HOST_NAME_ADDED = "host_name.added", _("Name in funders' lists added")
    HOST_NAME_REMOVED = "host_name.removed", _("Name in funders' lists removed")
    AWARD_LIST_UPLOADED = "award_list.uploaded", _("Funder's award list uploaded")
    AWARD_LIST_ROW_CHOSEN = "award_list_row.chosen", _("Award list row matched by hand")
    AWARD_LIST_CONFIRMED = "award_list.confirmed", _("Funder's award list confirmed")
    AWARD_LIST_DISCARDED = "award_list.discarded", _("Funder's award list discarded")
    # outputs
    OUTPUT_RECORDED = "output.recorded", _("Research output recorded")
    OUTPUT_IMPORTED = "output.imported", _("Research output imported")
    OUTPUT_CHANGED = "output.changed", _("Research output changed")
    OUTPUT_REMOVED = "output.removed", _("Research output removed")
    # catalogue
    DISCIPLINE_CREATED = "discipline.created", _("Discipline added")
    DISCIPLINE_CHANGED = "discipline.changed", _("Discipline changed")
    UNIT_CREATED = "unit.created", _("Unit added")
    UNIT_CHANGED = "unit.changed", _("Unit changed")
    DOCTORALRIGHT_CREATED = "doctoralright.created", _("Doctoral degree right recorded")
    DOCTORALRIGHT_CHANGED = "doctoralright.changed", _("Doctoral degree right changed")
    INSTITUTION_CREATED = "institution.created", _("Institution added")
    INSTITUTION_CHANGED = "institution.changed", _("Institution changed")
    # ops
    INSTITUTION_SET_UP = "institution.set_up", _("Institution set up")
    BACKUP_RESTORED = "backup.restored", _("Database restored from a backup")
    # accounts
    USER_CREATED = "user.created", _("User created")
    ROLE_ASSIGNED = "role.assigned", _("Role assigned")
    ROLE_REMOVED = "role.removed", _("Role removed")
    USER_CHANGED = "user.changed", _("Account details changed")
    USER_SIGNED_IN = "user.signed_in", _("Signed in")
    USER_SIGN_IN_FAILED = "user.sign_in_failed", _("Sign-in failed")
    USER_SIGNED_OUT = "user.signed_out", _("Signed out")
    USER_SIGNED_OUT_EVERYWHERE = "user.signed_out_everywhere", _("Signed out everywhere")
    USER_PASSWORD_CHANGED = "user.password_changed", _("Password changed")
    USER_PASSWORD_LINK_SENT = "user.password_link_sent", _("Link to set a password sent")
    USER_PASSWORD_SET = "user.password_set", _("Password set through a link")
    USER_DEACTIVATED = "user.deactivated", _("Account deactivated")
    USER_REACTIVATED = "user.reactivated", _("Account reactivated")
    USER_LOCKOUT_LIFTED = "user.lockout_lifted", _("Sign-in lock lifted")
    # api
    API_TOKEN_CREATED = "api_token.created", _("API token created")
    API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")
    # exchange
    IMPORT_JOB_CREATED = "import_job.created", _("Workbook uploaded for import")
    IMPORT_JOB_CONFIRMED = "import_job.confirmed", _("Workbook import confirmed")
    IMPORT_JOB_PREVIEW_STARTED = "import_job.preview_started", _("Workbook check started")
    IMPORT_JOB_PREVIEWED = "import_job.previewed", _("Workbook checked: ready to import")
    IMPORT_JOB_PREVIEW_FAILED = "import_job.preview_failed", _("Workbook checked: it has problems")
    IMPORT_JOB_IMPORT_STARTED = "import_job.import_started", _("Workbook import started")
    IMPORT_JOB_IMPORTED = "import_job.imported", _("Workbook imported")
    IMPORT_JOB_IMPORT_FAILED = "import_job.import_failed", _("Workbook import failed")
    IMPORT_JOB_UPLOAD_REMOVED = "import_job.upload_removed", _("Uploaded workbook removed after the keeping time")
    EXCHANGE_EXPORTED_WITH_IDS = "exchange.exported_with_ids", _("Workbook exported with full ID numbers")
    # demo
    DATASET_GENERATED = "dataset.generated", _("Test dataset generated")


def event_label(value: str) -> str:
    """What a stored event's name says to a reader: its label, or the name itself if it is no
    member (a row written by an older version)."""
    try:
        return str(Event(value).label)
    except ValueError:
        return value


def saved_event(record: models.Model, *, created: bool) -> Event:
    """The event of a generic save of a record (`discipline.created`, `funder.changed`): named after
    its model. A model without such a member raises ValueError: give it its members (and labels)
    before it is saved through a generic service."""
    return Event(f"{record._meta.model_name}.{'created' if created else 'changed'}")
