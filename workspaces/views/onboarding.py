"""Onboarding: sign up (``/welcome/signup/``) and create a workspace (``/welcome/workspace/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from workspaces.forms.onboarding import SignupForm, WorkspaceCreateForm
from workspaces.selectors import membership_list_for_user
from workspaces.services.signup import signup_allowed, user_signup
from workspaces.services.workspaces import workspace_create

# Service error keys → form fields.
SIGNUP_FIELDS = {"email": "email", "name": "name", "password": "password1"}
WORKSPACE_FIELDS = {"name": "name", "kind": "kind", "default_language": "default_language"}


def _errors_to_form(form, exc: ValidationError, fields: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(fields.get(key), error)
    else:
        form.add_error(None, exc)


class SignupView(View):
    """Public. Closed (a page asking for an invitation) when ``MPP_ALLOW_SIGNUP`` is off."""

    template_name = "workspaces/onboarding/signup.html"
    closed_template_name = "workspaces/onboarding/signup_closed.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("console:home")
        if not signup_allowed():
            status = 200 if request.method == "GET" else 403
            return render(request, self.closed_template_name, status=status)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": SignupForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                user = user_signup(
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc, SIGNUP_FIELDS)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your account is ready. Now create your workspace."))
                return redirect("onboarding:workspace-create")
        return render(request, self.template_name, {"form": form})


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
