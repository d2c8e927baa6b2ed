"""schemathesis on the admission and personal-details operations (appointments/api.py, people/api.py), for every persona.

The same configuration as test_schema_conformance.py (its checks include "negative_data_rejection":
an invalid request accepted fails the test), with the people in paths aimed at real ones: the
persona's own, another of its institution, one of another institution, or the generated id.
"""

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests.clients import PERSONAS
from tests.factories import World
from tests.schema.test_conformance import CONFIG, aim_at_real_appointments, bearer, keep_the_test_transaction

__all__ = ["bearer", "keep_the_test_transaction"]  # fixtures used below

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG).include(
    path_regex=r"^/api/v1/(people/|stations/\{station_code\}/admissions)"
)


def aim_at_real_people(case: Any, world: World) -> None:
    aim_at_real_appointments(case, world)
    generated = (case.path_parameters or {}).get("person_id")
    if isinstance(generated, int) and not isinstance(generated, bool):
        ids = [
            world.appointment.person_id,
            world.other_appointment.person_id,
            world.outside_appointment.person_id,
            generated,
        ]
        case.path_parameters["person_id"] = ids[generated % len(ids)]


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.usefixtures("keep_the_test_transaction")
def test_the_people_operations_keep_to_their_schema(case: Any, world: World, bearer: dict[str, str]) -> None:
    aim_at_real_people(case, world)
    case.call_and_validate(headers=bearer)


def test_the_people_operations_are_all_tested() -> None:
    operations = {f"{o.method.upper()} {o.path}" for o in (r.ok() for r in schema.get_all_operations())}
    assert operations == {
        "POST /api/v1/stations/{station_code}/admissions",
        "GET /api/v1/people/{person_id}",
        "POST /api/v1/people/{person_id}/update",
        "POST /api/v1/people/{person_id}/correct-id",
    }
