"""Sign-in accounts and their roles, kept through accounts.services (each write audited).

Accounts are created with `user_create` and roles added with `role_assign`. An existing account's
own fields are shown read-only: no service changes them yet (and a plain save would copy the
password hash into the audit log).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import Refused, ServiceAdmin, acting_user, institution_id_of, may_manage_reference
from accounts.models import RoleAssignment, User
from accounts.services import role_assign, user_create
from core.errors import DomainError

# Permissions come from roles (accounts.access), not from Django's groups: hide them.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class RoleAssignmentInline(admin.TabularInline[RoleAssignment, User]):
    model = RoleAssignment
    extra = 1
    fields = ["role", "station"]
    verbose_name = _("role")
    verbose_name_plural = _("roles")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("station")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "station" and not request.user.is_superuser:
            station = db_field.related_model  # stations' model, a layer above (docs/decisions/0028)
            kwargs["queryset"] = station._default_manager.filter(institution_id=institution_id_of(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_reference(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_reference(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a role is assigned, not edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccountCreationForm(forms.ModelForm[User]):
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("The same password, to catch typing mistakes."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "institution", "is_staff"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.instance)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


@admin.register(User)
class UserAdmin(ServiceAdmin):
    list_display = ["username", "first_name", "last_name", "institution", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff"]
    list_select_related = ["institution"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [RoleAssignmentInline]
    ordering = ["username"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = AccountCreationForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["username", "password1", "password2", "first_name", "last_name", "email", "institution", "is_staff"]
        return ["username", "first_name", "last_name", "email", "institution", "is_active", "is_staff", "last_login"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.get_fields(request, obj)

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # the account's own fields are read-only here
        created = user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            institution=form.cleaned_data["institution"],
            is_staff=form.cleaned_data["is_staff"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email=form.cleaned_data["email"],
            by=acting_user(request),
        )
        obj.pk = created.pk
        obj.password = created.password
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        created = []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if inline_form.instance.pk is not None or not data or not data.get("role"):
                continue
            try:
                created.append(
                    role_assign(
                        user=form.instance, role=data["role"], station=data.get("station"), by=acting_user(request)
                    )
                )
            except DomainError as error:
                raise Refused(error) from error
        # What the admin's change message reads.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, [], []
