from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import InstitutionRecord, Role, RoleAssignment, SignInSession, StationRecord, User
from accounts.throttle import failed_attempts
from audit.events import Event
from audit.services import record_event, snapshot
from core.actors import NamedActor
from core.errors import DomainError, require


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    institution: InstitutionRecord | None,
    by: User | None,
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
        event=Event.USER_CREATED,
        target=user,
        after={"username": username, "institution": institution.pk if institution else None},
        institution=institution,
    )
    return user


@transaction.atomic
def role_assign(*, user: User, role: str, station: StationRecord | None = None, by: User | None) -> RoleAssignment:
    if by is not None and not (getattr(by, "is_superuser", False) or by.roles.filter(role=Role.ADMIN).exists()):
        raise DomainError(_("Only an office administrator can assign roles."))
    if by is not None and not getattr(by, "is_superuser", False) and by.institution_id != user.institution_id:
        raise DomainError(_("Only an office administrator of the account's own institution can assign its roles."))
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
        event=Event.ROLE_ASSIGNED,
        target=assignment,
        after={"user": user.username, "role": role, "station": station.pk if station else None},
        institution=user.institution,
    )
    user.__dict__.pop("_roles_cache", None)
    return assignment


# ---- accounts run in the app (issue 11) ------------------------------------------------------------
# Each write below is one transaction with one audit event. An office administrator acts on the
# accounts of their own institution only; the pages answer 404 for any other account before asking.


def require_account_admin(by: Actor, user: User) -> None:
    """The actor administers the account's institution (a superuser: any account)."""
    if getattr(by, "is_superuser", False):
        return
    require(
        has_perm(by, Perm.MANAGE_ACCOUNTS) and by.institution_id == user.institution_id,
        _("Only an office administrator of the account's institution can change its account."),
    )


def _other_active_administrators(user: User) -> int:
    return (
        User.objects.filter(institution=user.institution, is_active=True, roles__role=Role.ADMIN)
        .exclude(pk=user.pk)
        .distinct()
        .count()
    )


@transaction.atomic
def account_create(
    *,
    institution: InstitutionRecord,
    username: str,
    email: str,
    by: User,
    first_name: str = "",
    last_name: str = "",
    roles: list[tuple[str, StationRecord | None]] | None = None,
    send_link: bool = True,
) -> User:
    """A new person's account in the actor's institution, with its roles, and (by default) a mail with
    a link to set their own password: nobody else ever knows it."""
    require(
        getattr(by, "is_superuser", False)
        or (has_perm(by, Perm.MANAGE_ACCOUNTS) and by.institution_id == institution.pk),
        _("Only an office administrator of the institution can create its accounts."),
    )
    require(bool(username.strip()), _("Give the account a user name."), "username")
    require(
        not send_link or bool(email.strip()),
        _("Give an email address: the link to set a password goes there."),
        "email",
    )
    user = user_create(
        username=username.strip(),
        password=None,
        institution=institution,
        by=by,
        first_name=first_name,
        last_name=last_name,
        email=email.strip(),
    )
    for role, station in roles or []:
        role_assign(user=user, role=role, station=station, by=by)
    if send_link:
        password_link_send(user=user, by=by, new_account=True)
    return user


@transaction.atomic
def user_change(*, user: User, by: Actor, first_name: str, last_name: str, email: str) -> User:
    """The account's name and address (its user name never changes: the audit trail names it)."""
    require_account_admin(by, user)
    fields = ["first_name", "last_name", "email"]
    before = snapshot(user, fields)
    user.first_name, user.last_name, user.email = first_name.strip(), last_name.strip(), email.strip()
    user.save(update_fields=fields)
    record_event(
        actor=by,
        event=Event.USER_CHANGED,
        target=user,
        before=before,
        after=snapshot(user, fields),
        institution=user.institution,
    )
    return user


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, by: Actor) -> None:
    """Takes a role from an account. An institution always keeps an office administrator, and an
    administrator does not remove their own administration (another administrator must)."""
    user = User.objects.select_for_update().get(pk=assignment.user_id)
    require_account_admin(by, user)
    if assignment.role == Role.ADMIN:
        require(
            getattr(by, "pk", None) != user.pk,
            _("You cannot remove your own office administrator role: ask another administrator."),
            "role",
        )
        require(
            _other_active_administrators(user) > 0,
            _("The institution's last office administrator keeps the role: make another account administrator first."),
            "role",
        )
    before = {"user": user.username, "role": assignment.role, "station": assignment.station_id}
    record_event(
        actor=by, event=Event.ROLE_REMOVED, target=user, before=before, after=None, institution=user.institution
    )
    assignment.delete()
    user.__dict__.pop("_roles_cache", None)


@transaction.atomic
def user_deactivate(*, user: User, by: Actor) -> User:
    """The account can no longer sign in nor use its API tokens; its sessions end. Nothing it did is
    lost, and reactivating it gives it back as it was."""
    require_account_admin(by, user)
    require(getattr(by, "pk", None) != user.pk, _("You cannot deactivate your own account."))
    require(user.is_active, _("The account is deactivated already."))
    if user.roles.filter(role=Role.ADMIN).exists():
        require(
            _other_active_administrators(user) > 0,
            _("The institution's last office administrator cannot be deactivated."),
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = _end_sessions(user)
    record_event(
        actor=by,
        event=Event.USER_DEACTIVATED,
        target=user,
        before={"is_active": True},
        after={"is_active": False, "sessions_ended": ended},
        institution=user.institution,
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, by: Actor) -> User:
    require_account_admin(by, user)
    require(not user.is_active, _("The account is active already."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_event(
        actor=by,
        event=Event.USER_REACTIVATED,
        target=user,
        before={"is_active": False},
        after={"is_active": True},
        institution=user.institution,
    )
    return user


def _password_link(user: User) -> str:
    """The one-time link to set the account's password (Django's reset token: it stops working once
    the password is set, or after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password-set", kwargs={"uidb64": uid, "token": token})


def _password_mail(user: User, *, new_account: bool) -> tuple[str, str]:
    """Subject and body in both languages, Chinese first: the person may read either."""
    context = {
        "user": user,
        "link": _password_link(user),
        "new_account": new_account,
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "institution": user.institution,
        "site": settings.SITE_URL,
    }
    subjects, bodies = [], []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            subjects.append(str(_("Your account at the postdoc office") if new_account else _("Set a new password")))
            bodies.append(render_to_string("registration/password_link_email.txt", context))
    return " / ".join(subjects), "\n\n----------\n\n".join(bodies)


@transaction.atomic
def password_link_send(*, user: User, by: Actor, new_account: bool = False) -> User:
    """Mails the account a link to set its password (a new account's first, or a reset)."""
    require_account_admin(by, user)
    require(user.is_active, _("The account is deactivated: reactivate it before sending a link."))
    require(bool(user.email), _("The account has no email address to send the link to."), "email")
    subject, body = _password_mail(user, new_account=new_account)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except OSError as error:
        raise DomainError(
            _("The mail could not be sent (%(error)s); nothing was changed.") % {"error": error}
        ) from error
    record_event(
        actor=by,
        event=Event.USER_PASSWORD_LINK_SENT,
        target=user,
        after={"email": user.email, "new_account": new_account},
        institution=user.institution,
    )
    return user


@transaction.atomic
def password_set(*, user: User, password: str, by: Actor) -> User:
    """The person sets their password through the link they were sent (the link's token proves it
    is them: `by` is the account itself)."""
    require(getattr(by, "pk", None) == user.pk, _("Only the person the link was sent to can set its password."))
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=by, event=Event.USER_PASSWORD_SET, target=user, institution=user.institution)
    return user


@transaction.atomic
def password_change(*, user: User, password: str, by: Actor) -> User:
    """A person's new password of their own (the page has checked the old one). Their other sessions
    end: Django ties a session to the password it was opened with."""
    require(getattr(by, "pk", None) == user.pk, _("Only the person themselves can change their password."))
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=by, event=Event.USER_PASSWORD_CHANGED, target=user, institution=user.institution)
    return user


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    """Ends every session of the account (but `keep`), wherever it was opened. Returns how many."""
    now = timezone.now()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = set(SignInSession.objects.filter(user=user, ended_at__isnull=True).values_list("session_key", flat=True))
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        # Sessions opened before sign-ins were recorded have no SignInSession: find them too.
        from django.contrib.sessions.models import Session

        for session in Session.objects.filter(expire_date__gt=now):
            if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
                keys.add(session.session_key)
    keys.discard(keep or "")
    for key in keys:
        store(session_key=key).delete()
    SignInSession.objects.filter(user=user, session_key__in=keys, ended_at__isnull=True).update(ended_at=now)
    return len(keys)


@transaction.atomic
def sessions_end_all(*, user: User, by: Actor) -> int:
    """ "Sign out everywhere": every session of the person ends, this one included."""
    require(getattr(by, "pk", None) == user.pk, _("Only the person themselves can sign out everywhere."))
    ended = _end_sessions(user)
    record_event(
        actor=by,
        event=Event.USER_SIGNED_OUT_EVERYWHERE,
        target=user,
        after={"sessions_ended": ended},
        institution=user.institution,
    )
    return ended


@transaction.atomic
def lockout_lift(*, user: User, by: Actor) -> int:
    """Lifts the lock that failed sign-ins put on the account, before its time runs out."""
    require_account_admin(by, user)
    attempts = failed_attempts(user.username)
    count: int = attempts.count()
    require(count > 0, _("The account has no failed sign-ins to forget."))
    attempts.delete()
    record_event(
        actor=by,
        event=Event.USER_LOCKOUT_LIFTED,
        target=user,
        after={"failed_attempts_forgotten": count},
        institution=user.institution,
    )
    return count


# ---- sign-ins, recorded by accounts.signals -------------------------------------------------------


@transaction.atomic
def sign_in_record(*, user: User, session_key: str, address: str | None, browser: str) -> SignInSession | None:
    """A successful sign-in: its audit event, and the session the person will see on their page."""
    now = timezone.now()
    session = None
    if session_key:
        session = SignInSession.objects.create(
            user=user, session_key=session_key, address=address, browser=browser[:300], started_at=now, last_seen_at=now
        )
    record_event(
        actor=user,
        event=Event.USER_SIGNED_IN,
        target=user,
        after={"address": address, "browser": browser[:300]},
        institution=user.institution,
    )
    return session


@transaction.atomic
def sign_in_failure_record(*, username: str, address: str | None, browser: str, locked: bool) -> None:
    """A refused sign-in. An existing account is the target (in its institution's trail); an unknown
    user name has no account to point at, so the event names it only by its label, in no institution."""
    user = User.objects.filter(username=username).select_related("institution").first()
    target = user if user is not None else _unknown_account(username)
    record_event(
        actor=NamedActor(address or "unknown address"),
        event=Event.USER_SIGN_IN_FAILED,
        target=target,
        after={"username": username[:150], "address": address, "browser": browser[:300], "locked": locked},
        institution=user.institution if user is not None else None,
    )


def _unknown_account(username: str) -> User:
    """An unsaved account standing for a user name nobody has: the event's target label is the name
    tried, its id empty (no account may later take that id by chance)."""
    placeholder = User(username=username[:150])
    placeholder.pk = ""
    return placeholder


@transaction.atomic
def sign_out_record(*, user: User, session_key: str | None, idle_minutes: int | None = None) -> None:
    """A sign-out: by the person, or by their session after `idle_minutes` without a request (the event
    says so: the sign-in log shows it)."""
    if session_key:
        SignInSession.objects.filter(user=user, session_key=session_key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
    after = {"reason": "idle", "idle_minutes": idle_minutes} if idle_minutes else None
    record_event(actor=user, event=Event.USER_SIGNED_OUT, target=user, after=after, institution=user.institution)
