"""Linking a sign-in account to the supervisor or postdoc record it belongs to, and unlinking it.

The account lives in `accounts`, which may not import the records (docs/decisions/0028): what ties
the two together belongs here, above both.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import Role, User
from accounts.services import require_account_admin
from audit.events import Event
from audit.services import record_event
from core.errors import DomainError, require
from people.models import Person, Supervisor


@transaction.atomic
def account_link(
    *, user: User, by: User | None, supervisor: Supervisor | None = None, person: Person | None = None
) -> User:
    """Links a sign-in account to the supervisor or postdoc record it belongs to."""
    if by is not None and not (getattr(by, "is_superuser", False) or by.roles.filter(role=Role.ADMIN).exists()):
        raise DomainError(_("Only an office administrator can link accounts."))
    record = supervisor if supervisor is not None else person
    if record is None or (supervisor is not None and person is not None):
        raise DomainError(_("Link the account to one supervisor or one postdoc."))
    if record.institution_id != user.institution_id:
        raise DomainError(_("The account and the record belong to different institutions."))
    before = {"user": record.user_id}
    record.user = user
    record.save(update_fields=["user"])
    record_event(
        actor=by or user,
        event=Event.ACCOUNT_LINKED,
        target=record,
        before=before,
        after={"user": user.pk},
        institution=user.institution,
    )
    return user


@transaction.atomic
def account_unlink(*, user: User, by: Actor) -> User:
    """Unlinks the account from the supervisor or postdoc record it was linked to; the record and
    everything the account did stay as they are."""
    require_account_admin(by, user)
    records: list[Supervisor | Person] = [*Supervisor.objects.filter(user=user), *Person.objects.filter(user=user)]
    require(bool(records), _("The account is not linked to a supervisor or a postdoc."))
    for record in records:
        record.user = None
        record.save(update_fields=["user"])
    record_event(
        actor=by,
        event=Event.ACCOUNT_UNLINKED,
        target=user,
        before={"records": [str(record) for record in records]},
        after={"records": []},
        institution=user.institution,
    )
    return user
