"""The admin's shared rules: scoped to the user's institution, written through the services.

An office administrator keeps reference data here. Every save goes through a service (with its
audit event); a refusal comes back on the form with the input kept. Nothing is deleted from the
admin: reference data is referenced by history, and records have their own transitions.
"""

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.access import Perm, has_perm
from accounts.models import User, institution_model
from core.errors import DomainError


class Refused(Exception):
    """A service refused a save; the admin shows its sentence on the form."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


def institution_id_of(request: HttpRequest) -> int:
    """The signed-in user's institution (0, matching nothing, for an account without one)."""
    return getattr(request.user, "institution_id", None) or 0


def acting_user(request: HttpRequest) -> User:
    """The account saving through the admin: it shows its pages only to signed-in accounts (an
    anonymous visitor is sent to sign in), so a save always has one."""
    user = request.user
    assert isinstance(user, User), "the admin saves only for a signed-in account"
    return user


def may_manage_reference(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or has_perm(user, Perm.MANAGE_REFERENCE)))


class ScopedAdmin(admin.ModelAdmin[Any]):
    """Rows and choices limited to the user's institution (superusers see every institution)."""

    # The lookup from this model to its institution's id; None for data shared by all institutions.
    institution_lookup: str | None = "institution_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser or self.institution_lookup is None:
            return queryset
        return queryset.filter(**{self.institution_lookup: institution_id_of(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            related = db_field.related_model
            institution_id = institution_id_of(request)
            if related is institution_model():  # catalogue's, a layer above (docs/decisions/0028)
                kwargs["queryset"] = related._default_manager.filter(pk=institution_id)
            elif any(field.name == "institution" for field in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(institution_id=institution_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_reference(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_reference(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_reference(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_reference(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reference data is referenced by appointments and history; nothing is deleted here.
        return False


class ServiceAdmin(ScopedAdmin):
    """Writes through a service (validation, permission, audit event): `save_through_service`. A
    refusal comes back on the form with the input kept."""

    def save_through_service(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            self.save_through_service(request, obj, form, change)
        except DomainError as error:
            raise Refused(error) from error

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            # The save was rolled back with the admin's transaction. Validate the same input again,
            # this time with the service's sentence on the form, so nothing the user typed is lost.
            # The refusal rides on the request to get_form below: the admin gives no other way there.
            request._office_refusal = refused.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        found: DomainError | None = getattr(request, "_office_refusal", None)
        if found is None:
            return form_class
        refusal: DomainError = found

        # A subclass of the form the admin built at run time, which mypy cannot take as a base.
        class RefusedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> Any:
                cleaned = super().clean()
                field = refusal.field if refusal.field in self.fields else None
                self.add_error(field, refusal.message)
                return cleaned

        return RefusedForm


class ReadOnlyAdmin(ScopedAdmin):
    """Records kept by their own services: the admin only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
