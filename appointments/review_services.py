"""A decided review of an appointment (a postdoc assessment or an extension), applied through the
appointment services: registered in apps.py with core.review_subjects."""

from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from appointments.models import Appointment, Assessment, Grade, Policy
from appointments.rules import policy_for
from appointments.services import appointment_extend, appointment_withdraw, assessment_record
from audit.events import Event
from core.errors import require as _require
from core.review_subjects import DecidedReview


def appointment_review_take(subject: Any) -> tuple[Appointment, int]:
    """The appointment a postdoc assessment (or an extension's) reviews, as it is now: a postdoc in
    station."""
    _require(isinstance(subject, Appointment), _("A postdoc assessment reviews an appointment."), "subject")
    subject = Appointment.objects.select_related("station", "person").get(pk=subject.pk)  # as it is now
    _require(subject.is_live, _("Assessments are held for postdocs in station."), "subject")
    return subject, subject.institution_id


def extension_review_apply(decided: DecidedReview, *, by: User) -> str:
    """A supported extension review extends the appointment to the new planned exit the office gives."""
    if not decided.supported:
        return "extension.refused"
    _require(decided.new_exit_date is not None, _("Give the new planned exit of the extension."), "new_exit_date")
    assert decided.new_exit_date is not None
    appointment_extend(appointment=decided.subject, until=decided.new_exit_date, reason=decided.reason, by=by)
    return Event.APPOINTMENT_EXTENDED


def assessment_review_apply(decided: DecidedReview, *, by: User) -> str:
    """Records the review's grade as the assessment; a failed mid-term or exit assessment withdraws
    the postdoc when the institution's policy says so, or at the second attempt."""
    appointment = decided.subject
    assessment_record(
        appointment=appointment,
        kind=Assessment.Kind(decided.kind),
        held_on=decided.decided_on,
        grade=decided.decision,
        panel=decided.panel(),
        comments=decided.reason,
        by=by,
    )
    if decided.decision != Grade.FAIL or decided.kind not in (Assessment.Kind.MIDTERM, Assessment.Kind.EXIT):
        return Event.ASSESSMENT_RECORDED
    policy = policy_for(appointment.institution_id)
    if policy.failed_assessment == Policy.FailedAssessment.WITHDRAWAL or decided.attempt >= 2:
        appointment_withdraw(
            appointment=appointment,
            on=decided.decided_on,
            ground=Appointment.WithdrawalGround.FAILED_ASSESSMENT,
            note=decided.reason,
            by=by,
        )
        return Event.APPOINTMENT_WITHDRAWN
    return "assessment.recorded; a second attempt follows"
