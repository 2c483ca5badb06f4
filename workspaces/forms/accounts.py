"""Account forms: input shape and per-field checks only (saving is done by services)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from django.core.validators import RegexValidator
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.tasks import email_enqueue
from workspaces.models import User
from workspaces.services.accounts import timezone_names
from workspaces.services.tokens import NAME_MAX_LENGTH


def password_rule() -> str:
    """The password rule as one plain sentence, shown wherever a new password is chosen.

    Replaces Django's bullet list of validator help texts; the minimum length follows
    ``AUTH_PASSWORD_VALIDATORS``.
    """
    length = next(
        (
            v.min_length
            for v in get_default_password_validators()
            if isinstance(v, MinimumLengthValidator)
        ),
        8,
    )
    return _(
        "At least %(length)d characters, not only digits, not a common password, and not like "
        "your name or email address."
    ) % {"length": length}


class SignInForm(auth_forms.AuthenticationForm):
    """Email + password. The field stays ``username`` (Django's and django-axes' contract)."""

    username = auth_forms.UsernameField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email and password do not match an account. Check them and try again."
        ),
        "inactive": _("This account is disabled. Ask a workspace admin for help."),
    }


class TwoFactorCodeForm(forms.Form):
    """The sign-in step after the password: a 6-digit code or a recovery code."""

    code = forms.CharField(
        label=_("Authentication code"),
        max_length=20,
        help_text=_(
            "The 6-digit code from your authenticator app, or one of your recovery codes "
            "(each recovery code works once)."
        ),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "class": "input-code",
            }
        ),
    )


class TotpConfirmForm(forms.Form):
    """Confirms a new authenticator app: only a TOTP code (not a recovery code) makes sense."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=7,
        help_text=_("Six digits, refreshed every 30 seconds."),
        validators=[RegexValidator(r"^\s*\d{3}\s?\d{3}\s*$", _("Enter the 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "input-code",
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class CurrentPasswordForm(forms.Form):
    """Re-authentication before a sensitive change (turning 2FA off, new recovery codes)."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not correct."), code="wrong_password")
        return password


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("Shown to your teammates, in audit logs and review requests."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Dates and times in the console are shown in this zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in timezone_names()]


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's checks (old password, validators, match); the service saves."""

    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_rule()


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's reset form; the mail goes through the email task, queued on commit.

    Unknown or inactive addresses get nothing and the same "check your inbox" page.
    """

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_enqueue(to=[to_email], subject=subject, body=body)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password from a reset link (Django's validators); the service saves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_rule()


class TokenCreateForm(forms.Form):
    """A personal API token: a name and an expiry choice."""

    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("never", _("No expiry")),
    ]

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What uses it, e.g. “Laptop IDE” or “CI deploy job”."),
    )
    expiry = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, initial="90")

    def expires_at(self):
        choice = self.cleaned_data["expiry"]
        return None if choice == "never" else timezone.now() + timedelta(days=int(choice))
