"""API tokens: created and revoked through services, each in one transaction with one audit event."""

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from api.models import ApiToken
from audit.events import Event
from audit.services import record_event
from core.errors import DomainError

PREFIX_LENGTH = 8


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _public(token: ApiToken) -> dict[str, Any]:
    """What the audit trail may know of a token: never the key or its hash."""
    return {
        "user": token.user_id,
        "name": token.name,
        "key_prefix": token.key_prefix,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@transaction.atomic
def token_create(*, user: User, name: str, by: Actor) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the plain key, which is never stored or shown again."""
    if by is None or by.pk != user.pk:
        raise DomainError(_("You may only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("The name is too long (100 characters at most)."), field="name")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_prefix=key[:PREFIX_LENGTH], key_hash=_hash_key(key))
    record_event(
        actor=by, event=Event.API_TOKEN_CREATED, target=token, after=_public(token), institution=user.institution
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Actor) -> ApiToken:
    """Revokes a token of one's own; a revoked token no longer authenticates."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if by is None or by.pk != token.user_id:
        raise DomainError(_("You may only revoke your own tokens."))
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    before = _public(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        actor=by,
        event=Event.API_TOKEN_REVOKED,
        target=token,
        before=before,
        after=_public(token),
        institution=token.user.institution,
    )
    return token


def token_user(key: str) -> Any:
    """The active user a key belongs to, or None. Looks up by prefix, compares hashes in constant time."""
    if len(key) < PREFIX_LENGTH:
        return None
    digest = _hash_key(key)
    candidates = ApiToken.objects.filter(key_prefix=key[:PREFIX_LENGTH], revoked_at__isnull=True).select_related("user")
    for token in candidates:
        if hmac.compare_digest(token.key_hash, digest):
            if not token.user.is_active:
                return None
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            return token.user
    return None
