from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col
from django.utils.translation import gettext_lazy as _

from audit import payload
from audit.events import Event

# The sets of keys of compact event data (audit.payload), by name: a name always stands for the same
# keys (it is their digest), so what one database or one rolled-back transaction taught stays true.
_KEYS_BY_NAME: dict[str, payload.KeyNames] = {}


class AuditPayloadKeys(models.Model):
    """The keys of the objects in compact event data, stored once (audit.payload); never changed."""

    name = models.CharField(max_length=12, primary_key=True)
    keys = models.JSONField()

    class Meta:
        verbose_name = _("audit data keys")
        verbose_name_plural = _("audit data keys")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError("Audit data keys are written only with their events (audit.services.EventBatch).")

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit data keys are append-only.")


def _keys_in(alias: str) -> Callable[[str], payload.KeyNames]:
    def keys_of(name: str) -> payload.KeyNames:
        if name not in _KEYS_BY_NAME:
            for found, keys in AuditPayloadKeys.objects.using(alias).values_list("name", "keys"):
                _KEYS_BY_NAME[found] = tuple(keys)
        return _KEYS_BY_NAME[name]

    return keys_of


class PayloadField(models.JSONField):
    """An event's `before` or `after`: a JSON object, stored as it is or in the compact form of
    audit.payload (the events of bulk services); read back, always the object."""

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        data = super().from_db_value(value, expression, connection)
        # Only the whole column is a compact array (a key's value may be a list of its own).
        if isinstance(data, list) and isinstance(expression, Col):
            return payload.expand(data, _keys_in(connection.alias))
        return data


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    def for_record(self, instance: models.Model) -> "AuditEventQuerySet":
        """Events about a record and about the records that belong to it (its timeline)."""
        label, pk = instance._meta.label_lower, str(instance.pk)
        return self.filter(models.Q(target_type=label, target_id=pk) | models.Q(parent_type=label, parent_id=pk))


class AuditEvent(models.Model):
    """One change, written only by services; never updated or deleted."""

    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150)
    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.CharField(_("event"), max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    target_label = models.CharField(_("record"), max_length=200)
    parent_type = models.CharField(max_length=60, blank=True)
    parent_id = models.CharField(max_length=40, blank=True)
    before = PayloadField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = PayloadField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["parent_type", "parent_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.event} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    # What pages ask of an event (a template compares no event names).
    @property
    def is_sign_in_failure(self) -> bool:
        return self.event == Event.USER_SIGN_IN_FAILED

    @property
    def is_level_rule_removal(self) -> bool:
        return self.event == Event.LEVEL_RULE_REMOVED

    @property
    def is_level_mapping_reset(self) -> bool:
        """The institution's level mapping set back to the defaults."""
        return self.event == Event.LEVEL_RULES_DEFAULTED
