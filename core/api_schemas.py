"""The parts every app's API shares: request bodies, text and day fields, paging, and the error shapes."""

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000_000  # beyond any list; an unbounded one overflows the database's integer

# A date in a request is written YYYY-MM-DD with a year from 1900 to 2299. Pydantic alone would also take
# 0 as 1970-01-01, and years as early as 1, from which the figures' window of N years back cannot be
# counted (a 500).
DAY_PATTERN = r"^(19|2[0-2])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _written_as_a_day(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(DAY_PATTERN, value)):
        return value
    raise PydanticCustomError("day_format", "Input should be a date written YYYY-MM-DD, year 1900 to 2299")


Day = Annotated[dt.date, BeforeValidator(_written_as_a_day), Field(json_schema_extra={"pattern": DAY_PATTERN})]

# PostgreSQL refuses NUL characters in text, so a request's text that holds one is refused here (a 422)
# rather than by the database (a 500, and only on PostgreSQL). Lone surrogates pydantic refuses itself.
NO_NUL_PATTERN = r"^[^\x00]*$"


def text(default: Any, *, max_length: int, description: str | None = None) -> Any:
    """A text field of a request: bounded, free of NUL, and documented as such in the OpenAPI document."""
    return Field(default, max_length=max_length, pattern=NO_NUL_PATTERN, description=description)


def if_given(**constraints: Any) -> Any:
    """A field of a partial update that a request may leave out (None then: the service changes only
    the fields given), documented with its own type and constraints. Typed Any like `text`: the
    field's type says what a client may send, not the None of a field it did not."""
    return Field(None, **constraints)


class RequestBody(Schema):
    """The base of every request body (docs/decisions/0008): an object with the documented fields only
    (an unknown one is a 422 naming it, not silently dropped), and booleans written true or false
    (pydantic alone counts 0, "no" or "off" as false) and never taken for numbers. A body that is not a JSON object at all is
    refused before it gets here (api/bodies.py): django-ninja's `Schema` reads whatever it is given
    through its attributes, so a JSON string's `.title` method became a title."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation in BOOLEANS and value is not None and not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "Input should be true or false (a JSON boolean)")
        # Nor is a boolean a number (pydantic alone reads true as the id 1).
        if field is not None and field.annotation in INTEGERS and isinstance(value, bool):
            raise PydanticCustomError("int_type", "Input should be a whole number, not true or false")
        return value


BOOLEANS = (bool, bool | None)
INTEGERS = (int, int | None)


class Paging(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Page[T](BaseModel):
    count: int
    items: list[T]


# Errors: every answer other than a success is JSON with a `message` a person can read ---------------


class MessageOut(Schema):
    """No valid token (401), not allowed (403), or outside your scope or missing (404)."""

    message: str


class FieldErrorOut(Schema):
    field: str = Field(description="the parameter or body field, dotted; empty for the request as a whole")
    message: str
    loc: list[str | int] = Field(description="where the error is: the part of the request, then the field path")


class InvalidRequestOut(Schema):
    """A parameter or body field does not fit its type (422); nothing ran."""

    message: str
    errors: list[FieldErrorOut]


class ViolationOut(Schema):
    rule: str
    message: str
    overridable: bool = Field(description="an office administrator may record an exception to it")
    field: str | None


class RefusalOut(Schema):
    """The change was refused (400): a rule of the office, or a body that is not JSON. Nothing was written."""

    message: str
    field: str | None = None
    violations: list[ViolationOut] = Field(default_factory=list)


# What an operation may answer besides its success. Declared on each, so that the OpenAPI document lists
# every response a client can get and schema checks (tests/schema/test_conformance.py) hold for errors.
READ_ERRORS: dict[int, Any] = {401: MessageOut, 422: InvalidRequestOut}
RECORD_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: MessageOut}
CHANGE_ERRORS: dict[int, Any] = {**RECORD_ERRORS, 400: RefusalOut, 403: MessageOut}


def page(queryset: QuerySet[Any], paging: Paging, out: Any) -> dict[str, Any]:
    """One page of a list: the count of the whole list and the rows of the page, each through `out`."""
    count = queryset.count()
    rows = queryset[paging.offset : paging.offset + paging.limit]
    return {"count": count, "items": [out(row) for row in rows]}


# Each request body carries an example for the interactive docs; schema tests send it too, so that a change
# that succeeds is among the requests they check (random dates mostly fall before the entry or in the future).


def example(body: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [body]})
