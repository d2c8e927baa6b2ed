from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("office administrator")
    SECRETARY = "secretary", _("station secretary")
    SUPERVISOR = "supervisor", _("supervisor")
    POSTDOC = "postdoc", _("postdoc")
    LEADERSHIP = "leadership", _("leadership (read-only)")


class User(AbstractUser):
    institution = models.ForeignKey(
        "catalogue.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("institution"),
    )
    # (role, station id) pairs, set by `accounts.access.roles_of` for the request (not a field).
    _roles_cache: list[tuple[str, int | None]]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """A Chinese name reads family name first, without a space (王 + 小明 = 王小明); a Latin one
        given name first (John Smith), as Django writes it."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u3400" <= char <= "\u9fff" for char in first + last):
            return f"{last}{first}"
        return super().get_full_name()


class RoleAssignment(models.Model):
    """A role a user holds in an institution; a station secretary's role names the station.

    Supervisors and postdocs find their own records through `Supervisor.user` and `Person.user`.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="secretaries",
        verbose_name=_("station"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="secretary") & models.Q(station__isnull=False))
                | (~models.Q(role="secretary") & models.Q(station__isnull=True)),
                name="secretary_role_names_station",
            ),
            models.UniqueConstraint(fields=["user", "role", "station"], name="role_assigned_once"),
        ]

    def __str__(self) -> str:
        suffix = f" · {self.station}" if self.station_id else ""
        return f"{self.user} · {self.get_role_display()}{suffix}"


class SignInSession(models.Model):
    """One signed-in browser of a user: recorded when they sign in, so that they can see where they are
    signed in and end every session at once (docs/decisions/0020). Django's session row holds the
    state; this row tells the person which browser it is, and outlives the session for the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_sessions", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    browser = models.CharField(_("browser"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last seen"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")

    def __str__(self) -> str:
        return f"{self.user} · {self.address or '?'} · {self.started_at:%Y-%m-%d %H:%M}"


# ---- the records above accounts that an account names -------------------------------------------
# An account's institution (catalogue) and a secretary's station (stations) stand above accounts
# (docs/decisions/0028): the foreign keys name them by label, and the code finds their models
# through those keys instead of importing them.


# To the type checker any value; to the reader the record it is.
type InstitutionRecord = Any
type StationRecord = Any


def institution_model() -> type[models.Model]:
    """catalogue's Institution, as `User.institution` names it."""
    return _related_model(User, "institution")


def station_model() -> type[models.Model]:
    """stations' Station, as a secretary's `RoleAssignment.station` names it."""
    return _related_model(RoleAssignment, "station")


def _related_model(model: type[models.Model], field: str) -> type[models.Model]:
    related = model._meta.get_field(field).related_model
    assert isinstance(related, type)  # resolved once the apps are loaded
    return related
