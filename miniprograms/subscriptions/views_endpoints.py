"""Settings → Message delivery (tenant): each host app's message endpoint — set it up, change
its URL, turn it off and on, rotate its secret, remove it, send a test message.

Every page needs ``Cap.MANAGE_HOST_APPS`` (the Owner, Admins and members granted it), as the
webhooks page needs its capability: an endpoint's URL says where the users' messages go. Other
members get the 403 that names who may; a developer workspace has no such page (404). The
services check the capability again.

A new signing secret (set-up or rotation) and a test's outcome are rendered straight into the
POST response, once: never put in the session, a message or a redirect URL; those responses are
``no-store``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from miniprograms.subscriptions.endpoints import (
    message_endpoint_delete,
    message_endpoint_get,
    message_endpoint_list,
    message_endpoint_rotate_secret,
    message_endpoint_set,
    message_endpoint_set_active,
    message_endpoint_test,
)
from miniprograms.subscriptions.forms_endpoints import MessageEndpointForm
from miniprograms.subscriptions.models import MessageEndpoint
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import SettingsTab
from workspaces.mixins import SettingsTabsMixin, TenantPageMixin
from workspaces.models import HostApp, Membership, Workspace
from workspaces.selectors import host_app_get

TAB = "message_delivery"
LIST_TEMPLATE = "miniprograms/subscriptions/message_delivery.html"


def message_delivery_tab(*, workspace: Workspace, membership: Membership) -> SettingsTab | None:
    """The tenant's Settings tab "Message delivery" (``MANAGE_HOST_APPS``)."""
    if not workspace.is_tenant or not authz.has_cap(membership, Cap.MANAGE_HOST_APPS):
        return None
    return SettingsTab(
        code=TAB,
        label=gettext("Message delivery"),
        url=reverse("development:message-delivery", args=[workspace.slug]),
    )


class MessageDeliveryMixin(SettingsTabsMixin, TenantPageMixin):
    required_cap = Cap.MANAGE_HOST_APPS
    settings_tab = TAB
    request: HttpRequest

    def host_app(self, host_app_id: int) -> HostApp:
        app = host_app_get(workspace=self.workspace, host_app_id=host_app_id)
        if app is None:
            raise Http404("No such host app.")
        return app

    def endpoint(self, app: HostApp) -> MessageEndpoint:
        endpoint = message_endpoint_get(host_app=app)
        if endpoint is None:
            raise Http404("This host app has no message endpoint.")
        return endpoint


class MessageDeliveryView(MessageDeliveryMixin, TemplateView):
    template_name = LIST_TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("focus", {})
        context.update(
            rows=message_endpoint_list(workspace=self.workspace),
            timeout_seconds=settings.SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS,
        )
        return context

    def list_response(self, **focus: Any) -> HttpResponse:
        """The tab, with ``focus`` (``host_app_id`` and ``new_secret``, ``created`` or
        ``outcome``) shown on that host app's card."""
        context = self.get_context_data(focus=focus)
        return self.response_class(request=self.request, template=LIST_TEMPLATE, context=context)


@method_decorator(never_cache, name="dispatch")
class MessageEndpointEditView(MessageDeliveryView):
    """Set up (no endpoint yet) or change the URL. Set-up answers with the tab showing the new
    secret once; a change redirects back to the tab."""

    template_name = "miniprograms/subscriptions/message_endpoint_form.html"

    def get(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        endpoint = message_endpoint_get(host_app=app)
        form = MessageEndpointForm(initial={"url": endpoint.url if endpoint else ""})
        return self.render_to_response(
            self.get_context_data(form=form, host_app=app, endpoint=endpoint)
        )

    def post(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        endpoint = message_endpoint_get(host_app=app)
        form = MessageEndpointForm(request.POST)
        if form.is_valid():
            try:
                saved, secret = message_endpoint_set(
                    actor=self.membership, host_app=app, url=form.cleaned_data["url"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if secret is not None:
                    return self.list_response(host_app_id=app.pk, new_secret=secret, created=True)
                messages.success(
                    request,
                    gettext("Messages of %(app)s now go to %(url)s.")
                    % {"app": app.name, "url": saved.url},
                )
                return redirect(_card_url(self.workspace, app))
        context = self.get_context_data(form=form, host_app=app, endpoint=endpoint)
        return self.render_to_response(context, status=400)


@method_decorator(never_cache, name="dispatch")
class MessageEndpointRotateSecretView(MessageDeliveryView):
    """POST only: the tab, showing the new secret once."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        _, secret = message_endpoint_rotate_secret(actor=self.membership, host_app=app)
        return self.list_response(host_app_id=app.pk, new_secret=secret)


class MessageEndpointActiveView(MessageDeliveryView):
    """POST ``is_active`` = "1" (turn on) or "0" (turn off)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        on = request.POST.get("is_active") == "1"
        message_endpoint_set_active(actor=self.membership, host_app=app, is_active=on)
        text = (
            gettext("The message endpoint of %(app)s is on: messages are posted to it again.")
            if on
            else gettext(
                "The message endpoint of %(app)s is off: sends to its users are refused until "
                "it is on again."
            )
        )
        messages.success(request, text % {"app": app.name})
        return redirect(_card_url(self.workspace, app))


class MessageEndpointDeleteView(MessageDeliveryView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        message_endpoint_delete(actor=self.membership, host_app=app)
        messages.success(
            request, gettext("The message endpoint of %(app)s was removed.") % {"app": app.name}
        )
        return redirect(_card_url(self.workspace, app))


@method_decorator(never_cache, name="dispatch")
class MessageEndpointTestView(MessageDeliveryView):
    """POST only: sends a test message now and answers with the tab showing its outcome."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, host_app_id: int, **kwargs: Any) -> HttpResponse:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        outcome = message_endpoint_test(actor=self.membership, host_app=app)
        return self.list_response(host_app_id=app.pk, outcome=outcome)


def _card_url(workspace: Workspace, app: HostApp) -> str:
    return reverse("development:message-delivery", args=[workspace.slug]) + f"#host-app-{app.pk}"
