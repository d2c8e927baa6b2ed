"""Request bodies are JSON objects, for every operation at once (docs/decisions/0008).

django-ninja hands whatever JSON arrives to the operation's schema: a string such as "drop table"
was then read through its attributes (its `.title()` became the title) and `[null, null]` passed as
a body with every field left out. The parser refuses anything but an object before any schema sees
it, and leaves the sentence on the request for the API's error handler to answer with a 422.
"""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.parser import Parser

PROBLEM_ATTRIBUTE = "api_body_problem"

JSON_TYPES = {
    str: gettext_lazy("a string"),
    list: gettext_lazy("an array"),
    int: gettext_lazy("a number"),
    float: gettext_lazy("a number"),
    bool: gettext_lazy("a boolean"),
}


class NotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            kind = _("null") if data is None else JSON_TYPES.get(type(data), type(data).__name__)
            problem = _("The request body must be a JSON object with the operation's fields, not %(kind)s.") % {
                "kind": kind
            }
            setattr(request, PROBLEM_ATTRIBUTE, problem)
            raise NotAnObject(problem)
        return data


def body_problem(request: HttpRequest) -> str | None:
    """The sentence the parser left when it refused a body that is not an object, if it did."""
    problem = getattr(request, PROBLEM_ATTRIBUTE, None)
    return problem if isinstance(problem, str) else None
