"""The record an account is linked to, on the accounts' pages: the parts people adds to the users
page of an account and to "My account" (registered in PeopleConfig.ready()), the link form, and the
pages that link and unlink an account (their URLs keep the users page's: config/urls.py)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import get_account_for_user
from accounts.http import SignedInRequest
from accounts.models import User
from accounts.user_page import confirm, detail_url, detail_with_error
from core.errors import DomainError
from core.forms import ServiceForm
from core.page_parts import PagePart
from core.views import redirect_after_post
from people.accounts import account_link, account_unlink
from people.models import Person, Supervisor


class LinkForm(ServiceForm):
    """The supervisor (by staff number) or the postdoc (by postdoc number) the account belongs to."""

    supervisor = forms.CharField(label=gettext_lazy("Supervisor's staff number"), max_length=30, required=False)
    postdoc = forms.CharField(
        label=gettext_lazy("Postdoc number"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("A postdoc's number of any of their stays links the account to the person."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("supervisor", "").strip()) == bool(cleaned.get("postdoc", "").strip()):
            raise forms.ValidationError(gettext_lazy("Give either a supervisor's staff number or a postdoc number."))
        return cleaned


# ---- the parts of the accounts' pages -----------------------------------------------------------


def linked_record_part(_request: HttpRequest, account: User) -> dict[str, Any]:
    """The users page of an account: the record it is linked to, or the form to link it."""
    return {
        "supervisor": Supervisor.objects.filter(user=account).select_related("station").first(),
        "person": Person.objects.filter(user=account).first(),
        "link_form": LinkForm(),
    }


def my_linked_record_part(_request: HttpRequest, user: User) -> dict[str, Any]:
    """My account: the record the person's own account is linked to."""
    return {
        "supervisor": Supervisor.objects.filter(user=user).first(),
        "person": Person.objects.filter(user=user).first(),
    }


USER_PAGE_PART = PagePart("linked-record", "people/account_link.html", linked_record_part)
MY_ACCOUNT_PART = PagePart("linked-record", "people/account_linked.html", my_linked_record_part)


# ---- linking and unlinking (office administrators) ----------------------------------------------


@login_required
@require_POST
def account_link_page(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        staff_no, postdoc_no = form.cleaned_data["supervisor"].strip(), form.cleaned_data["postdoc"].strip()
        institution = request.user.institution
        supervisor = person = None
        if staff_no:
            supervisor = Supervisor.objects.filter(institution=institution, staff_no=staff_no).first()
            if supervisor is None:
                form.add_error("supervisor", _("No supervisor of your institution has the staff number %s.") % staff_no)
        else:
            # A postdoc number names one stay in the institution (unique there): its person.
            person = Person.objects.filter(
                appointments__institution=institution, appointments__postdoc_no=postdoc_no
            ).first()
            if person is None:
                form.add_error("postdoc", _("No postdoc of your institution has the number %s.") % postdoc_no)
        if supervisor is not None or person is not None:
            try:
                account_link(user=account, supervisor=supervisor, person=person, by=request.user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The account is linked to %s.") % (supervisor or person))
                return redirect_after_post(request, detail_url(account, "link"))
    return detail_with_error(request, account, link_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def account_unlink_page(request: SignedInRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    return confirm(
        request,
        account,
        title=_("Unlink the account"),
        text=_(
            "%(user)s will no longer see the records of the supervisor or postdoc it is linked to. The records stay."
        )
        % {"user": account.username},
        button=_("Unlink"),
        action=lambda: account_unlink(user=account, by=request.user),
        done=_("The account is unlinked."),
    )
