"""The webhook endpoint form (input shape only: the URL rule and the event list are the
service's, ``workspaces/services/webhooks.py``, so the console and the API refuse the same)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.models import WebhookEndpoint
from workspaces.selectors_webhooks import webhook_event_choices
from workspaces.services.webhooks import DESCRIPTION_MAX_LENGTH
from workspaces.webhook_transport import URL_MAX_LENGTH


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Payload URL"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(
            attrs={"placeholder": "https://hooks.example.com/mpp", "spellcheck": "false"}
        ),
        help_text=_(
            "An https:// address of your server. MPP sends each event to it as a signed JSON "
            "POST; addresses on private networks are refused."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=_("What receives the events, for your team. Up to 200 characters."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=webhook_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to send.")},
        help_text=_(
            "Choose at least one. A test event can always be sent from the endpoint's page."
        ),
    )
    is_active = forms.BooleanField(
        label=_("Active: send events to this endpoint"),
        required=False,
        initial=True,
    )

    @staticmethod
    def initial_for(endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {
            "url": endpoint.url,
            "description": endpoint.description,
            "events": list(endpoint.events),
            "is_active": endpoint.is_active,
        }
