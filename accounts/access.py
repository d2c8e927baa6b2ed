"""Who may do what: the one place roles become answers (permissions, the stations a secretary
runs, whether a user sees the whole institution).

Each app turns these into the scope of its own records in its `access.py` (`appointments.access`,
`stations.access`, …): views, partials, the API and commands fetch records through its
`*_for_user` helpers, which answer 404 for anything outside the user's scope.
"""

from enum import StrEnum
from typing import Self, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.actors import Actor
from accounts.models import Role, User


class Perm(StrEnum):
    VIEW_INSTITUTION = "view_institution"  # figures and coverage of the whole institution
    MANAGE_APPOINTMENTS = "manage_appointments"  # admit, transitions, assessments (in scope)
    GRANT_EXCEPTIONS = "grant_exceptions"  # record an exception to a policy rule
    REVEAL_ID = "reveal_id"  # see a full ID number (audited)
    MANAGE_REFERENCE = "manage_reference"  # catalogue, units, stations, supervisors, policy
    MANAGE_ACCOUNTS = "manage_accounts"  # the institution's accounts, roles, links and lockouts


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.SECRETARY: frozenset({Perm.MANAGE_APPOINTMENTS}),
    Role.SUPERVISOR: frozenset(),
    Role.POSTDOC: frozenset(),
    Role.LEADERSHIP: frozenset({Perm.VIEW_INSTITUTION}),
}

NOTHING = Q(pk__in=[])
INSTITUTION_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADERSHIP})


def roles_of(user: Actor | AnonymousUser) -> list[tuple[str, int | None]]:
    """(role, station id) pairs, cached on the user object for the request."""
    if not isinstance(user, User) or not user.is_active:
        return []
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = list(user.roles.values_list("role", "station_id"))
        user._roles_cache = cached
    return cached


def role_names(user: Actor | AnonymousUser) -> set[str]:
    return {role for role, _ in roles_of(user)}


def secretary_station_ids(user: Actor | AnonymousUser) -> set[int]:
    return {station for role, station in roles_of(user) if role == Role.SECRETARY and station}


def has_perm(user: Actor | AnonymousUser, perm: Perm) -> TypeGuard[User]:
    """Whether `user` holds `perm` in their institution: only an account of an institution can (so
    a True answer tells the type checker that `user` is a `User`)."""
    if not isinstance(user, User) or user.institution_id is None:
        return False
    return any(perm in ROLE_PERMISSIONS[role] for role in role_names(user))


def sees_whole_institution(user: User) -> bool:
    """Office administrators and leadership see every record of their institution."""
    return user.institution_id is not None and bool(role_names(user) & INSTITUTION_WIDE_ROLES)


class AdministratorsOnlyQuerySet[M: Model](QuerySet[M]):
    """Records only the office administrators of their institution see (uploaded files and their
    checks: import jobs, funders' award lists); nobody else sees any."""

    def visible_to(self, user: Actor | AnonymousUser) -> Self:
        if not has_perm(user, Perm.MANAGE_REFERENCE):
            return self.none()
        return self.filter(institution_id=user.institution_id)


# ---- the users page's accounts (office administrators) -----------------------------------------


def require_manages_accounts(user: User) -> None:
    """Office administrators of an institution run its accounts; every other role is refused (403)."""
    if not has_perm(user, Perm.MANAGE_ACCOUNTS):
        raise PermissionDenied


def institution_accounts(user: User) -> QuerySet[User]:
    if user.institution_id is None:
        return User.objects.none()
    return User.objects.filter(institution_id=user.institution_id)


def get_account_for_user(user: User, pk: int) -> User:
    """The account if it belongs to the administrator's institution; 404 for any other."""
    require_manages_accounts(user)
    try:
        return institution_accounts(user).select_related("institution").get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
