from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment, User
from audit.services import record_event, snapshot
from catalogue.models import Institution
from core.errors import DomainError
from stations.models import Station


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    institution: Institution | None,
    by: Any,
    is_staff: bool = False,
    is_superuser: bool = False,
    **details: Any,
) -> User:
    """Creates a sign-in account. `by` is None only for the first account a set-up creates."""
    if by is not None and not (getattr(by, "is_superuser", False) or by.roles.filter(role=Role.ADMIN).exists()):
        raise DomainError(_("Only an office administrator can create accounts."))
    if User.objects.filter(username=username).exists():
        raise DomainError(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    user = User(username=username, institution=institution, is_staff=is_staff, is_superuser=is_superuser, **details)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_event(
        actor=by or user,
        event="user.created",
        target=user,
        after={"username": username, "institution": institution.pk if institution else None},
        institution=institution,
    )
    return user


@transaction.atomic
def role_assign(*, user: User, role: str, station: Station | None = None, by: Any) -> RoleAssignment:
    if by is not None and not (getattr(by, "is_superuser", False) or by.roles.filter(role=Role.ADMIN).exists()):
        raise DomainError(_("Only an office administrator can assign roles."))
    if role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if (role == Role.SECRETARY) != (station is not None):
        raise DomainError(
            _("A station secretary's role names exactly one station; other roles name none."), field="station"
        )
    if station is not None and station.institution_id != user.institution_id:
        raise DomainError(_("The station belongs to another institution."), field="station")
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, station=station)
    record_event(
        actor=by or user,
        event="role.assigned",
        target=assignment,
        after={"user": user.username, "role": role, "station": station.pk if station else None},
        institution=user.institution,
    )
    user.__dict__.pop("_roles_cache", None)
    return assignment


@transaction.atomic
def account_link(*, user: User, by: Any, supervisor: Any = None, person: Any = None) -> User:
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
        event="account.linked",
        target=record,
        before=before,
        after={"user": user.pk},
        institution=user.institution,
    )
    return user


@transaction.atomic
def institution_set_up(
    *,
    code: str,
    name_zh: str,
    admin_username: str,
    admin_password: str | None,
    name_en: str = "",
    kind: str = Institution.Kind.UNIVERSITY,
    province: str = "",
    **admin_details: Any,
) -> tuple[Institution, User]:
    """A new institution and its first office administrator: how an installation begins, with the
    default mapping of the shipped funders to levels (`funding.services.level_rules_default`).

    The administrator is the actor of the audit events; nobody else exists yet to be one.
    """
    if Institution.objects.filter(code=code).exists():
        raise DomainError(_("An institution with code %(code)s exists already.") % {"code": code}, field="code")
    if User.objects.filter(username=admin_username).exists():
        raise DomainError(_("The user name %(name)s is taken.") % {"name": admin_username}, field="admin_username")
    institution = Institution.objects.create(code=code, name_zh=name_zh, name_en=name_en, kind=kind, province=province)
    admin = User(username=admin_username, institution=institution, **admin_details)
    if admin_password:
        admin.set_password(admin_password)
    else:
        admin.set_unusable_password()
    admin.save()
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN)
    record_event(
        actor=admin,
        event="institution.set_up",
        target=institution,
        after={**snapshot(institution), "administrator": admin_username},
        institution=institution,
    )
    # Every institution starts with the typical mapping of funders to levels (docs/decisions/0013).
    from funding.services import level_rules_default

    level_rules_default(institution=institution, by=admin)
    return institution, admin
