"""Host apps of a tenant workspace: list, add, detail, edit, SDK secret reset, SDK key freeze,
icon.

Host apps exist only in tenant workspaces. In a developer workspace these pages answer 404,
not 403: there is no role that would let anyone there use them, so a "ask an admin" page would
send people looking for something that does not exist (see ``TenantPageMixin``).

A new SDK secret (creation or reset) is rendered straight into the POST response, once: it is
never put in the session, a message or a redirect URL, and the page is ``no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.files import image_response
from console.forms import apply_service_errors
from console.paging import paginate
from workspaces.authz import Cap
from workspaces.forms.settings import HostAppForm
from workspaces.mixins import TenantPageMixin
from workspaces.models import HostApp
from workspaces.selectors import host_app_get, host_app_list
from workspaces.services.hostapps import (
    host_app_create,
    host_app_freeze_key,
    host_app_reset_secret,
    host_app_unfreeze_key,
    host_app_update,
)


class HostAppMixin(TenantPageMixin):
    """Resolves ``host_app_id`` inside the current workspace (404 for another tenant's app)."""

    def get_host_app(self, host_app_id: int) -> HostApp:
        app = host_app_get(workspace=self.workspace, host_app_id=host_app_id)
        if app is None:
            raise Http404("No such host app.")
        return app


class HostAppListView(TenantPageMixin, TemplateView):
    required_cap = Cap.VIEW_HOST_APPS
    template_name = "workspaces/hostapps/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(host_app_list(workspace=self.workspace), self.request)
        context.update(page_obj=page, host_apps=list(page.object_list))
        return context


@method_decorator(never_cache, name="dispatch")
class HostAppCreateView(TenantPageMixin, TemplateView):
    required_cap = Cap.MANAGE_HOST_APPS
    template_name = "workspaces/hostapps/form.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=HostAppForm()))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = HostAppForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                app, secret = host_app_create(
                    actor=self.membership,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    platforms=form.platforms(),
                    icon=form.cleaned_data["icon"],
                    **form.release_settings(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                context = self.get_context_data(host_app=app, new_secret=secret, created=True)
                return self.response_class(
                    request=request,
                    template="workspaces/hostapps/detail.html",
                    context=context,
                    using=self.template_engine,
                )
        return self.render_to_response(self.get_context_data(form=form))


class HostAppDetailView(HostAppMixin, TemplateView):
    required_cap = Cap.VIEW_HOST_APPS
    template_name = "workspaces/hostapps/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["host_app"] = self.get_host_app(kwargs["host_app_id"])
        return context


@method_decorator(never_cache, name="dispatch")
class HostAppEditView(HostAppMixin, TemplateView):
    required_cap = Cap.MANAGE_HOST_APPS
    template_name = "workspaces/hostapps/form.html"

    def get(self, request: HttpRequest, host_app_id: int, **kwargs) -> HttpResponse:
        app = self.get_host_app(host_app_id)
        form = HostAppForm(initial=HostAppForm.initial_for(app))
        return self.render_to_response(self.get_context_data(form=form, host_app=app))

    def post(self, request: HttpRequest, host_app_id: int, **kwargs) -> HttpResponse:
        app = self.get_host_app(host_app_id)
        form = HostAppForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                host_app_update(
                    actor=self.membership,
                    host_app_id=app.pk,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    platforms=form.platforms(),
                    icon=form.cleaned_data["icon"],
                    **form.release_settings(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Host app saved."))
                return redirect("workspaces:host-app-detail", self.workspace.slug, app.pk)
        return self.render_to_response(self.get_context_data(form=form, host_app=app))


@method_decorator(never_cache, name="dispatch")
class HostAppResetSecretView(HostAppMixin, TemplateView):
    """POST only: the response is the detail page showing the new secret once."""

    required_cap = Cap.MANAGE_HOST_APPS
    template_name = "workspaces/hostapps/detail.html"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, host_app_id: int, **kwargs) -> HttpResponse:
        app = self.get_host_app(host_app_id)
        app, secret = host_app_reset_secret(actor=self.membership, host_app_id=app.pk)
        app = self.get_host_app(app.pk)  # with its platforms prefetched for the page
        return self.render_to_response(self.get_context_data(host_app=app, new_secret=secret))


class HostAppFreezeKeyView(HostAppMixin, View):
    """POST only: freeze the SDK key (``freeze = True``) or unfreeze it, back to the page."""

    required_cap = Cap.MANAGE_HOST_APPS
    http_method_names = ["post"]
    freeze = True

    def post(self, request: HttpRequest, host_app_id: int, **kwargs) -> HttpResponse:
        app = self.get_host_app(host_app_id)
        if self.freeze:
            host_app_freeze_key(actor=self.membership, host_app_id=app.pk)
            messages.success(
                request,
                gettext(
                    "The SDK key of “%(name)s” is frozen: every runtime call with it is refused."
                )
                % {"name": app.name},
            )
        else:
            host_app_unfreeze_key(actor=self.membership, host_app_id=app.pk)
            messages.success(
                request,
                gettext("The SDK key of “%(name)s” works again.") % {"name": app.name},
            )
        return redirect("workspaces:host-app-detail", self.workspace.slug, app.pk)


class HostAppIconView(HostAppMixin, View):
    """The icon, streamed from storage to members who may see the host app."""

    required_cap = Cap.VIEW_HOST_APPS

    def get(self, request: HttpRequest, host_app_id: int, **kwargs) -> HttpResponse:
        app = self.get_host_app(host_app_id)
        if not app.icon:
            raise Http404("This host app has no icon.")
        return image_response(app.icon)
