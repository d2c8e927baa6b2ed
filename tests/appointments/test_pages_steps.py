"""The steps of a stay, through the pages: refusals keep the input and write nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from appointments.models import Appointment, Assessment, Extension, PolicyException
from appointments.services import assessment_record
from audit.models import AuditEvent

HTMX = {"HX-Request": "true"}


def _url(step, appointment):
    return reverse(f"postdoc-{step}", kwargs={"pk": appointment.pk})


def _events(appointment):
    return AuditEvent.objects.for_record(appointment).count()


def _passed_exit_assessment(world):
    assessment_record(
        appointment=world.appointment, kind="exit", held_on=dt.date(2025, 5, 20), grade="good", by=world.admin
    )


def test_exit_before_21_months_is_refused_for_the_secretary_with_the_rule_shown(signed_in, world):
    _passed_exit_assessment(world)
    events = _events(world.appointment)
    response = signed_in("secretary").post(_url("exit", world.appointment), {"on": "2025-06-02", "confirm": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "An exit is allowed from 2025-12-01 on, 21 months after entry." in page
    assert 'value="2025-06-02"' in page  # the input is kept
    assert "Only an office administrator can record an exception to these rules." in page
    assert 'name="exception_reason"' not in page
    appointment = Appointment.objects.get(pk=world.appointment.pk)
    assert appointment.status == Appointment.Status.IN_STATION and appointment.ended_on is None
    assert _events(world.appointment) == events
    assert not PolicyException.objects.exists()


def test_exit_before_21_months_is_accepted_for_the_admin_with_an_exception_reason(signed_in, world):
    _passed_exit_assessment(world)
    client = signed_in("admin")
    refused = client.post(_url("exit", world.appointment), {"on": "2025-06-02", "confirm": "on"})
    assert "An exit is allowed from 2025-12-01 on" in refused.content.decode()
    assert 'name="exception_reason"' in refused.content.decode()
    events = _events(world.appointment)

    response = client.post(
        _url("exit", world.appointment),
        {"on": "2025-06-02", "confirm": "on", "exception_reason": "Early exit approved by the committee."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})
    appointment = Appointment.objects.get(pk=world.appointment.pk)
    assert appointment.status == Appointment.Status.EXITED
    assert appointment.ended_on == dt.date(2025, 6, 2)
    exception = PolicyException.objects.get()
    assert exception.rule == "earliest_exit" and exception.reason == "Early exit approved by the committee."
    assert _events(world.appointment) == events + 1
    page = client.get(response["Location"]).content.decode()
    assert "The exit is recorded." in page
    assert "Early exit approved by the committee." in page


def test_an_ending_step_needs_the_confirmation(signed_in, world):
    _passed_exit_assessment(world)
    response = signed_in("admin").post(_url("exit", world.appointment), {"on": "2025-12-05"})
    assert "Tick the box to confirm this step." in response.content.decode()
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("withdraw", {"on": "2025-01-10", "ground": "personal"}),
        ("transfer", {"on": "2025-01-10", "to": "Another university"}),
    ],
)
def test_withdrawal_and_transfer_ask_for_confirmation(signed_in, world, step, data):
    response = signed_in("secretary").post(_url(step, world.appointment), data)
    assert "Tick the box to confirm this step." in response.content.decode()
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


def test_withdrawal_is_recorded_with_its_ground(signed_in, world):
    response = signed_in("secretary").post(
        _url("withdraw", world.appointment), {"on": "2025-01-10", "ground": "personal", "note": "", "confirm": "on"}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(pk=world.appointment.pk)
    assert appointment.status == Appointment.Status.WITHDRAWN
    assert appointment.withdrawal_ground == "personal"


def test_transfer_names_where_the_postdoc_goes(signed_in, world):
    url = _url("transfer", world.appointment)
    client = signed_in("secretary")
    refused = client.post(url, {"on": "2025-01-10", "to": "   ", "confirm": "on"})
    assert refused.status_code == 200
    assert client.post(url, {"on": "2025-01-10", "to": "Another university", "confirm": "on"}).status_code == 302
    assert Appointment.objects.get(pk=world.appointment.pk).transferred_to == "Another university"


def test_a_date_in_the_future_is_refused_next_to_its_field(signed_in, world):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = signed_in("secretary").post(
        _url("withdraw", world.appointment), {"on": future, "ground": "personal", "confirm": "on"}
    )
    form = response.context["form"]
    assert "is in the future" in " ".join(form.errors["on"])
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


def test_assessment_is_recorded(signed_in, world):
    response = signed_in("secretary").post(
        _url("assess", world.appointment),
        {"kind": "midterm", "held_on": "2025-04-01", "grade": "excellent", "panel": "A\nB", "comments": "Fine"},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(appointment=world.appointment)
    assert (assessment.kind, assessment.grade) == ("midterm", "excellent")


def test_assessment_before_entry_is_refused_with_the_sentence(signed_in, world):
    response = signed_in("secretary").post(
        _url("assess", world.appointment), {"kind": "midterm", "held_on": "2024-01-01", "grade": "good"}
    )
    assert "2024-01-01 is before the entry date 2024-03-01." in " ".join(response.context["form"].errors["held_on"])
    assert not Assessment.objects.exists()


def test_phd_certificate_is_recorded(signed_in, world):
    response = signed_in("secretary").post(_url("phd-certificate", world.appointment), {"received_on": "2024-04-01"})
    assert response.status_code == 302
    assert Appointment.objects.get(pk=world.appointment.pk).phd_certificate_on == dt.date(2024, 4, 1)


def test_extension_is_recorded(signed_in, world):
    response = signed_in("secretary").post(
        _url("extend", world.appointment), {"until": "2026-09-01", "reason": "Experiments take longer."}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(pk=world.appointment.pk)
    assert appointment.status == Appointment.Status.EXTENDED
    assert appointment.planned_exit_date == dt.date(2026, 9, 1)


def test_extension_beyond_six_years_is_refused_then_granted_as_an_exception(signed_in, world):
    data = {"until": "2031-03-01", "reason": "Long project."}
    secretary = signed_in("secretary").post(_url("extend", world.appointment), data)
    assert "at most 72 months across stations" in " ".join(secretary.context["form"].errors["until"])
    assert not Extension.objects.exists()
    admin = signed_in("admin").post(_url("extend", world.appointment), {**data, "exception_reason": "Approved."})
    assert admin.status_code == 302
    assert PolicyException.objects.get().rule == "max_total"


def test_an_extension_that_is_not_later_is_refused_without_an_exception_field(signed_in, world):
    response = signed_in("admin").post(_url("extend", world.appointment), {"until": "2025-01-01", "reason": "x"})
    assert "An extension must move the planned exit later" in response.content.decode()
    assert 'name="exception_reason"' not in response.content.decode()


def test_entry_is_recorded_for_an_admitted_postdoc(signed_in, admitted):
    response = signed_in("secretary").post(_url("enter", admitted), {"on": "2025-09-03"})
    assert response.status_code == 302
    appointment = Appointment.objects.get(pk=admitted.pk)
    assert appointment.status == Appointment.Status.IN_STATION
    assert appointment.entry_date == dt.date(2025, 9, 3)


def test_entry_of_someone_already_in_station_is_refused_with_the_sentence(signed_in, world):
    response = signed_in("secretary").post(_url("enter", world.appointment), {"on": "2024-03-01"})
    assert "Only an admitted postdoc can enter the station." in response.content.decode()


def test_step_form_is_loaded_into_the_page_by_htmx(signed_in, world):
    response = signed_in("secretary").get(_url("exit", world.appointment), headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card stepform">')
    assert "<html" not in page
    assert f'hx-post="{_url("exit", world.appointment)}"' in page


def test_step_form_works_without_javascript_at_its_own_url(signed_in, world):
    page = signed_in("secretary").get(_url("exit", world.appointment)).content.decode()
    assert "<html" in page and f'action="{_url("exit", world.appointment)}"' in page


def test_a_refusal_through_htmx_returns_the_form_with_the_sentence(signed_in, world):
    response = signed_in("secretary").post(
        _url("exit", world.appointment), {"on": "2025-06-02", "confirm": "on"}, headers=HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "An exit needs a passed exit assessment; none is recorded." in page


def test_success_through_htmx_redirects_the_whole_page(signed_in, world):
    response = signed_in("secretary").post(
        _url("phd-certificate", world.appointment), {"received_on": "2024-04-01"}, headers=HTMX
    )
    assert response["HX-Redirect"] == reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})


def test_secretary_cannot_post_an_exception_reason_to_set_a_rule_aside(signed_in, world):
    _passed_exit_assessment(world)
    response = signed_in("secretary").post(
        _url("exit", world.appointment), {"on": "2025-06-02", "confirm": "on", "exception_reason": "Because."}
    )
    assert response.status_code == 200
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION
    assert not PolicyException.objects.exists()
