"""core.bulk: records built and inserted by the bulk paths are those Django's own would be."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from appointments.models import Appointment, PolicyException
from audit.services import snapshot
from core.bulk import insert_many, new_record
from funding.models import Project
from people.models import Person
from tests.factories import World


def _state(record: models.Model) -> tuple[dict[str, Any], dict[str, Any], bool]:
    values = {k: v for k, v in vars(record).items() if k != "_state"}
    return values, dict(record._state.fields_cache), record._state.adding


def _cases(world: World) -> list[tuple[type[models.Model], dict[str, Any]]]:
    person_values = {
        "institution": world.institution,
        "name": "张三",
        "gender": "f",
        "birth_date": dt.date(1990, 1, 1),
        "id_type": "resident",
        "id_number": "11010519491231002X",
    }
    return [
        (Person, person_values),
        (
            Appointment,
            {
                "institution_id": world.institution.pk,
                "person": world.appointment.person,
                "station": world.station,
                "postdoc_no": "B-1",
                "route": "unified",
                "workstation": None,
                "primary_supervisor": world.supervisor,
                "entry_date": dt.date(2024, 9, 1),
                "planned_exit_date": dt.date(2026, 9, 1),
                "status": "in_station",
                "created_by": world.admin,
            },
        ),
        (
            Project,
            {
                "institution": world.institution,
                "project_no": "P-1",
                "title": "t",
                "funder": "f",
                "level": "national",
                "amount": Decimal("12.50"),
                "awarded_on": dt.date(2025, 1, 1),
                "holder": world.appointment,
            },
        ),
        (
            PolicyException,
            {"appointment": world.appointment, "rule": "r", "message": "m", "reason": "x", "granted_by": world.admin},
        ),
    ]


def test_new_record_is_what_the_model_constructor_makes(world: World) -> None:
    for model, values in _cases(world):
        assert _state(new_record(model, **values)) == _state(model(**values)), model


def test_new_record_refuses_an_unknown_field_as_the_constructor_does(world: World) -> None:
    with pytest.raises(TypeError, match="colour"):
        new_record(Person, name="x", colour="red")


def test_insert_many_saves_what_save_would(world: World) -> None:
    """Each model inserted by insert_many reads back as the same record saved one by one does."""
    for model, values in _cases(world):
        if model is Project:
            bulk_values = {**values, "project_no": "P-2"}
        elif model is Person:
            bulk_values = {**values, "id_number": "110105194912310020"}
        elif model is Appointment:
            bulk_values = {**values, "postdoc_no": "B-2"}
        else:
            bulk_values = values
        one = model(**values)
        one.save()
        many = [new_record(model, **bulk_values)]
        insert_many(many)
        assert many[0].pk is not None and many[0]._state.adding is False
        saved, inserted = model.objects.get(pk=one.pk), model.objects.get(pk=many[0].pk)
        ignore = {"id", "project_no", "postdoc_no", "id_number", "created_at", "recorded_at", "granted_at"}
        assert {k: v for k, v in snapshot(saved).items() if k not in ignore} == {
            k: v for k, v in snapshot(inserted).items() if k not in ignore
        }
        for stamp in ("created_at", "granted_at"):
            if hasattr(inserted, stamp):
                assert getattr(inserted, stamp) == getattr(many[0], stamp)
                assert abs(getattr(inserted, stamp) - getattr(saved, stamp)) < dt.timedelta(minutes=1)
