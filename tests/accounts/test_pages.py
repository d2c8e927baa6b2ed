"""The users page and "My account": every page and step × every persona, inside and outside the
institution; forms keep what was typed when refused."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from tests.clients import PERSONAS

pytestmark = pytest.mark.django_db

ADMIN_ONLY_GETS = ["user-list", "user-new", "user-detail", "user-deactivate", "user-unlink"]


def account_urls(world, account):
    role = account.roles.first()
    return {
        "user-list": reverse("user-list"),
        "user-new": reverse("user-new"),
        "user-detail": reverse("user-detail", args=[account.pk]),
        "user-deactivate": reverse("user-deactivate", args=[account.pk]),
        "user-unlink": reverse("user-unlink", args=[account.pk]),
        "user-role-remove": reverse("user-role-remove", args=[account.pk, role.pk]),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_users_pages_open_for_the_institutions_administrator_only(world, signed_in, persona):
    client = signed_in(persona)
    urls = account_urls(world, world.secretary)
    for name, url in urls.items():
        status = client.get(url).status_code
        if persona == "admin":
            assert status == 200, name
        elif persona == "outsider" and name not in ("user-list", "user-new"):
            assert status == 404, name  # another institution's account does not exist for them
        elif persona == "outsider":
            assert status == 200, name  # their own institution's list and form
        else:
            assert status == 403, name


POSTS = [
    ("user-change", {"first_name": "新", "last_name": "名", "email": "x@example.edu"}),
    ("user-role-add", {"role": Role.LEADERSHIP}),
    ("user-link", {"supervisor": "NOPE"}),
    ("user-deactivate", {}),
    ("user-reactivate", {}),
    ("user-password-link", {}),
    ("user-lift-lockout", {}),
    ("user-unlink", {}),
]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
@pytest.mark.parametrize(("name", "data"), POSTS)
def test_no_other_persona_changes_an_account(world, signed_in, persona, name, data):
    client = signed_in(persona)
    before = AuditEvent.objects.count()
    response = client.post(reverse(name, args=[world.secretary.pk]), data)
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert AuditEvent.objects.count() == before
    world.secretary.refresh_from_db()
    assert world.secretary.is_active and world.secretary.first_name == ""


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
def test_no_other_persona_creates_an_account_or_removes_a_role(world, signed_in, persona):
    client = signed_in(persona)
    role = world.secretary.roles.get()
    response = client.post(reverse("user-role-remove", args=[world.secretary.pk, role.pk]))
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert RoleAssignment.objects.filter(pk=role.pk).exists()
    response = client.post(reverse("user-new"), {"username": "intruder", "email": "i@example.edu"})
    assert response.status_code == (302 if persona == "outsider" else 403)
    if persona == "outsider":  # in their own institution, not in the world's
        assert User.objects.get(username="intruder").institution == world.outsider.institution


def listed(response) -> set[str]:
    """The user names the list shows."""
    return set(re.findall(r'class="mono">([^<]+)</a>', response.content.decode()))


def test_the_list_searches_and_filters(world, signed_in):
    client = signed_in("admin")
    url = reverse("user-list")
    assert listed(client.get(url)) == {"admin-U1", "secretary", "supervisor", "postdoc", "leadership"}
    assert listed(client.get(url, {"q": "secre"})) == {"secretary"}
    assert listed(client.get(url, {"role": Role.LEADERSHIP})) == {"leadership"}
    # A station: its secretary, its supervisors' and its postdocs' accounts.
    assert listed(client.get(url, {"station": world.station.pk})) == {"secretary", "supervisor", "postdoc"}
    assert listed(client.get(url, {"station": world.other_station.pk})) == set()
    assert b"No account matches" in client.get(url, {"active": "no"}).content
    partial = client.get(url, {"q": "post"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b"<html" not in partial.content and listed(partial) == {"postdoc"}


def test_an_account_is_created_with_its_role_and_the_person_gets_a_link(world, signed_in, client):
    admin_client = signed_in("admin")
    response = admin_client.post(
        reverse("user-new"),
        {
            "username": "wang.secretary",
            "email": "wang@example.edu",
            "last_name": "王",
            "first_name": "芳",
            "role": Role.SECRETARY,
            "station": world.other_station.pk,
        },
    )
    account = User.objects.get(username="wang.secretary")
    assert response.status_code == 302 and response["Location"] == reverse("user-detail", args=[account.pk])
    assert account.institution == world.institution and not account.has_usable_password()
    assert list(account.roles.values_list("role", "station")) == [(Role.SECRETARY, world.other_station.pk)]
    message = mail.outbox[-1]
    assert message.to == ["wang@example.edu"] and "wang.secretary" in message.body
    # Chinese, then English (each as the catalogue translates it): two subjects, two bodies.
    assert " / " in message.subject and message.body.count("wang.secretary") == 2 and "----------" in message.body
    link = re.search(r"https?://\S+/account/set-password/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # The person opens the link and sets their password; the link is then used up.
    admin_client.logout()
    page = client.get("/" + path, follow=True)
    assert page.status_code == 200 and b"new_password1" in page.content
    set_url = page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "Chongqing-Spring-2027", "new_password2": "Chongqing-Spring-2027"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("password-set-done")
    account.refresh_from_db()
    assert account.check_password("Chongqing-Spring-2027")
    assert AuditEvent.objects.filter(event="user.password_set", target_id=str(account.pk)).exists()
    assert b"does not work any more" in client.get("/" + path, follow=True).content
    assert client.login(username="wang.secretary", password="Chongqing-Spring-2027")


def test_a_refused_account_keeps_what_was_typed(world, signed_in):
    client = signed_in("admin")
    response = client.post(
        reverse("user-new"),
        {"username": "secretary", "email": "someone@example.edu", "last_name": "赵", "role": Role.ADMIN},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "The user name secretary is taken." in page
    assert 'value="someone@example.edu"' in page and 'value="赵"' in page
    response = client.post(
        reverse("user-new"), {"username": "new.one", "email": "n@example.edu", "role": Role.SECRETARY}
    )
    assert (
        "names exactly one station" in response.content.decode()
        and not User.objects.filter(username="new.one").exists()
    )
    response = client.post(reverse("user-new"), {"username": "x" * 151, "email": "n@example.edu"})
    assert "at most 150 characters" in response.content.decode()


def test_the_administrator_assigns_and_removes_a_role_through_a_confirmation(world, signed_in):
    client = signed_in("admin")
    response = client.post(
        reverse("user-role-add", args=[world.leadership.pk]),
        {"role": Role.SECRETARY, "station": world.other_station.pk},
    )
    assert response.status_code == 302
    role = world.leadership.roles.get(role=Role.SECRETARY)
    confirm = client.get(reverse("user-role-remove", args=[world.leadership.pk, role.pk]))
    assert confirm.status_code == 200 and b"Remove the role" in confirm.content
    assert client.post(reverse("user-role-remove", args=[world.leadership.pk, role.pk])).status_code == 302
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(event="role.removed", target_id=str(world.leadership.pk)).exists()


def test_removing_ones_own_administration_is_refused_on_the_page(world, signed_in):
    client = signed_in("admin")
    role = world.admin.roles.get(role=Role.ADMIN)
    response = client.post(reverse("user-role-remove", args=[world.admin.pk, role.pk]))
    assert response.status_code == 400 and b"your own office administrator role" in response.content
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


def test_link_and_unlink_a_supervisor(world, signed_in):
    client = signed_in("admin")
    assert client.post(reverse("user-unlink", args=[world.supervisor_user.pk])).status_code == 302
    world.supervisor.refresh_from_db()
    assert world.supervisor.user is None
    response = client.post(reverse("user-link", args=[world.supervisor_user.pk]), {"supervisor": "NOPE"})
    assert b"No supervisor of your institution has the staff number NOPE" in response.content
    response = client.post(
        reverse("user-link", args=[world.supervisor_user.pk]), {"supervisor": world.supervisor.staff_no}
    )
    assert response.status_code == 302
    world.supervisor.refresh_from_db()
    assert world.supervisor.user == world.supervisor_user


def test_link_a_postdoc_by_postdoc_number(world, signed_in):
    client = signed_in("admin")
    client.post(reverse("user-unlink", args=[world.postdoc_user.pk]))
    response = client.post(
        reverse("user-link", args=[world.postdoc_user.pk]), {"postdoc": world.appointment.postdoc_no}
    )
    assert response.status_code == 302
    world.appointment.person.refresh_from_db()
    assert world.appointment.person.user == world.postdoc_user
    # Another institution's postdoc number is unknown here.
    response = client.post(
        reverse("user-link", args=[world.leadership.pk]), {"postdoc": world.outside_appointment.postdoc_no}
    )
    assert b"No postdoc of your institution" in response.content


def test_deactivate_and_reactivate(world, signed_in):
    client = signed_in("admin")
    assert client.get(reverse("user-deactivate", args=[world.secretary.pk])).status_code == 200
    assert client.post(reverse("user-deactivate", args=[world.secretary.pk])).status_code == 302
    world.secretary.refresh_from_db()
    assert not world.secretary.is_active
    assert client.post(reverse("user-reactivate", args=[world.secretary.pk])).status_code == 302
    world.secretary.refresh_from_db()
    assert world.secretary.is_active
    page = client.get(reverse("user-detail", args=[world.secretary.pk])).content.decode()
    assert "Account deactivated" in page and "Account reactivated" in page


def test_the_administrator_cannot_deactivate_themselves(world, signed_in):
    client = signed_in("admin")
    response = client.post(reverse("user-deactivate", args=[world.admin.pk]))
    assert response.status_code == 400 and b"your own account" in response.content
    world.admin.refresh_from_db()
    assert world.admin.is_active


def test_a_password_link_is_sent_from_the_users_page(world, signed_in):
    User.objects.filter(pk=world.secretary.pk).update(email="sec@example.edu")
    client = signed_in("admin")
    response = client.post(reverse("user-password-link", args=[world.secretary.pk]), follow=True)
    assert b"is mailed to sec@example.edu" in response.content
    assert mail.outbox[-1].to == ["sec@example.edu"] and "/account/set-password/" in mail.outbox[-1].body
    # Without an address the page says so.
    response = client.post(reverse("user-password-link", args=[world.leadership.pk]), follow=True)
    assert b"no email address" in response.content


def test_the_account_details_are_changed_and_an_invalid_address_kept(world, signed_in):
    client = signed_in("admin")
    response = client.post(
        reverse("user-change", args=[world.leadership.pk]), {"last_name": "刘", "first_name": "", "email": "bad"}
    )
    assert (
        response.status_code == 200 and b"valid email" in response.content and 'value="刘"'.encode() in response.content
    )
    response = client.post(
        reverse("user-change", args=[world.leadership.pk]),
        {"last_name": "刘", "first_name": "洋", "email": "l@example.edu"},
    )
    assert response.status_code == 302
    world.leadership.refresh_from_db()
    assert (world.leadership.last_name, world.leadership.email) == ("刘", "l@example.edu")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_person_has_their_account_page(world, signed_in, persona):
    client = signed_in(persona)
    page = client.get(reverse("my-account"))
    assert page.status_code == 200
    assert world.personas()[persona].username.encode() in page.content
    assert b"Change my password" in page.content and b"Sign out everywhere" in page.content
    nav = page.content
    assert (b'href="/users/"' in nav) == (persona in ("admin", "outsider"))
    assert b'href="/account/"' in nav


def test_the_account_pages_need_a_sign_in(client):
    for url in (reverse("my-account"), reverse("user-list"), reverse("sign-out-everywhere")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_person_changes_their_own_password(world, signed_in):
    client = signed_in("postdoc")
    response = client.post(
        reverse("password-change"),
        {"old_password": "wrong", "new_password1": "Chongqing-Spring-2027", "new_password2": "Chongqing-Spring-2027"},
    )
    assert response.status_code == 400 and b"old password was entered incorrectly" in response.content
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "pw-postdoc-123",
            "new_password1": "Chongqing-Spring-2027",
            "new_password2": "Chongqing-Spring-2027",
        },
    )
    assert response.status_code == 302
    world.postdoc_user.refresh_from_db()
    assert world.postdoc_user.check_password("Chongqing-Spring-2027")
    assert client.get(reverse("my-account")).status_code == 200  # this session stays signed in
    assert AuditEvent.objects.filter(event="user.password_changed", target_id=str(world.postdoc_user.pk)).exists()
