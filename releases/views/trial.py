"""The trial version: which ready version whitelisted testers open, and at which page.

Everyone who sees the mini program reads the page; setting or clearing the trial version needs
DEVELOP (a Reviewer's POST is refused with 403 before anything is read).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from miniprograms.selectors import miniprogram_tester_list
from releases import selectors
from releases.forms import TrialForm
from releases.models import TrialVersion
from releases.services.trial import trial_clear, trial_configure
from releases.views.base import VersionsMixin
from workspaces.authz import Cap


@method_decorator(never_cache, name="dispatch")
class TrialView(VersionsMixin, TemplateView):
    post_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "releases/trial.html"

    def _form(self, trial: TrialVersion | None, data=None) -> TrialForm:
        versions = selectors.version_ready_list(miniprogram=self.miniprogram)
        if trial is not None and trial.version.number in {v.number for v in versions}:
            initial = {
                "version": trial.version.number,
                "page_path": trial.page_path,
                "query": trial.query,
            }
        else:
            initial = {"version": versions[0].number} if versions else {}
        return TrialForm(data, versions=versions, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tester_count"] = miniprogram_tester_list(miniprogram=self.miniprogram).count()
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        trial = selectors.trial_get(miniprogram=self.miniprogram)
        return self.render_to_response(self.get_context_data(form=self._form(trial), trial=trial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        trial = selectors.trial_get(miniprogram=self.miniprogram)
        form = self._form(trial, request.POST)
        if form.is_valid():
            try:
                trial = trial_configure(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    version=form.chosen_version(),
                    page_path=form.cleaned_data["page_path"],
                    query=form.cleaned_data["query"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Whitelisted testers now open version %(number)s at %(path)s.")
                    % {"number": trial.version.number, "path": trial.launch_path},
                )
                return redirect("releases:trial", self.workspace.slug, self.miniprogram.app_id)
        return self.render_to_response(self.get_context_data(form=form, trial=trial))


class TrialClearView(VersionsMixin, View):
    """Stop offering a trial version (DEVELOP)."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            trial_clear(actor=self.membership, miniprogram=self.miniprogram)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("Testers can no longer open a trial version."))
        return redirect("releases:trial", self.workspace.slug, self.miniprogram.app_id)
