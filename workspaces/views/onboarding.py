"""Onboarding: sign up (``/welcome/signup/``) and create a workspace (``/welcome/workspace/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from workspaces.forms.onboarding import SignupConfirmForm, SignupForm, WorkspaceCreateForm
from workspaces.selectors import membership_list_for_user
from workspaces.services.signup import (
    LINK_REFUSALS,
    signup_allowed,
    signup_confirm,
    signup_link_read,
    signup_request,
)
from workspaces.services.workspaces import workspace_create

SENT_KEY = "mpp_signup_sent_to"  # the address the last sign-up mail went to (the "sent" page)

# Service error keys → form fields.
SIGNUP_FIELDS = {"email": "email", "name": "name"}
CONFIRM_FIELDS = {"name": "name", "password": "password1"}  # anything else: a form-wide error
WORKSPACE_FIELDS = {"name": "name", "kind": "kind", "default_language": "default_language"}


def _errors_to_form(form, exc: ValidationError, fields: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(fields.get(key), error)
    else:
        form.add_error(None, exc)


class _SignupBase(View):
    """Public. Closed (a page asking for an invitation) when ``MPP_ALLOW_SIGNUP`` is off."""

    closed_template_name = "workspaces/onboarding/signup_closed.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("console:home")
        if not signup_allowed():
            status = 200 if request.method == "GET" else 403
            return render(request, self.closed_template_name, status=status)
        return super().dispatch(request, *args, **kwargs)


class SignupView(_SignupBase):
    """Name and email; the answer is "check your inbox" whether or not the address is
    registered (``signup_request`` mails a confirmation link or a "you have an account" note).
    The password is chosen later, on the link's page, so it never travels in a link."""

    template_name = "workspaces/onboarding/signup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": SignupForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                email = signup_request(
                    email=form.cleaned_data["email"], name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                _errors_to_form(form, exc, SIGNUP_FIELDS)
            else:
                request.session[SENT_KEY] = email
                return redirect("onboarding:signup-sent")
        return render(request, self.template_name, {"form": form})


class SignupSentView(_SignupBase):
    """The "check your inbox: we sent a link to <email>" page, the same for every address."""

    def get(self, request: HttpRequest) -> HttpResponse:
        email = request.session.get(SENT_KEY)
        if not email:
            return redirect("onboarding:signup")
        return render(request, "workspaces/onboarding/signup_sent.html", {"email": email})


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupConfirmView(_SignupBase):
    """The emailed link. GET shows the address, the name and the password pair (mail scanners
    that follow links create nothing); POST creates the account, signs in and continues to the
    first workspace. A link whose address has an account by now is refused on both."""

    template_name = "workspaces/onboarding/signup_confirm.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            data = signup_link_read(token=token)
        except ValidationError as exc:
            return self._refused(request, exc)
        form = SignupConfirmForm(initial={"name": data["name"]})
        return render(request, self.template_name, {"email": data["email"], "form": form})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            email = signup_link_read(token=token)["email"]
        except ValidationError as exc:
            return self._refused(request, exc)
        form = SignupConfirmForm(request.POST)
        if form.is_valid():
            try:
                user = signup_confirm(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) in LINK_REFUSALS:
                    return self._refused(request, exc)
                _errors_to_form(form, exc, CONFIRM_FIELDS)
            else:
                request.session.pop(SENT_KEY, None)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your account is ready. Now create your workspace."))
                return redirect("onboarding:workspace-create")
        return render(request, self.template_name, {"email": email, "form": form})

    def _refused(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        context = {"error": " ".join(exc.messages), "used": exc.code == "used"}
        return render(request, self.template_name, context, status=400)


class WorkspaceCreateView(LoginRequiredMixin, View):
    """Any signed-in user may create a workspace; they become its Owner."""

    template_name = "workspaces/onboarding/workspace_create.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, WorkspaceCreateForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = WorkspaceCreateForm(request.POST)
        if form.is_valid():
            try:
                workspace = workspace_create(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    default_language=form.cleaned_data["default_language"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc, WORKSPACE_FIELDS)
            else:
                messages.success(
                    request, _("%(name)s is ready. Invite your team next.") % {"name": workspace}
                )
                return redirect("console:dashboard", workspace_slug=workspace.slug)
        return self._render(request, form)

    def _render(self, request: HttpRequest, form: WorkspaceCreateForm) -> HttpResponse:
        first = not membership_list_for_user(user=request.user).exists()
        return render(request, self.template_name, {"form": form, "first": first})
