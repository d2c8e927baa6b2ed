from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User, station_model
from accounts.signals import client_address
from accounts.throttle import lockout_ends
from audit.events import Event
from core.forms import DateInput, ServiceForm, choice_field, model_choice_field


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or the password is wrong. Both are case-sensitive; try again."),
        "inactive": _("This account is disabled. Ask the postdoc office to enable it."),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            # Axes flags the request when this account or this address has failed too often: say
            # until when, rather than that the password is wrong (it may not be).
            if getattr(self.request, "axes_locked_out", False):
                until = lockout_ends(username=self.cleaned_data.get("username"), address=client_address(self.request))
                raise forms.ValidationError(self._locked_message(until), code="locked") from None
            raise

    @staticmethod
    def _locked_message(until: Any) -> str:
        if until is None:
            return str(_("Too many failed sign-ins. Try again later, or ask the postdoc office to lift the lock."))
        local = timezone.localtime(until)
        return str(
            _(
                "Too many failed sign-ins from this account or this address: sign-in is locked until %(time)s "
                "(%(minutes)s minutes from now). Try again then, or ask the postdoc office to lift the lock."
            )
            % {
                "time": time_format(local, "H:i"),
                "minutes": max(1, round((until - timezone.now()).total_seconds() / 60)),
            }
        )


# ---- the users page ------------------------------------------------------------------------------


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("user name, name or email")}),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("every role"))] + list(Role.choices))
    station: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Station"), required=False, queryset=None, empty_label=_("every station")
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("active and deactivated")), ("yes", _("active")), ("no", _("deactivated"))],
    )

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = _stations(institution_id)


def _stations(institution_id: int | None) -> Any:
    """The stations of the institution (none for an account of no institution)."""
    return station_model()._default_manager.filter(institution__pk=institution_id or 0).order_by("kind", "code")


class AccountForm(ServiceForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_(
            "What the person signs in with; it never changes. Letters, digits and @ . + - _ only, at most 150."
        ),
    )
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The link to set a password is mailed here (at most 254 characters)."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("no role yet"))] + list(Role.choices))
    station: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Station"),
        required=False,
        queryset=None,
        help_text=_("Only for a station secretary: the station they keep."),
    )

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = _stations(institution_id)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        User._meta.get_field("username").run_validators(username)
        return username


class UserChangeForm(ServiceForm):
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)


class RoleForm(ServiceForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    station: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Station"),
        required=False,
        queryset=None,
        help_text=_("Only for a station secretary: the station they keep."),
    )

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = _stations(institution_id)


class OwnPasswordForm(PasswordChangeForm):
    """Django's form (the old password, the new one twice); the page saves through the service."""


class LinkPasswordForm(SetPasswordForm[User]):
    """Django's form for a password set through a mailed link; the page saves through the service."""


# The audit events of the sign-in log (accounts.views.sign_in_log), in the order its filter offers them.
SIGN_IN_EVENTS = (
    Event.USER_SIGNED_IN,
    Event.USER_SIGN_IN_FAILED,
    Event.USER_SIGNED_OUT,
    Event.USER_SIGNED_OUT_EVERYWHERE,
    Event.USER_PASSWORD_CHANGED,
    Event.USER_PASSWORD_LINK_SENT,
    Event.USER_PASSWORD_SET,
    Event.USER_LOCKOUT_LIFTED,
)


class SignInLogFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("user name or address")}),
    )
    event = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "event").choices = [
            ("", _("everything")),
            *((event.value, event.label) for event in SIGN_IN_EVENTS),
        ]
