"""Signing in and out (Django's own views with the office's templates); the users page, where an
office administrator runs their institution's accounts (linking one to its supervisor or postdoc
record is people's: people/account_pages.py); every person's "My account" page; and the page a
mailed link opens to set one's password."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.access import get_account_for_user, institution_accounts, require_manages_accounts
from accounts.forms import (
    SIGN_IN_EVENTS,
    AccountForm,
    LinkPasswordForm,
    OwnPasswordForm,
    RoleForm,
    SignInForm,
    SignInLogFilterForm,
    UserChangeForm,
    UserFilterForm,
)
from accounts.http import SignedInRequest
from accounts.models import RoleAssignment, User, institution_model
from accounts.user_page import confirm, detail_context, detail_url, detail_with_error, open_sessions
from audit.events import event_label
from audit.models import AuditEvent
from core import page_parts
from core.errors import DomainError
from core.sorting import SortColumn, Sorting
from core.views import is_htmx, paginate, redirect_after_post


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        # The sign-in's writes (the new session, last_login, the session list, the audit event) in one
        # short transaction: on SQLite one wait for the write lock rather than one per write.
        with transaction.atomic():
            return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # A fresh database: no account can sign in yet, so say how an installation begins.
        context["no_institution"] = not institution_model()._default_manager.exists()
        return context


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), then back to the sign-in page."""


# ---- the users page (office administrators) ----------------------------------------------------


def listed_accounts(request: SignedInRequest) -> tuple[UserFilterForm, QuerySet[User], bool]:
    form = UserFilterForm(request.GET or None, institution_id=request.user.institution_id)
    accounts = (
        institution_accounts(request.user)
        .prefetch_related(Prefetch("roles", queryset=RoleAssignment.objects.select_related("station")))
        .select_related("supervisor", "person")
    )
    filtered = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = data["q"].strip()
        if text:
            accounts = accounts.filter(
                Q(username__icontains=text)
                | Q(first_name__icontains=text)
                | Q(last_name__icontains=text)
                | Q(email__icontains=text)
            )
        if data["role"]:
            accounts = accounts.filter(roles__role=data["role"])
        if data["station"]:
            accounts = accounts.filter(
                Q(roles__station=data["station"])
                | Q(supervisor__station=data["station"])
                | Q(person__appointments__station=data["station"])
            )
        if data["active"]:
            accounts = accounts.filter(is_active=data["active"] == "yes")
        filtered = bool(text or data["role"] or data["station"] or data["active"])
        accounts = accounts.distinct()
    return form, USER_SORTING.order(accounts, USER_SORTING.from_request(request)), filtered


# The users list's sortable columns (core/sorting.py); its own order is by user name.
USER_SORTING = Sorting(
    {
        "username": ("username",),
        "name": ("last_name", "first_name"),
        "status": ("is_active",),
        "last_login": SortColumn(("last_login",), descending_first=True),
    },
    default=("username",),
)


@login_required
@require_GET
def user_list(request: SignedInRequest) -> HttpResponse:
    require_manages_accounts(request.user)
    form, accounts, filtered = listed_accounts(request)
    context = {
        "form": form,
        "filtered": filtered,
        "sort": USER_SORTING.from_request(request),
        **paginate(request, accounts),
    }
    if is_htmx(request):
        return render(request, "accounts/user_list.html#rows", context)
    return render(request, "accounts/user_list.html", context)


def listed_sign_ins(request: SignedInRequest) -> tuple[SignInLogFilterForm, QuerySet[AuditEvent]]:
    """The institution's sign-in events the log's search and filters select, newest first. Failures
    under a user name nobody has belong to no institution, so they are not among them: with several
    institutions on one server nobody could say whose they are."""
    form = SignInLogFilterForm(request.GET or None)
    institution_id = request.user.institution_id
    assert institution_id is not None  # an office administrator's (require_manages_accounts)
    events = AuditEvent.objects.filter(institution_id=institution_id, event__in=SIGN_IN_EVENTS)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = data["q"].strip()
        if text:
            events = events.filter(Q(target_label__icontains=text) | Q(actor_label__icontains=text))
        if data["event"]:
            events = events.filter(event=data["event"])
        if data["since"]:
            events = events.filter(occurred_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(occurred_at__date__lte=data["until"])
    return form, events.order_by("-occurred_at", "-id")


@login_required
@require_GET
def sign_in_log(request: SignedInRequest) -> HttpResponse:
    """Who signed in, failed to, signed out or changed a password, and from where (office administrators)."""
    require_manages_accounts(request.user)
    form, events = listed_sign_ins(request)
    context: dict[str, Any] = {"form": form, **paginate(request, events)}
    context["rows"] = [(event, event_label(event.event)) for event in context["page_obj"]]
    if is_htmx(request):
        return render(request, "accounts/sign_ins.html#rows", context)
    return render(request, "accounts/sign_ins.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    require_manages_accounts(user)
    form = AccountForm(request.POST or None, institution_id=user.institution_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assert user.institution is not None  # an office administrator has an institution (has_perm)
        try:
            created = services.account_create(
                institution=user.institution,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                roles=[(data["role"], data["station"])] if data["role"] else [],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("The account %(name)s is created; a link to set a password is mailed to %(email)s.")
                % {"name": created.username, "email": created.email},
            )
            return redirect_after_post(request, reverse("user-detail", kwargs={"pk": created.pk}))
    return render(request, "accounts/user_new.html", {"form": form})


@login_required
@require_GET
def user_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return render(request, "accounts/user_detail.html", detail_context(request, account))


@login_required
@require_POST
def user_change(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    form = UserChangeForm(request.POST)
    if form.is_valid():
        try:
            services.user_change(user=account, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The account's details are saved."))
            return redirect_after_post(request, detail_url(account))
    return detail_with_error(request, account, change_form=form)


@login_required
@require_POST
def role_add(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    form = RoleForm(request.POST, institution_id=request.user.institution_id)
    if form.is_valid():
        try:
            services.role_assign(
                user=account, role=form.cleaned_data["role"], station=form.cleaned_data["station"], by=request.user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The role is assigned."))
            return redirect_after_post(request, detail_url(account, "roles"))
    return detail_with_error(request, account, role_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def role_remove(request: SignedInRequest, pk: int, role_pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    try:
        assignment = account.roles.select_related("station").get(pk=role_pk)
    except RoleAssignment.DoesNotExist as exc:
        raise Http404 from exc
    label = assignment.get_role_display() + (f" · {assignment.station}" if assignment.station_id else "")
    return confirm(
        request,
        account,
        title=_("Remove a role"),
        text=_("%(user)s will no longer be %(role)s. What they did in that role stays recorded.")
        % {"user": account.username, "role": label},
        button=_("Remove the role"),
        action=lambda: services.role_remove(assignment=assignment, by=request.user),
        done=_("The role is removed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return confirm(
        request,
        account,
        title=_("Deactivate the account"),
        text=_(
            "%(user)s will no longer be able to sign in or use their API tokens, and their open sessions end. "
            "Nothing they did is lost; you can reactivate the account later."
        )
        % {"user": account.username},
        button=_("Deactivate"),
        action=lambda: services.user_deactivate(user=account, by=request.user),
        done=_("The account is deactivated."),
    )


def _post_action(request: SignedInRequest, account: User, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect_after_post(request, detail_url(account))


@login_required
@require_POST
def user_reactivate(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return _post_action(
        request,
        account,
        lambda: services.user_reactivate(user=account, by=request.user),
        _("The account is active again."),
    )


@login_required
@require_POST
def password_link_send(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return _post_action(
        request,
        account,
        lambda: services.password_link_send(user=account, by=request.user),
        _("A link to set a new password is mailed to %s.") % account.email,
    )


@login_required
@require_POST
def lockout_lift(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return _post_action(
        request,
        account,
        lambda: services.lockout_lift(user=account, by=request.user),
        _("The lock is lifted: %s can sign in again.") % account.username,
    )


# ---- My account (every signed-in person) ---------------------------------------------------------


def _account_context(request: SignedInRequest, form: OwnPasswordForm | None = None) -> dict[str, Any]:
    user = request.user
    return {
        "assignments": user.roles.select_related("station").order_by("role", "station__code"),
        "sessions": open_sessions(user),
        "current_key": request.session.session_key,
        "form": form or OwnPasswordForm(user),
        # The records the account is linked to, from the apps that keep them (people).
        **page_parts.context_for("my-account", request, user),
    }


@login_required
@require_GET
def my_account(request: SignedInRequest) -> HttpResponse:
    return render(request, "accounts/my_account.html", _account_context(request))


@login_required
@require_POST
def password_change(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = OwnPasswordForm(user, request.POST)
    if form.is_valid():
        try:
            services.password_change(user=user, password=form.cleaned_data["new_password1"], by=user)
        except DomainError as error:
            form.add_error("new_password1", error.message)
        else:
            # This session stays signed in; every other one ends with the old password.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed. Your other sessions are signed out."))
            return redirect_after_post(request, reverse("my-account"))
    return render(request, "accounts/my_account.html", _account_context(request, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request: SignedInRequest) -> HttpResponseBase:
    if request.method == "POST":
        services.sessions_end_all(user=request.user, by=request.user)
        logout(request)
        messages.success(request, _("You are signed out everywhere, here too."))
        return HttpResponseRedirect(reverse("login"))
    return render(request, "accounts/sign_out_everywhere.html", {"sessions": open_sessions(request.user)})


# ---- a password set through a mailed link -------------------------------------------------------


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation (the token checks the link) saving through the service."""

    template_name = "registration/password_set.html"
    form_class = LinkPasswordForm
    success_url = reverse_lazy("password-set-done")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        try:
            services.password_set(user=user, password=form.cleaned_data["new_password1"], by=user)
        except DomainError as error:
            form.add_error("new_password1", error.message)
            return self.form_invalid(form)
        # What Django's own form_valid does after saving: the link is used up.
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_set_done.html"
