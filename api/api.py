"""The REST API under /api/v1/, assembled: auth, the docs, the error handlers and each app's router (`<app>/api.py`)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth

from api.bodies import ObjectBodyParser, body_problem
from api.services import token_user
from appointments.api import admissions_router
from appointments.api import router as appointments_router
from awardlists.api import router as awardlists_router
from catalogue.api import router as catalogue_router
from core.errors import DomainError, RuleViolation
from establishment.api import router as establishment_router
from establishment.evaluation_api import router as evaluations_router
from funding.api import router as funding_router
from funding.rules import RuleWarning
from outputs.api import router as outputs_router
from people.api import reference_router as supervisors_router
from people.api import router as people_router
from reports.api import router as figures_router
from reviews.api import router as reviews_router
from stations.api import reference_router as stations_router


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a personal API token (see /api/tokens/)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token.strip())
        if user is not None:
            request.user = user
        return user


class LocalSwagger(DocsBase):
    """Swagger UI from django-ninja's bundled static files: never a CDN, and no inline script (docs/decisions/0025)."""

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        settings = {"layout": "BaseLayout", "deepLinking": True, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/swagger.html", {"api": api, "swagger_settings": settings})


class BrowserSession(SessionAuth):
    """The signed-in browser may read (GET) — the interactive docs work without a token. Writes need a token."""

    def __init__(self) -> None:
        super().__init__(csrf=False)  # only safe methods are accepted, which CSRF never guards

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.method not in ("GET", "HEAD"):
            return None
        return super().authenticate(request, key)


api = NinjaAPI(
    urls_namespace="api-v1",
    version="1",
    title="Postdoc Office API",
    description="Read the postdoc office's records and record transitions, within your scope.",
    auth=[TokenAuth(), BrowserSession()],
    docs=LocalSwagger(),
    parser=ObjectBodyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# Errors -------------------------------------------------------------------------------------


# Every answer other than a success is JSON with a `message`, in the shapes the responses below declare
# (core.api_schemas: MessageOut, RefusalOut, InvalidRequestOut), so that the OpenAPI document describes it too.


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    violations = exc.violations if isinstance(exc, RuleViolation) else []
    body = {
        "message": exc.message,
        "field": exc.field,
        "violations": [
            {"rule": v.rule, "message": v.message, "overridable": v.overridable, "field": v.field} for v in violations
        ],
    }
    return api.create_response(request, body, status=400)


# The funding services name the catalogue's records; a request names them by id.
REQUEST_FIELDS = {"funder_ref": "funder_id", "programme_ref": "programme_id"}


@api.exception_handler(RuleWarning)
def rule_warning(request: HttpRequest, exc: RuleWarning) -> HttpResponse:
    """A funding rule in warning mode (funding.schemas.WarningOut): nothing was written; the same request with
    `acknowledged: true` records it, as the pages' acknowledgement box does."""
    body = {
        "message": exc.message,
        "field": REQUEST_FIELDS.get(exc.field or "", exc.field),
        "warnings": [
            {"rule": b.rule, "message": b.message, "field": REQUEST_FIELDS.get(b.field, b.field)} for b in exc.breaches
        ],
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:] if part not in ("body", "payload")),
            "message": error.get("msg", ""),
            "loc": list(error.get("loc", ())),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"message": _("The request is not valid."), "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Outside the user's scope looks the same as not existing."""
    return api.create_response(request, {"message": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": _("A valid API token is required.")}, status=401)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"message": str(exc) or _("You are not allowed to do this.")}, status=403)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a body that is not JSON is its 400), in our shape rather than its `detail`.

    A body that is JSON but not an object is a 422 like any other body that breaks its schema."""
    problem = body_problem(request)
    if exc.status_code == 400 and problem:
        error = {"field": "", "message": problem, "loc": ["body"]}
        return api.create_response(request, {"message": problem, "errors": [error]}, status=422)
    message = _("The request body is not valid JSON.") if exc.status_code == 400 else exc.message
    return api.create_response(request, {"message": message}, status=exc.status_code)


# The apps' routers, in the order of the OpenAPI document (its operations, and so its schemas) ----------

api.add_router("", catalogue_router)
api.add_router("", stations_router)
api.add_router("", supervisors_router)
api.add_router("", appointments_router)
api.add_router("", figures_router)
api.add_router("", reviews_router)
api.add_router("", establishment_router)
api.add_router("", evaluations_router)
api.add_router("", funding_router)
api.add_router("", awardlists_router)
api.add_router("", outputs_router)
api.add_router("", admissions_router)
api.add_router("", people_router)
