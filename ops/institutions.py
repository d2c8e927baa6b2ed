"""Setting up a host institution: the institution, its first office administrator and the default
mapping of funders to levels. Three apps' records in one transaction, composed here, above the apps
that own them (docs/decisions/0028): catalogue and accounts know nothing of funding."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import Role, RoleAssignment, User
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Institution
from catalogue.services import reference_save
from core.errors import DomainError
from funding.services import level_rules_default


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
        event=Event.INSTITUTION_SET_UP,
        target=institution,
        after={**snapshot(institution), "administrator": admin_username},
        institution=institution,
    )
    # Every institution starts with the typical mapping of funders to levels (docs/decisions/0042).
    level_rules_default(institution=institution, by=admin)
    return institution, admin


@transaction.atomic
def institution_add(*, institution: Institution, by: Actor) -> Institution:
    """A host institution added in the admin (by whoever runs the system), with the same default
    level mapping as one set up by `institution_set_up`."""
    is_new = institution.pk is None
    reference_save(instance=institution, by=by)
    if is_new:
        level_rules_default(institution=institution, by=by)
    return institution
