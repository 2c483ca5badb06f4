"""Settings → Webhooks: endpoints (list, add, edit, rotate the secret, delete, send a test event)
and each endpoint's delivery log.

Every page needs ``Cap.CHANGE_WORKSPACE`` (the Owner and Admins): an endpoint's URL and its log
say where the workspace's data goes. The services check it again.

A new signing secret (creation or rotation) is rendered straight into the POST response, once:
never put in the session, a message or a redirect URL, and the page is ``no-store``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from workspaces.authz import Cap
from workspaces.forms.webhooks import WebhookEndpointForm
from workspaces.mixins import SettingsTabsMixin, WorkspaceMixin
from workspaces.models import WebhookEndpoint
from workspaces.selectors_webhooks import (
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from workspaces.services.webhooks import (
    MAX_ATTEMPTS,
    MAX_ENDPOINTS,
    event_label,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
)

DETAIL_TEMPLATE = "workspaces/webhooks/detail.html"


class WebhookMixin(SettingsTabsMixin, WorkspaceMixin):
    required_cap = Cap.CHANGE_WORKSPACE
    settings_tab = "webhooks"
    request: HttpRequest

    def get_endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        if endpoint is None:
            raise Http404("No such webhook endpoint.")
        return endpoint

    def detail_context(self, endpoint: WebhookEndpoint, **extra: Any) -> dict[str, Any]:
        page = paginate(webhook_delivery_list(endpoint=endpoint), self.request)
        return self.get_context_data(
            endpoint=endpoint,
            event_labels=[(code, event_label(code)) for code in endpoint.events],
            page_obj=page,
            deliveries=list(page.object_list),
            timeout_seconds=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_attempts=MAX_ATTEMPTS,
            **extra,
        )


class WebhookListView(WebhookMixin, TemplateView):
    template_name = "workspaces/webhooks/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        endpoints = list(webhook_endpoint_list(workspace=self.workspace))
        context.update(endpoints=endpoints, can_add=len(endpoints) < MAX_ENDPOINTS)
        return context


@method_decorator(never_cache, name="dispatch")
class WebhookCreateView(WebhookMixin, TemplateView):
    template_name = "workspaces/webhooks/form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=WebhookEndpointForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = webhook_endpoint_create(
                    actor=self.membership,
                    url=form.cleaned_data["url"],
                    description=form.cleaned_data["description"],
                    events=form.cleaned_data["events"],
                    is_active=form.cleaned_data["is_active"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                endpoint = self.get_endpoint(endpoint.pk)
                context = self.detail_context(endpoint, new_secret=secret, created=True)
                return self.response_class(
                    request=request, template=DETAIL_TEMPLATE, context=context
                )
        return self.render_to_response(self.get_context_data(form=form))


class WebhookDetailView(WebhookMixin, TemplateView):
    """The endpoint, its actions and its delivery log (newest first, paginated)."""

    template_name = DETAIL_TEMPLATE

    def get(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.detail_context(self.get_endpoint(endpoint_id)))


@method_decorator(never_cache, name="dispatch")
class WebhookEditView(WebhookMixin, TemplateView):
    template_name = "workspaces/webhooks/form.html"

    def get(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        form = WebhookEndpointForm(initial=WebhookEndpointForm.initial_for(endpoint))
        return self.render_to_response(self.get_context_data(form=form, endpoint=endpoint))

    def post(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                webhook_endpoint_update(
                    actor=self.membership,
                    endpoint_id=endpoint.pk,
                    url=form.cleaned_data["url"],
                    description=form.cleaned_data["description"],
                    events=form.cleaned_data["events"],
                    is_active=form.cleaned_data["is_active"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Webhook endpoint saved."))
                return redirect("workspaces:webhook-detail", self.workspace.slug, endpoint.pk)
        return self.render_to_response(self.get_context_data(form=form, endpoint=endpoint))


@method_decorator(never_cache, name="dispatch")
class WebhookRotateSecretView(WebhookMixin, TemplateView):
    """POST only: the response is the endpoint's page showing the new secret once."""

    template_name = DETAIL_TEMPLATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        _, secret = webhook_endpoint_rotate_secret(actor=self.membership, endpoint_id=endpoint.pk)
        endpoint = self.get_endpoint(endpoint.pk)
        return self.render_to_response(self.detail_context(endpoint, new_secret=secret))


class WebhookDeleteView(WebhookMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        webhook_endpoint_delete(actor=self.membership, endpoint_id=endpoint.pk)
        messages.success(
            request, gettext("Webhook endpoint %(url)s deleted.") % {"url": endpoint.url}
        )
        return redirect("workspaces:webhooks", self.workspace.slug)


class WebhookTestView(WebhookMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, endpoint_id: int, **kwargs: Any) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        webhook_endpoint_test(actor=self.membership, endpoint_id=endpoint.pk)
        messages.success(
            request,
            gettext("Test event queued: its delivery appears at the top of the log below."),
        )
        return redirect("workspaces:webhook-detail", self.workspace.slug, endpoint.pk)


class WebhookDeliveryView(WebhookMixin, TemplateView):
    """One delivery: its outcome, the last error and the payload that was (or will be) sent."""

    template_name = "workspaces/webhooks/delivery.html"

    def get(
        self, request: HttpRequest, endpoint_id: int, delivery_id: int, **kwargs: Any
    ) -> HttpResponse:
        endpoint = self.get_endpoint(endpoint_id)
        delivery = webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        if delivery is None:
            raise Http404("No such delivery.")
        return self.render_to_response(
            self.get_context_data(
                endpoint=endpoint,
                delivery=delivery,
                event_sentence=event_label(delivery.event),
                payload_json=json.dumps(delivery.payload, indent=2, ensure_ascii=False),
            )
        )
