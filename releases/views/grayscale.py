"""Grayscale releases in the console (issue 11): start a task on a release target
(``…/targets/<id>/grayscale/new/``), one task's page with its actions
(``…/targets/<id>/grayscale/<task>/`` and one URL per action), and the audience preview of a
target (``…/targets/<id>/audience/``). The tab's list is the Releases tab's Grayscale section.

Everyone who sees the mini program reads the task pages and the preview (the tenant hosting a
merchant's mini program too); starting a task and every action need MANAGE, as publishing does
(the services check it again). Refusals of the services come back by field on the create form,
or as an error message on the task page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from miniprograms.mixins import MiniProgramMixin
from releases.forms import (
    AudienceForm,
    GrayscalePercentageForm,
    GrayscaleReplaceForm,
    GrayscaleTaskForm,
    grayscale_form_errors,
)
from releases.grayscale import services
from releases.grayscale.admission import grayscale_would_admit
from releases.grayscale.extensions import task_panels
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.preview import audience_preview
from releases.grayscale.selectors import (
    grayscale_task_counts,
    grayscale_task_get,
    grayscale_task_list,
    grayscale_task_rule,
)
from releases.grayscale.targeting import Candidate, Context
from releases.models import ReleaseTarget
from releases.release import selectors
from releases.views.display import grayscale as display
from releases.views.display.releases import where
from workspaces.authz import Cap

State = GrayscaleTask.State
DEFAULT_DAYS = 7


class _TargetMixin(MiniProgramMixin):
    """A page about one release target of the mini program (404 for another's)."""

    tab = "releases"
    target: ReleaseTarget

    def get_target(self, target_id: int) -> ReleaseTarget:
        target = selectors.release_target_get(miniprogram=self.miniprogram, target_id=target_id)
        if target is None:
            raise Http404("This mini program has no such release target.")
        self.target = target
        return target

    def get_task(self, target_id: int, task_id: int) -> GrayscaleTask:
        target = self.get_target(target_id)
        task = grayscale_task_get(target=target, task_id=task_id)
        if task is None:
            raise Http404("This release target has no such grayscale task.")
        return task

    def target_context(self) -> dict[str, Any]:
        target = self.target
        return {
            "target": target,
            "where": where(target),
            "is_production": target.environment == ReleaseTarget.Environment.PRODUCTION,
            "whitelists_note": services.WHITELISTS_OUTSIDE_PRODUCTION,
            "can_manage": Cap.MANAGE_MINIPROGRAM.value in self.mp_caps,
        }

    def task_url(self, task: GrayscaleTask) -> str:
        return reverse(
            "releases:grayscale-task",
            args=[self.workspace.slug, self.miniprogram.app_id, task.target_id, task.pk],
        )


@method_decorator(never_cache, name="dispatch")
class GrayscaleCreateView(_TargetMixin, TemplateView):
    """Start a grayscale task of a version approved on the target (MANAGE)."""

    miniprogram_cap = Cap.MANAGE_MINIPROGRAM
    template_name = "releases/grayscale/create.html"

    def _form(self, data: Any = None, files: Any = None) -> GrayscaleTaskForm:
        self.versions = selectors.release_grayscale_versions(target=self.target)
        now = timezone.now().replace(second=0, microsecond=0)
        initial = {
            "starts_at": now,
            "ends_at": now + timedelta(days=DEFAULT_DAYS),
            "max_users": 1000,
        }
        if self.versions:
            initial["version"] = self.versions[0].number
        return GrayscaleTaskForm(
            data, files, versions=self.versions, initial=initial, user_id=self.request.user.pk
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        online = selectors.release_online_get(target=self.target)
        context.update(
            self.target_context(),
            online=online,
            versions=self.versions,
            time_zone=timezone.get_current_timezone_name(),
            cancel_url=reverse(
                "releases:releases", args=[self.workspace.slug, self.miniprogram.app_id]
            )
            + f"#grayscale-{self.target.pk}",
        )
        return context

    def get(self, request: HttpRequest, *args: Any, target_id: int, **kwargs: Any) -> HttpResponse:
        self.get_target(target_id)
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, target_id: int, **kwargs: Any) -> HttpResponse:
        self.get_target(target_id)
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            try:
                task = services.grayscale_task_create(
                    actor=self.membership,
                    target=self.target,
                    version=form.chosen_version(),
                    data=form.task_input(),
                )
            except ValidationError as exc:
                grayscale_form_errors(form, exc)
            else:
                if task.state == State.DELIVERING:
                    text = gettext("Task “%(name)s” is delivering version %(number)s in %(where)s.")
                else:
                    text = gettext(
                        "Task “%(name)s” waits for its start time to deliver version %(number)s "
                        "in %(where)s."
                    )
                messages.success(
                    request,
                    text
                    % {
                        "name": task.name,
                        "number": task.version.number,
                        "where": where(self.target),
                    },
                )
                return redirect(self.task_url(task))
        return self.render_to_response(self.get_context_data(form=form))


@method_decorator(never_cache, name="dispatch")
class GrayscaleTaskView(_TargetMixin, TemplateView):
    """One task: details, conditions (list sizes), progress, actions, audit records."""

    template_name = "releases/grayscale/task.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        task = self.task
        here = where(self.target)
        manage = Cap.MANAGE_MINIPROGRAM.value in self.mp_caps
        newer = (
            selectors.release_grayscale_versions(target=self.target)
            if manage and task.is_unfinished
            else []
        )
        actions = display.task_actions(task, caps=self.mp_caps, newer=newer, here=here)
        events = selectors.release_grayscale_audit_list(
            task=task, workspace_id=self.miniprogram.workspace_id
        )
        context.update(
            self.target_context(),
            task=task,
            state_label=task.get_state_display(),
            progress=display.progress(task),
            conditions=display.conditions(task, grayscale_task_counts(task)),
            steps=display.schedule_steps(task),
            percentage=display.pct(task.percentage),
            actions=actions,
            replace_text=display.replace_text(task),
            percentage_form=GrayscalePercentageForm(),
            audit_rows=display.audit_rows(events),
            panels=task_panels(task=task, caps=self.mp_caps),
            matrix_url=reverse(
                "releases:releases", args=[self.workspace.slug, self.miniprogram.app_id]
            )
            + "#matrix",
        )
        return context

    def get(
        self, request: HttpRequest, *args: Any, target_id: int, task_id: int, **kwargs: Any
    ) -> HttpResponse:
        self.task = self.get_task(target_id, task_id)
        return self.render_to_response(self.get_context_data())


# --- a task's actions ---------------------------------------------------------------------------


class _GrayscaleActionView(_TargetMixin, View):
    """A POST on one task (MANAGE); back to its page with a message. GET answers 405."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def act(self, task: GrayscaleTask) -> str:
        """Call the service; return the success sentence."""
        raise NotImplementedError

    def post(
        self, request: HttpRequest, *args: Any, target_id: int, task_id: int, **kwargs: Any
    ) -> HttpResponse:
        task = self.get_task(target_id, task_id)
        try:
            text = self.act(task)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, text)
        return redirect(self.task_url(task))


class GrayscaleSuspendView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        services.grayscale_task_suspend(
            actor=self.membership, task_id=task.pk, note=self.request.POST.get("note", "")
        )
        return gettext("Task “%(name)s” is suspended: it delivers to nobody until resumed.") % {
            "name": task.name
        }


class GrayscaleResumeView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        services.grayscale_task_resume(actor=self.membership, task_id=task.pk)
        return gettext("Task “%(name)s” is delivering again.") % {"name": task.name}


class GrayscaleEndView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        services.grayscale_task_end(
            actor=self.membership, task_id=task.pk, note=self.request.POST.get("note", "")
        )
        return gettext("Task “%(name)s” has ended: its users get the online version.") % {
            "name": task.name
        }


class GrayscalePercentageView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        form = GrayscalePercentageForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [e for errors in form.errors.values() for e in errors]  # the field's sentence
            )
        updated = services.grayscale_task_raise_percentage(
            actor=self.membership, task_id=task.pk, percentage=form.cleaned_data["percentage"]
        )
        return gettext("Task “%(name)s” now delivers to %(pct)s of the matching users.") % {
            "name": task.name,
            "pct": display.pct(updated.percentage),
        }


class GrayscaleReplaceVersionView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        form = GrayscaleReplaceForm(self.request.POST)
        number = form.data.get("version", "") if form.is_valid() else ""
        candidates = {v.number: v for v in selectors.release_grayscale_versions(target=self.target)}
        version = candidates.get(number)
        if version is None:
            raise ValidationError(
                gettext("Choose a newer version approved in %(where)s to replace %(number)s with.")
                % {"where": where(self.target), "number": task.version.number}
            )
        services.grayscale_task_replace_version(
            actor=self.membership, task_id=task.pk, version=version
        )
        return gettext(
            "Task “%(name)s” delivers version %(new)s instead of %(old)s, to the same users."
        ) % {"name": task.name, "new": version.number, "old": task.version.number}


class GrayscaleSchedulePauseView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        services.grayscale_schedule_pause(actor=self.membership, task_id=task.pk)
        return gettext("The schedule of “%(name)s” is paused at its current step.") % {
            "name": task.name
        }


class GrayscaleScheduleResumeView(_GrayscaleActionView):
    def act(self, task: GrayscaleTask) -> str:
        services.grayscale_schedule_resume(actor=self.membership, task_id=task.pk)
        return gettext("The schedule of “%(name)s” advances again.") % {"name": task.name}


# --- the audience preview -----------------------------------------------------------------------


def target_candidate(target: ReleaseTarget) -> tuple[Candidate, list[GrayscaleTask]]:
    """The target's ``Candidate`` compiled as the runtime snapshot compiles it (the online
    version, and the delivering tasks newest first, each through the grayscale selectors'
    ``grayscale_rule`` with its ``max_users`` and state), and the target's unfinished tasks."""
    tasks = list(grayscale_task_list(target=target).filter(state__in=GrayscaleTask.UNFINISHED))
    rules = tuple(
        (grayscale_task_rule(task), task.max_users, str(task.state))
        for task in tasks
        if task.state == State.DELIVERING
    )
    online = selectors.release_online_get(target=target)
    return Candidate(online_version=online.version.number if online else None, rules=rules), tasks


@method_decorator(never_cache, name="dispatch")
class AudiencePreviewView(_TargetMixin, TemplateView):
    """Which version a described launch gets on the target, and why (everyone who reads)."""

    template_name = "releases/grayscale/preview.html"

    def get(self, request: HttpRequest, *args: Any, target_id: int, **kwargs: Any) -> HttpResponse:
        target = self.get_target(target_id)
        asked = bool(request.GET)
        form = AudienceForm(request.GET if asked else None)
        context = self.target_context()
        if asked and form.is_valid():
            data = form.cleaned_data
            launch = Context(
                host_app_id=target.host_app_id,
                host_app_version=data["host_app_version"].strip(),
                platform=data["platform"],
                os_version=data["os_version"].strip(),
                guid=data["guid"].strip(),
                device_id=data["device_id"].strip(),
                user_account=data["user_account"].strip(),
                network=data["network"],
                language=data["language"].strip(),
                subpackages=data["subpackages"],
            )
            candidate, tasks = target_candidate(target)
            decision = audience_preview(candidate, launch, would_admit=grayscale_would_admit)
            by_id = {t.pk: t for t in tasks}
            looked = {task_id for task_id, _v in decision.checks}
            link = selectors.release_host_app_link(target=target)
            trial = None
            if target.environment == ReleaseTarget.Environment.PRODUCTION:
                trial = selectors.release_trial_for_tester(
                    miniprogram=self.miniprogram, account=launch.user_account
                )
            context.update(
                decision=decision,
                checks=display.preview_checks(decision, by_id),
                not_delivering=[t for t in tasks if t.state != State.DELIVERING],
                not_reached=[
                    t for t in tasks if t.state == State.DELIVERING and t.pk not in looked
                ],
                off_shelf=not self.miniprogram.is_on_shelf,
                host_offline=link is None or not link.is_active,
                trial=trial,
            )
        return self.render_to_response(self.get_context_data(form=form, asked=asked, **context))
