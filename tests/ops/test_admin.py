"""The admin: scoped to the user's institution, writes through the services, deletes nothing."""

import pytest
from django.urls import reverse

from accounts.models import RoleAssignment, User
from audit.models import AuditEvent
from catalogue.models import Discipline, Unit
from stations.models import Station


def _admin(client, world):
    client.force_login(world.admin)
    return client


def test_admin_site_is_titled_postdoc_office(client, staff):
    page = _admin(client, staff).get(reverse("admin:index")).content.decode()
    assert "Postdoc Office" in page


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 403), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 200)],
)
def test_only_office_administrators_open_the_reference_lists(signed_in, staff, persona, expected):
    assert signed_in(persona).get(reverse("admin:stations_station_changelist")).status_code == expected


def test_non_staff_users_are_sent_to_the_admin_sign_in(signed_in, world):
    response = signed_in("admin").get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_lists_are_scoped_to_the_institution(client, staff):
    response = _admin(client, staff).get(reverse("admin:stations_station_changelist"))
    codes = {station.code for station in response.context["cl"].result_list}
    assert codes == {"S1002", "S0710"}


def test_records_of_another_institution_cannot_be_opened(client, staff):
    outside = Station.objects.get(code="S1001")
    response = _admin(client, staff).get(reverse("admin:stations_station_change", args=[outside.pk]))
    assert response.status_code == 302  # Django's admin: "doesn't exist", back to the index


def test_a_change_goes_through_the_service_and_is_audited(client, staff):
    unit = staff.station.unit
    url = reverse("admin:catalogue_unit_change", args=[unit.pk])
    data = {
        "institution": staff.institution.pk,
        "code": unit.code,
        "name_zh": "基础医学院",
        "name_en": "College of Basic Medicine",
        "kind": "college",
    }
    response = _admin(client, staff).post(url, data)
    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).name_zh == "基础医学院"
    event = AuditEvent.objects.filter(event="unit.changed").latest("id")
    assert event.actor == staff.admin and event.after["name_zh"] == "基础医学院"


def test_a_refusal_of_the_service_is_shown_on_the_form_and_nothing_is_saved(client, staff):
    discipline = Discipline.objects.get(code="0101") if Discipline.objects.filter(code="0101").exists() else None
    discipline = discipline or Discipline.objects.create(code="0101", name_zh="哲学")
    data = {
        "institution": staff.institution.pk,
        "code": "S0101",
        "kind": "mobile",
        "discipline": discipline.pk,
        "unit": staff.station.unit.pk,
        "name_zh": "哲学博士后科研流动站",
        "name_en": "",
        "established_on": "2024-01-01",
        "approval_no": "",
        "status": "active",
        "revoked_on": "",
    }
    response = _admin(client, staff).post(reverse("admin:stations_station_add"), data)
    assert response.status_code == 200
    assert "needs doctoral degree-granting rights" in response.content.decode()
    assert 'value="哲学博士后科研流动站"' in response.content.decode()
    assert not Station.objects.filter(code="S0101").exists()


def test_reference_data_cannot_be_deleted(client, staff):
    response = _admin(client, staff).get(reverse("admin:stations_station_delete", args=[staff.station.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("model", ["appointments_appointment", "appointments_assessment", "funding_project"])
def test_records_are_read_only_in_the_admin(client, staff, model):
    client = _admin(client, staff)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_the_audit_log_is_never_added_to_changed_or_deleted_from_the_admin(client, staff):
    client = _admin(client, staff)
    event = AuditEvent.objects.filter(institution=staff.institution).latest("id")
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    before = AuditEvent.objects.count()
    client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"note": "changed"})
    assert AuditEvent.objects.count() == before
    assert AuditEvent.objects.get(pk=event.pk).note == event.note


def test_the_audit_log_shows_only_the_institution(client, staff):
    response = _admin(client, staff).get(reverse("admin:audit_auditevent_changelist"))
    institutions = {event.institution_id for event in response.context["cl"].result_list}
    assert institutions <= {staff.institution.pk, None}


def test_accounts_are_created_and_given_roles_through_the_services(client, staff):
    data = {
        "username": "secretary2",
        "password1": "a-long-pass-phrase-2025",
        "password2": "a-long-pass-phrase-2025",
        "first_name": "",
        "last_name": "",
        "email": "",
        "institution": staff.institution.pk,
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-role": "secretary",
        "roles-0-station": staff.other_station.pk,
    }
    response = _admin(client, staff).post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="secretary2")
    assert user.check_password("a-long-pass-phrase-2025")
    assert RoleAssignment.objects.get(user=user).station == staff.other_station
    assert AuditEvent.objects.filter(event="user.created", target_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(event="role.assigned").exists()


def test_a_role_the_service_refuses_is_shown_and_leaves_no_account_behind(client, world):
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-123")
    client.force_login(root)
    data = {
        "username": "secretary3",
        "password1": "a-long-pass-phrase-2025",
        "password2": "a-long-pass-phrase-2025",
        "institution": world.institution.pk,
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-role": "secretary",
        "roles-0-station": Station.objects.get(code="S1001").pk,  # a station of another institution
    }
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert "The station belongs to another institution." in response.content.decode()
    assert 'value="secretary3"' in response.content.decode()
    assert not User.objects.filter(username="secretary3").exists()


def test_superusers_see_every_institution(client, world):
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-123")
    client.force_login(root)
    response = client.get(reverse("admin:stations_station_changelist"))
    assert {station.code for station in response.context["cl"].result_list} == {"S1002", "S0710", "S1001"}
