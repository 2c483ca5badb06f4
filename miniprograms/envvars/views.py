"""Development › Environment variables: every environment's variables, and the edit page of
one environment (DEVELOP_MINIPROGRAM). A host tenant reads a merchant's variables (the runtime
hands them to its app's SDK anyway) and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from miniprograms.envvars.forms import EnvironmentVariablesForm
from miniprograms.envvars.models import MAX_PER_ENVIRONMENT
from miniprograms.envvars.selectors import envvars_by_environment, envvars_get
from miniprograms.envvars.services import ENVIRONMENTS, environment_label, envvars_replace
from miniprograms.envvars.validators import key_help, value_help
from miniprograms.mixins import MiniProgramMixin
from workspaces.authz import Cap


class _VariablesPage(MiniProgramMixin, TemplateView):
    tab = "development"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(dev_section="variables", max_per_environment=MAX_PER_ENVIRONMENT)
        return context


class VariablesView(_VariablesPage):
    """Every environment (development, test, sandbox, production) with its variables."""

    template_name = "miniprograms/development/variables/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["environments"] = envvars_by_environment(miniprogram=self.miniprogram)
        return context


class VariablesEditView(_VariablesPage):
    """Edit one environment's variables: all rows saved at once or none (input kept)."""

    template_name = "miniprograms/development/variables/edit.html"
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs["environment"] not in ENVIRONMENTS:
            raise Http404("No such environment.")
        self.environment = kwargs["environment"]
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            environment=self.environment,
            environment_label=environment_label(self.environment),
            key_help=key_help(),
            value_help=value_help(),
        )
        if "form" not in context:
            current = envvars_get(miniprogram=self.miniprogram, environment=self.environment)
            context["form"] = EnvironmentVariablesForm(initial_variables=current)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = EnvironmentVariablesForm(request.POST)
        if form.is_valid():
            try:
                envvars_replace(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    environment=self.environment,
                    variables=form.variables(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Saved the %(environment)s variables.")
                    % {"environment": environment_label(self.environment).lower()},
                )
                url = reverse(
                    "miniprograms:dev-variables",
                    args=[self.workspace.slug, self.miniprogram.app_id],
                )
                return redirect(f"{url}#env-{self.environment}")
        return self.render_to_response(self.get_context_data(form=form))
