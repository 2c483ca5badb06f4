"""The Django admin, behind the console's own sign-in and its second factor.

The stock admin has a password-only login form: a user with two-factor on who posted email and
password there was signed in to the whole console without the code. Here the admin has no
sign-in form of its own: ``/admin/login/`` sends people to the console's sign-in (password, then
the code step when the user has two-factor on), and the admin only admits staff whose session
passed that second factor when they have one (``request.user.is_verified()``, set by
django-otp's middleware when the console's code step finished).

Installed as the ``admin`` app (``INSTALLED_APPS``), so ``admin.site`` is this site everywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache


def session_passed_second_factor(request: HttpRequest) -> bool:
    """True unless the user has two-factor on and this session did not pass the code step."""
    from workspaces.services import twofactor  # the app registry is not ready at import time

    user = request.user
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)  # django_otp.middleware.OTPMiddleware
    if callable(is_verified) and is_verified():
        return True
    return not twofactor.twofactor_is_enabled(user=user)


class ConsoleAdminSite(admin.AdminSite):
    site_header = "MPP administration"
    site_title = "MPP administration"
    index_title = "Administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and session_passed_second_factor(request)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """No password form here: the console's sign-in (with its code step) signs people in."""
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
        if not next_url or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = index
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if request.user.is_authenticated:
            # Signed in to the console (with its second factor) but not staff: nothing to offer.
            raise PermissionDenied("The administration is for staff accounts only.")
        return HttpResponseRedirect(
            f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        )

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Sign out through the console (one sign-out page, POST only)."""
        return HttpResponseRedirect(reverse("accounts:logout"))

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["site_url"] = reverse("console:home")
        return context


class ConsoleAdminConfig(AdminConfig):
    default_site = "console.admin_site.ConsoleAdminSite"
