"""The API answers as its OpenAPI document says, for any input that document allows and many it does not.

schemathesis reads /api/v1/openapi.json from the Django WSGI application and generates requests for every
operation (one test per operation and persona). Every response must be no server error, carry a documented
status code, content type and body, and bad input must be refused (a 4xx, never a 500). The number of
examples is kept small so that the whole file runs in the normal suite in well under a minute.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api.api import api
from api.services import token_create
from awardlists.models import AwardList, AwardListRow
from establishment.models import Application, Round
from funding.models import Project
from outputs.models import Output
from stations.models import Evaluation
from tests.factories import World
from tests.subjects import application_at, award_list_for, evaluation_at, output_for, project_at

EXAMPLES_PER_OPERATION = 15

CONFIG = SchemathesisConfig.from_dict(
    {
        # A fixed seed: the same requests on every run, so that a red CI build can be replayed locally.
        "seed": 20260301,
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
        # The stateful phase (chains of calls through links) is left out: too slow for the normal suite. So
        # are the coverage phase's calls with methods no operation has: django-ninja answers them with a
        # plain 405 that no schema describes, the same for every path.
        "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": []}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def keep_the_test_transaction() -> Iterator[None]:
    """Requests go through Django's real WSGI handler, which closes the database connection after each one.

    That would end the test's transaction (on PostgreSQL) and lose the world; Django's test client
    disconnects the same handlers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world: World, persona: str) -> dict[str, str]:
    user = world.personas()[persona]
    _, key = token_create(user=user, name="schema conformance", by=user)
    return {"Authorization": f"Bearer {key}"}


def aim_at_real_appointments(case: Any, world: World) -> None:
    """Most generated ids match no record and stop at a 404; point three in four at the world's appointments.

    One in scope, one of the same institution outside a secretary's scope, one of another institution; the
    generated id stays for the fourth. Ids that are not integers (negative cases) are left as generated.
    The same for the other records in paths: an establishment round and application of each institution
    (a draft ready for its review), an evaluation of each station, the stations' codes, an application and an
    awarded project and a research output of each appointment, and a funder's award list of each institution
    (with its rows).
    """
    parameters = case.path_parameters or {}
    aimed = {name: parameters.get(name) for name in RECORDS_IN_PATHS}
    if any(isinstance(value, int) and not isinstance(value, bool) for value in aimed.values()):
        records = real_records(world)
        for name, generated in aimed.items():
            if isinstance(generated, int) and not isinstance(generated, bool):
                ids = [*records[name], generated]
                case.path_parameters[name] = ids[generated % len(ids)]
    code = parameters.get("station_code")
    if isinstance(code, str):
        codes = [world.station.code, world.other_station.code, world.outside_appointment.station.code, code]
        case.path_parameters["station_code"] = codes[len(code) % len(codes)]


RECORDS_IN_PATHS = (
    "appointment_id",
    "round_id",
    "application_id",
    "evaluation_id",
    "project_id",
    "output_id",
    "list_id",
    "row_id",
)


def real_records(world: World) -> dict[str, list[int]]:
    """The ids each kind of path parameter is aimed at; the applications and evaluations are made on first use."""
    outsider = world.outside_appointment
    if not Application.objects.exists():
        application_at(world.institution, "rules", world.admin)
        application_at(outsider.institution, "rules", world.outsider)
        for station in (world.station, world.other_station):
            evaluation_at(station, "rules", world.admin)
        evaluation_at(outsider.station, "rules", world.outsider)
        for appointment, office in ((world.appointment, world.admin), (outsider, world.outsider)):
            project_at(appointment, "applied", office)
            project_at(appointment, "awarded", office)
            output_for(appointment, office)
            award_list_for([appointment], office, extra=1)
    return {
        "appointment_id": [world.appointment.pk, world.other_appointment.pk, outsider.pk],
        "round_id": list(Round.objects.order_by("pk").values_list("pk", flat=True)),
        "application_id": list(Application.objects.order_by("pk").values_list("pk", flat=True)),
        "evaluation_id": list(Evaluation.objects.order_by("pk").values_list("pk", flat=True)),
        "project_id": list(Project.objects.order_by("pk").values_list("pk", flat=True)),
        "output_id": list(Output.objects.order_by("pk").values_list("pk", flat=True)),
        "list_id": list(AwardList.objects.order_by("pk").values_list("pk", flat=True)),
        "row_id": list(AwardListRow.objects.order_by("pk").values_list("pk", flat=True)),
    }


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("persona", ["admin", "secretary"])
@pytest.mark.usefixtures("keep_the_test_transaction")
def test_the_api_keeps_to_its_schema(case: Any, world: World, bearer: dict[str, str]) -> None:
    # The world is made once per operation and persona, not per example: transitions pile up on it,
    # which only widens what the later examples meet (an exited appointment, a recorded assessment).
    aim_at_real_appointments(case, world)
    case.call_and_validate(headers=bearer)


def test_every_operation_of_the_document_is_tested() -> None:
    """Guards the test above: a document schemathesis could only partly read would test less and still pass."""
    declared = {
        f"{method.upper()} {path}" for path, item in api.get_openapi_schema()["paths"].items() for method in item
    }
    loaded = {result.ok().label for result in schema.get_all_operations()}
    assert declared and loaded == declared
