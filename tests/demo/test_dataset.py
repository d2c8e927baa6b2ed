"""The bulk dataset: N appointments with their records, one audit event, consistent figures."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from appointments.models import Appointment, Assessment
from audit.models import AuditEvent
from catalogue.models import Discipline, Institution
from core.idnumbers import resident_id_problem
from demo.dataset import generate_dataset
from funding.models import Project
from people.models import Person
from reports.selectors import headline_figures
from stations.models import Station

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 15)


def test_generate_dataset_creates_n_appointments_and_one_audit_event():
    result = generate_dataset(postdocs=400, seed=7, today=TODAY, batch=150)
    institution = result.institution
    assert institution.code == "GEN7"
    appointments = Appointment.objects.filter(station__institution=institution)
    assert appointments.count() == 400 == result.counts["appointments"]
    assert Person.objects.filter(institution=institution).count() == 400
    events = AuditEvent.objects.filter(institution=institution)
    assert [e.event for e in events] == ["dataset.generated"]
    assert events[0].actor == result.generator and events[0].after["appointments"] == 400

    projects = Project.objects.filter(institution=institution)
    assert 1.2 <= projects.count() / 400 <= 1.8
    assert Assessment.objects.filter(appointment__in=appointments).count() == result.counts["assessments"]
    assert not appointments.filter(institution__isnull=True).exists()
    exited = appointments.filter(status=Appointment.Status.EXITED)
    assert exited.exists() and not exited.filter(exit_assessed_on__isnull=True).exists()
    assert {"admitted", "in_station", "exited"} <= set(appointments.values_list("status", flat=True))
    mobile = Station.objects.filter(institution=institution, kind=Station.Kind.MOBILE)
    assert mobile.count() == Discipline.objects.filter(is_active=True).exclude(code__regex=r"^..5").count()
    person = Person.objects.filter(institution=institution).first()
    assert resident_id_problem(person.id_number, person.birth_date) is None

    for as_of in (dt.date(2000, 1, 1), dt.date(2015, 6, 30), TODAY):
        figures = headline_figures(institution_id=institution.pk, as_of=as_of, years=3)
        assert figures["recruited"] >= figures["recruited_still_in_station"]
        assert figures["in_station"] >= figures["recruited_still_in_station"]
    assert headline_figures(institution_id=institution.pk, as_of=TODAY, years=3)["recruited"] > 0


def test_the_same_seed_gives_the_same_data():
    def facts(code):
        institution = generate_dataset(postdocs=120, seed=3, code=code, today=TODAY).institution
        return list(
            Appointment.objects.filter(station__institution=institution)
            .order_by("postdoc_no")
            .values_list("entry_date", "planned_exit_date", "status", "ended_on", "person__name", "station__code")
        )

    assert facts("GENA") == facts("GENB")


def test_the_command_reports_and_refuses_an_existing_code():
    out = StringIO()
    call_command("generate_dataset", "--postdocs", "60", "--seed", "5", "--today", "2026-11-15", stdout=out)
    assert "Generated GEN5" in out.getvalue()
    assert Appointment.objects.filter(station__institution__code="GEN5").count() == 60
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_dataset", "--postdocs", "10", "--seed", "5", stdout=StringIO())
    assert Institution.objects.filter(code="GEN5").count() == 1
