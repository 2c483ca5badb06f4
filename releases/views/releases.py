"""The Releases tab (``…/releases/``: the matrix, each target's grayscale tasks, the history),
submitting a version for review (``…/versions/<n>/submit/``) and the tab's actions: publish,
withdraw, roll back (the grayscale pages are ``releases.views.grayscale``).

Everyone who sees the mini program reads the tab. Submitting needs DEVELOP (so does withdrawing,
which the release service then limits to the submitter or an admin); publishing and rolling
back need MANAGE. A member without the capability gets the 403 page before anything is read;
a refusal of the service (off shelf, two rollbacks in a row, a target already busy) comes back
as an error message on the tab, or by field on the submit form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from miniprograms.mixins import MiniProgramMixin
from releases import selectors as version_selectors
from releases.forms import SubmitForm
from releases.grayscale.services import WHITELISTS_OUTSIDE_PRODUCTION
from releases.models import Release, ReleaseTarget, Version
from releases.release import selectors
from releases.release.services import (
    release_publish,
    release_rollback,
    release_submit,
    release_withdraw,
)
from releases.views.base import VersionsMixin
from releases.views.display.grayscale import grayscale_targets, matrix_grayscale
from releases.views.display.releases import (
    ENVIRONMENTS,
    environment_help,
    history_rows,
    release_matrix,
    submitted_message,
    target_choices,
    where,
)
from workspaces.authz import Cap


def _target_filter(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@method_decorator(never_cache, name="dispatch")
class ReleasesView(MiniProgramMixin, TemplateView):
    """The matrix of host apps × environments (online version, open request, actions), then
    the release history (all targets, or one), newest first, paginated."""

    tab = "releases"
    template_name = "releases/releases.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp = self.miniprogram
        ready = version_selectors.version_newest(miniprogram=mp, ready=True)
        links = selectors.release_host_apps(miniprogram=mp)
        targets = selectors.release_matrix_targets(miniprogram=mp)
        rows = release_matrix(
            links=links,
            targets=targets,
            caps=self.mp_caps,
            user_id=self.request.user.pk,
            ready_id=ready.pk if ready is not None else None,
        )
        tasks = selectors.release_grayscale_by_target(miniprogram=mp)
        live = matrix_grayscale(tasks)
        for row in rows:
            for cell in row.cells:
                if cell.target is not None:
                    cell.grayscale = live.get(cell.target.pk)
        chosen = _target_filter(self.request.GET.get("target", ""))
        if chosen is not None and chosen not in {t.pk for t in targets}:
            chosen = None  # a target of another mini program, or gone: show them all
        page = paginate(
            selectors.release_history_list(miniprogram=mp, target_id=chosen), self.request
        )
        context.update(
            ready_version=ready,
            rows=rows,
            environments=[str(ReleaseTarget.Environment(env).label) for env in ENVIRONMENTS],
            has_active_host_app=any(link.is_active for link in links),
            target_choices=target_choices(targets),
            chosen_target=str(chosen) if chosen is not None else "",
            page_obj=page,
            history=history_rows(page.object_list),
            grayscale=grayscale_targets(
                targets=targets,
                tasks=tasks,
                caps=self.mp_caps,
                active_host_apps={link.host_app_id for link in links if link.is_active},
                on_shelf=mp.is_on_shelf,
            ),
            whitelists_note=WHITELISTS_OUTSIDE_PRODUCTION,
        )
        return context


@method_decorator(never_cache, name="dispatch")
class VersionSubmitView(VersionsMixin, TemplateView):
    """Submit a ready version for review (DEVELOP): environment, host apps, notes."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "releases/release_submit.html"

    def _form(self, data: Any = None) -> SubmitForm:
        self.links = selectors.release_host_apps(miniprogram=self.miniprogram)
        initial: dict[str, Any] = {"notes": self.version.notes}
        environment = self.request.GET.get("environment", "")
        if environment in ReleaseTarget.Environment.values:
            initial["environment"] = environment
        active = [link for link in self.links if link.is_active]
        wanted = _target_filter(self.request.GET.get("host_app", ""))
        if wanted is not None and wanted in {link.host_app_id for link in active}:
            initial["host_app_ids"] = [wanted]
        elif len(active) == 1:
            initial["host_app_ids"] = [active[0].host_app_id]
        return SubmitForm(data, host_apps=[link.host_app for link in self.links], initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        targets = selectors.release_matrix_targets(miniprogram=self.miniprogram)
        busy: dict[int, list[str]] = {}
        for target in targets:
            pending = target.open_release  # type: ignore[attr-defined]
            online = target.online  # type: ignore[attr-defined]
            notes = busy.setdefault(target.host_app_id, [])
            label = target.get_environment_display()
            if online is not None:
                notes.append(
                    gettext("%(env)s: %(number)s online")
                    % {"env": label, "number": online.version.number}
                )
            if pending is not None and pending.state == Release.State.UNDER_REVIEW:
                notes.append(
                    gettext("%(env)s: %(number)s in review")
                    % {"env": label, "number": pending.version.number}
                )
            elif pending is not None:
                notes.append(
                    gettext("%(env)s: %(number)s approved, not yet published")
                    % {"env": label, "number": pending.version.number}
                )
        form = context["form"]
        checkboxes = {str(box.data["value"]): box for box in form["host_app_ids"]}
        context.update(
            version=self.version,
            host_app_rows=[
                (link, checkboxes.get(str(link.host_app_id)), busy.get(link.host_app_id, []))
                for link in self.links
                if link.is_active
            ],
            offline_links=[link for link in self.links if not link.is_active],
            environment_help=environment_help(),
            is_ready=self.version.status == Version.Status.READY,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponse:
        self.version = self.get_version(number)
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponse:
        self.version = self.get_version(number)
        form = self._form(request.POST)
        if form.is_valid():
            try:
                releases = release_submit(
                    actor=self.membership,
                    version=self.version,
                    host_app_ids=form.cleaned_data["host_app_ids"],
                    environment=form.cleaned_data["environment"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                level, text = submitted_message(self.version.number, releases)
                messages.add_message(request, level, text)
                return redirect("releases:releases", self.workspace.slug, self.miniprogram.app_id)
        return self.render_to_response(self.get_context_data(form=form))


# --- the tab's actions ---------------------------------------------------------------------------


class _ReleaseActionView(MiniProgramMixin, View):
    """A POST on one release or target of the mini program; back to the Releases tab with a
    message. GET answers 405."""

    http_method_names = ["post"]

    def back(self) -> HttpResponse:
        url = reverse("releases:releases", args=[self.workspace.slug, self.miniprogram.app_id])
        return redirect(url + "#matrix")

    def get_release(self, release_id: int) -> Release:
        release = selectors.release_get(miniprogram=self.miniprogram, release_id=release_id)
        if release is None:
            raise Http404("This mini program has no such release.")
        return release

    def refused(self, exc: ValidationError) -> HttpResponse:
        messages.error(self.request, " ".join(exc.messages))
        return self.back()


class ReleasePublishView(_ReleaseActionView):
    """Publish an approved release (MANAGE): it goes online, the online one is archived."""

    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(
        self, request: HttpRequest, *args: Any, release_id: int, **kwargs: Any
    ) -> HttpResponse:
        release = self.get_release(release_id)
        try:
            published = release_publish(actor=self.membership, release_id=release.pk)
        except ValidationError as exc:
            return self.refused(exc)
        published = self.get_release(published.pk)
        text = gettext("Version %(number)s is online in %(where)s.") % {
            "number": published.version.number,
            "where": where(published.target),
        }
        if published.replaces is not None:
            text += " " + gettext("Version %(old)s was archived.") % {
                "old": published.replaces.version.number
            }
        messages.success(request, text)
        return self.back()


class ReleaseWithdrawView(_ReleaseActionView):
    """Withdraw a release under review (DEVELOP; the submitter or an admin)."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def post(
        self, request: HttpRequest, *args: Any, release_id: int, **kwargs: Any
    ) -> HttpResponse:
        release = self.get_release(release_id)
        try:
            release_withdraw(actor=self.membership, release_id=release.pk)
        except ValidationError as exc:
            return self.refused(exc)
        messages.success(
            request,
            gettext("The review of version %(number)s for %(where)s was withdrawn.")
            % {"number": release.version.number, "where": where(release.target)},
        )
        return self.back()


class TargetRollbackView(_ReleaseActionView):
    """Roll a target back to the version online before (MANAGE); never twice in a row."""

    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, target_id: int, **kwargs: Any) -> HttpResponse:
        target = selectors.release_target_get(miniprogram=self.miniprogram, target_id=target_id)
        if target is None:
            raise Http404("This mini program has no such release target.")
        try:
            rollback = release_rollback(
                actor=self.membership, target_id=target.pk, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            return self.refused(exc)
        rollback = self.get_release(rollback.pk)
        messages.success(
            request,
            gettext("%(where)s is back on version %(number)s; version %(old)s was archived.")
            % {
                "where": where(target),
                "number": rollback.version.number,
                "old": rollback.replaces.version.number if rollback.replaces else "",
            },
        )
        return self.back()
