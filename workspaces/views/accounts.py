"""Account pages: sign-in (with the two-factor step), sign-out, password, profile, security.

The two-factor step: a user whose password was right and who has two-factor on is *not* signed
in yet. The session holds a pending marker (user id, auth backend, start time, wrong-code count)
for :data:`PENDING_TTL` seconds; the code page finishes the sign-in. Any login-required page
sends such a user to the sign-in page, which forwards them to the code page.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from workspaces.forms import accounts as forms
from workspaces.models import User
from workspaces.services import accounts, twofactor

PENDING_KEY = "mpp_2fa_pending"
PENDING_TTL = 5 * 60  # seconds to enter the code after the password was accepted
MAX_CODE_FAILURES = 5  # wrong codes before the password must be entered again

_signin_decorators = [sensitive_post_parameters(), csrf_protect, never_cache]


# --- the pending two-factor marker (session state of the sign-in flow) ------------------------


def _pending_start(request: HttpRequest, user: User) -> None:
    # A new session key: a session id planted before the password step is worth nothing.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": str(user.pk),
        "backend": user.backend,  # set by authenticate(); login() needs it later
        "started_at": time.time(),
        "failures": 0,
    }


def _pending_get(request: HttpRequest) -> tuple[dict[str, Any] | None, bool]:
    """``(marker, expired)``: the fresh marker or ``None``; a stale one is dropped."""
    marker = request.session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None, False
    age = time.time() - float(marker.get("started_at", 0))
    if not 0 <= age <= PENDING_TTL:
        _pending_clear(request)
        return None, True
    return marker, False


def _pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- sign-in, two-factor step, sign-out -------------------------------------------------------


@method_decorator(_signin_decorators, name="dispatch")
class SignInView(View):
    template_name = "accounts/login.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        marker, expired = _pending_get(request)
        if marker is not None:
            return redirect(_with_next(reverse("accounts:login-2fa"), _safe_next(request)))
        if expired:
            messages.info(request, _("Your sign-in timed out. Please sign in again."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(forms.SignInForm(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.SignInForm(request, data=request.POST)
        if not form.is_valid():
            if form.non_field_errors():  # the credentials were checked (not just missing)
                accounts.signin_failed_record(email=request.POST.get("username", ""))
            return self.render(form)
        user = form.get_user()
        next_url = _safe_next(request)
        if twofactor.twofactor_is_enabled(user=user):
            _pending_start(request, user)
            return redirect(_with_next(reverse("accounts:login-2fa"), next_url))
        login(request, user)
        accounts.signin_record(user=user, method="password")
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)

    def render(self, form: forms.SignInForm) -> HttpResponse:
        context = {"form": form, "next": _safe_next(self.request)}
        return render(self.request, self.template_name, context)


@method_decorator(_signin_decorators, name="dispatch")
class SignInTwoFactorView(View):
    """The code step. Without a fresh pending marker there is nothing to do: back to sign-in."""

    template_name = "accounts/login_2fa.html"
    marker: dict[str, Any]
    pending_user: User

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        marker, expired = _pending_get(request)
        user = accounts.user_get_for_signin(user_id=marker["user_id"]) if marker else None
        if marker is None or user is None:
            _pending_clear(request)
            if expired:
                messages.info(request, _("Your sign-in timed out. Please sign in again."))
            return redirect(_with_next(reverse("accounts:login"), _safe_next(request)))
        self.marker, self.pending_user = marker, user
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(forms.TwoFactorCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.TwoFactorCodeForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            verification = twofactor.twofactor_verify(
                user=self.pending_user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            failures = int(self.marker.get("failures", 0)) + 1
            if failures >= MAX_CODE_FAILURES:
                _pending_clear(request)
                messages.error(
                    request,
                    _("Too many wrong codes. For your security, please sign in again."),
                )
                return redirect(_with_next(reverse("accounts:login"), _safe_next(request)))
            request.session[PENDING_KEY] = {**self.marker, "failures": failures}
            form.add_error("code", exc)
            return self.render(form)
        return self.finish(verification)

    def finish(self, verification: twofactor.Verification) -> HttpResponse:
        request, user = self.request, self.pending_user
        backend = self.marker["backend"]
        _pending_clear(request)
        login(request, user, backend=backend)
        django_otp.login(request, verification.device)
        accounts.signin_record(user=user, method=f"password+{verification.kind}")
        if verification.kind == "recovery_code":
            left = twofactor.twofactor_status_get(user=user).recovery_codes_left
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)d left. "
                    "Generate new ones on the Security page if you are running low."
                )
                % {"left": left},
            )
        return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)

    def render(self, form: forms.TwoFactorCodeForm) -> HttpResponse:
        context = {
            "form": form,
            "next": _safe_next(self.request),
            "pending_user": self.pending_user,
        }
        return render(self.request, self.template_name, context)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class SignInCancelView(View):
    """Forget the pending two-factor step ("Start over" on the code page)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        _pending_clear(request)
        return redirect("accounts:login")


@method_decorator(never_cache, name="dispatch")
class SignOutView(View):
    """GET asks (a page with a button); POST signs out. Sign-out is never a side effect of GET."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, "accounts/logout.html")

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            accounts.signout_record(user=request.user)
        logout(request)
        messages.success(request, _("You have signed out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)


# --- password change and reset ----------------------------------------------------------------


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(LoginRequiredMixin, View):
    template_name = "accounts/password_change.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": forms.PasswordChangeForm(request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.PasswordChangeForm(request.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        user = accounts.user_password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:security")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetRequestForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        # Links point at the configured site, never at whatever Host header came in.
        return {"site_url": settings.SITE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: forms.SetPasswordForm) -> HttpResponse:
        accounts.user_password_reset(
            user=form.user, new_password=form.cleaned_data["new_password1"]
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- profile and security ---------------------------------------------------------------------


class ProfileView(LoginRequiredMixin, View):
    template_name = "accounts/profile.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = forms.ProfileForm(
            initial={"name": request.user.name, "timezone": request.user.timezone}
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.ProfileForm(request.POST)
        if form.is_valid():
            try:
                accounts.user_update(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("accounts:profile")
        return render(request, self.template_name, {"form": form})


class SecurityView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        status = twofactor.twofactor_status_get(user=request.user)
        return render(request, "accounts/security.html", {"status": status})


class TwoFactorSetupView(LoginRequiredMixin, View):
    """POST "Turn on two-factor": a new unconfirmed device, then the QR code page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return redirect("accounts:security")

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            twofactor.totp_device_start(user=request.user)
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("accounts:security")
        return redirect("accounts:2fa-enable")


@method_decorator(never_cache, name="dispatch")
class TwoFactorEnableView(LoginRequiredMixin, View):
    """Scan the QR code (or type the secret), confirm with a code, see the recovery codes once."""

    template_name = "accounts/twofactor_enable.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            if twofactor.twofactor_is_enabled(user=request.user):
                messages.info(request, _("Two-factor authentication is already on."))
                return redirect("accounts:security")
            self.device = twofactor.totp_device_pending_get(user=request.user)
            if self.device is None:
                return redirect("accounts:security")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(forms.TotpConfirmForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.TotpConfirmForm(request.POST)
        if form.is_valid():
            try:
                codes = twofactor.twofactor_enable(
                    user=request.user, device=self.device, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                django_otp.login(request, self.device)
                messages.success(request, _("Two-factor authentication is on."))
                return render(
                    request, "accounts/recovery_codes.html", {"codes": codes, "is_new": True}
                )
        return self.render(form)

    def render(self, form: forms.TotpConfirmForm) -> HttpResponse:
        context = {
            "form": form,
            # The SVG is generated by the qrcode library from our own URL: markup we produced.
            "qr_svg": mark_safe(twofactor.totp_qr_svg(device=self.device)),  # noqa: S308
            "secret": twofactor.totp_secret_display(device=self.device),
        }
        return render(self.request, self.template_name, context)


class _TwoFactorPasswordView(LoginRequiredMixin, View):
    """A page that re-asks the current password before a two-factor change."""

    template_name: str

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not twofactor.twofactor_is_enabled(user=request.user):
            messages.info(request, _("Two-factor authentication is off."))
            return redirect("accounts:security")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = forms.CurrentPasswordForm(user=request.user)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.CurrentPasswordForm(request.POST, user=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        return self.confirmed(request)

    def confirmed(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class RecoveryCodesView(_TwoFactorPasswordView):
    template_name = "accounts/recovery_codes_regenerate.html"

    def confirmed(self, request: HttpRequest) -> HttpResponse:
        codes = twofactor.recovery_codes_regenerate(user=request.user)
        messages.success(request, _("New recovery codes generated. The old ones no longer work."))
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "is_new": False})


@method_decorator(sensitive_post_parameters(), name="dispatch")
class TwoFactorDisableView(_TwoFactorPasswordView):
    template_name = "accounts/twofactor_disable.html"

    def confirmed(self, request: HttpRequest) -> HttpResponse:
        twofactor.twofactor_disable(user=request.user)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("accounts:security")
