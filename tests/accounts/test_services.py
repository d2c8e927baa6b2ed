"""The account services: each allowed for the institution's administrator, refused for anyone else
and for the rules an institution lives by; a refusal writes nothing."""

import pytest
from django.core import mail

from accounts import services
from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from core.errors import DomainError

pytestmark = pytest.mark.django_db

OTHERS = ["secretary", "supervisor", "postdoc", "leadership", "outsider"]


@pytest.fixture
def events():
    def count() -> int:
        return AuditEvent.objects.count()

    return count


def test_account_create_with_roles_and_a_link(world):
    user = services.account_create(
        institution=world.institution,
        username="li.supervisor",
        email="li@example.edu",
        roles=[(Role.SUPERVISOR, None)],
        by=world.admin,
    )
    assert user.institution == world.institution and not user.has_usable_password()
    assert list(user.roles.values_list("role", flat=True)) == [Role.SUPERVISOR]
    assert mail.outbox[-1].to == ["li@example.edu"]
    assert {"user.created", "user.password_link_sent"} <= set(
        AuditEvent.objects.filter(target_type="accounts.user", target_id=str(user.pk)).values_list("event", flat=True)
    )
    assert AuditEvent.objects.filter(event="role.assigned", after__user="li.supervisor").exists()


@pytest.mark.parametrize("persona", OTHERS)
def test_account_create_is_refused_to_others(world, persona, events):
    before = events()
    with pytest.raises(DomainError):
        services.account_create(
            institution=world.institution, username="x", email="x@example.edu", by=world.personas()[persona]
        )
    assert events() == before and not User.objects.filter(username="x").exists()


def test_account_create_needs_an_address_for_its_link(world):
    with pytest.raises(DomainError, match="email address") as refused:
        services.account_create(institution=world.institution, username="x", email="", by=world.admin)
    assert refused.value.field == "email"


def test_a_role_is_assigned_only_within_the_institution(world):
    with pytest.raises(DomainError, match="own institution"):
        services.role_assign(user=world.secretary, role=Role.LEADERSHIP, by=world.outsider)
    with pytest.raises(DomainError, match="another institution"):
        services.role_assign(
            user=world.leadership,
            role=Role.SECRETARY,
            station=world.outside_appointment.station,
            by=world.admin,
        )


def test_role_remove_and_its_refusals(world, events):
    role = services.role_assign(user=world.leadership, role=Role.SUPERVISOR, by=world.admin)
    for persona in OTHERS:
        with pytest.raises(DomainError):
            services.role_remove(assignment=role, by=world.personas()[persona])
    services.role_remove(assignment=role, by=world.admin)
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()

    own = world.admin.roles.get(role=Role.ADMIN)
    before = events()
    with pytest.raises(DomainError, match="your own office administrator role"):
        services.role_remove(assignment=own, by=world.admin)
    # Another administrator may not remove the last one either.
    second = services.account_create(
        institution=world.institution,
        username="second.admin",
        email="s@example.edu",
        roles=[(Role.ADMIN, None)],
        by=world.admin,
    )
    services.user_deactivate(user=second, by=world.admin)
    with pytest.raises(DomainError, match="Only an office administrator"):
        services.role_remove(assignment=own, by=second)  # a deactivated account has no role to act with
    services.user_reactivate(user=second, by=world.admin)
    services.role_remove(assignment=own, by=second)
    # A developer's superuser cannot take the last administrator's role either.
    root = User.objects.create(username="root", is_superuser=True)
    with pytest.raises(DomainError, match="last office administrator"):
        services.role_remove(assignment=second.roles.get(role=Role.ADMIN), by=root)
    with pytest.raises(DomainError, match="last office administrator"):
        services.user_deactivate(user=second, by=root)
    assert second.roles.filter(role=Role.ADMIN).exists()
    assert events() > before


def test_deactivate_refusals(world, events):
    before = events()
    with pytest.raises(DomainError, match="your own account"):
        services.user_deactivate(user=world.admin, by=world.admin)
    for persona in OTHERS:
        with pytest.raises(DomainError):
            services.user_deactivate(user=world.leadership, by=world.personas()[persona])
    with pytest.raises(DomainError, match="active already"):
        services.user_reactivate(user=world.leadership, by=world.admin)
    assert events() == before


def test_password_link_is_refused_for_a_deactivated_account_or_one_without_address(world):
    with pytest.raises(DomainError, match="no email address"):
        services.password_link_send(user=world.leadership, by=world.admin)
    User.objects.filter(pk=world.leadership.pk).update(email="l@example.edu")
    world.leadership.refresh_from_db()
    services.user_deactivate(user=world.leadership, by=world.admin)
    with pytest.raises(DomainError, match="reactivate it"):
        services.password_link_send(user=world.leadership, by=world.admin)
    assert not mail.outbox


def test_passwords_are_set_only_by_the_person_and_validated(world):
    with pytest.raises(DomainError, match="Only the person"):
        services.password_change(user=world.postdoc_user, password="Chongqing-Spring-2027", by=world.admin)
    with pytest.raises(DomainError, match="too short") as refused:
        services.password_change(user=world.postdoc_user, password="abc", by=world.postdoc_user)
    assert refused.value.field == "password"
    with pytest.raises(DomainError, match="Only the person"):
        services.password_set(user=world.postdoc_user, password="Chongqing-Spring-2027", by=world.admin)
    assert world.postdoc_user.check_password("pw-postdoc-123")
    with pytest.raises(DomainError, match="Only the person"):
        services.sessions_end_all(user=world.postdoc_user, by=world.admin)


def test_lockout_lift_without_failures_is_refused(world):
    with pytest.raises(DomainError, match="no failed sign-ins"):
        services.lockout_lift(user=world.leadership, by=world.admin)
