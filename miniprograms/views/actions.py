"""Actions on one mini program: "Release to", on/off shelf, offline from a host app, delete.

Each is a POST that calls one service and goes back to the page it came from with a message;
a refusal (``ValidationError``) becomes an error message there. Delete has its own page: the
name must be typed to confirm, and a wrong name keeps the person on that page.
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
from miniprograms.forms import DeleteForm, HostAppsForm, OfflineForm, ShelfForm
from miniprograms.selectors import miniprogram_developer_list, miniprogram_tester_list
from miniprograms.services.host_apps import host_apps_available, miniprogram_set_host_apps
from miniprograms.services.lifecycle import (
    miniprogram_delete,
    miniprogram_set_shelf,
    miniprogram_take_offline,
)
from miniprograms.views.base import MiniProgramMixin
from workspaces.authz import Cap


def _form_errors(form) -> str:
    return " ".join(m for errors in form.errors.values() for m in errors)


class _ActionView(MiniProgramMixin, View):
    """A POST on one mini program; GET answers 405."""

    http_method_names = ["post"]

    def back(self, anchor: str = "", *, page: str = "miniprograms:detail") -> HttpResponse:
        url = reverse(page, args=[self.workspace.slug, self.miniprogram.app_id])
        return redirect(f"{url}#{anchor}" if anchor else url)


class HostAppsView(_ActionView):
    """ "Release to": add host apps (DEVELOP); unticking one takes it offline there (MANAGE)."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        host_apps = host_apps_available(workspace=self.workspace)
        form = HostAppsForm(request.POST, host_apps=host_apps)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return self.back("release-to", page="miniprograms:edit")
        try:
            miniprogram_set_host_apps(
                actor=self.membership,
                miniprogram=self.miniprogram,
                host_app_ids=form.host_app_ids(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back("release-to", page="miniprograms:edit")
        chosen = [app.name for app in host_apps if app.pk in set(form.host_app_ids())]
        if chosen:
            messages.success(
                request,
                gettext("Released to: %(apps)s. The next release goes to these host apps.")
                % {"apps": ", ".join(chosen)},
            )
        else:
            messages.success(request, gettext("The mini program is not released to any host app."))
        return self.back("host-apps")


class ShelfView(_ActionView):
    """On shelf (confirm) or off shelf (with a reason). Owner and Admins."""

    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ShelfForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return self.back("shelf", page="miniprograms:edit")
        try:
            mp = miniprogram_set_shelf(
                actor=self.membership,
                miniprogram=self.miniprogram,
                on_shelf=form.on_shelf,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back("shelf", page="miniprograms:edit")
        if mp.is_on_shelf:
            message = gettext("“%(name)s” is on shelf: host apps get it again.")
        else:
            message = gettext(
                "“%(name)s” is off shelf: no host app gets it and nothing can be published. "
                "Versions can still be submitted for review."
            )
        messages.success(request, message % {"name": mp.name})
        return self.back()


class HostAppOfflineView(_ActionView):
    """Stop one host app from getting the mini program (data kept). Owner and Admins."""

    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, host_app_id: int, **kwargs: Any):
        target = next(
            (t for t in self.miniprogram.targets.all() if t.host_app_id == host_app_id), None
        )
        if target is None:
            raise Http404("The mini program is not released to this host app.")
        form = OfflineForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            miniprogram_take_offline(
                actor=self.membership,
                miniprogram=self.miniprogram,
                host_app_id=host_app_id,
                reason=reason,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext(
                    "“%(name)s” is offline in %(app)s. Its data is kept: tick the host app under "
                    "“Release to” to release it there again."
                )
                % {"name": self.miniprogram.name, "app": target.host_app.name},
            )
        return self.back("host-apps")


@method_decorator(never_cache, name="dispatch")
class MiniProgramDeleteView(MiniProgramMixin, TemplateView):
    """Delete for good: the page says what goes, and the name must be typed to confirm."""

    miniprogram_cap = Cap.DELETE_MINIPROGRAM
    template_name = "miniprograms/delete.html"
    tab = "settings"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp = self.miniprogram
        context.update(
            tester_count=miniprogram_tester_list(miniprogram=mp).count(),
            developers=miniprogram_developer_list(miniprogram=mp),
            targets=list(mp.targets.all()),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=DeleteForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DeleteForm(request.POST)
        if form.is_valid():
            name = self.miniprogram.name
            try:
                app_id = miniprogram_delete(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    confirm_name=form.cleaned_data["confirm_name"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("“%(name)s” (App ID %(app_id)s) is deleted.")
                    % {"name": name, "app_id": app_id},
                )
                return redirect("miniprograms:list", self.workspace.slug)
        return self.render_to_response(self.get_context_data(form=form))
