"""The message endpoint form (input shape only: the URL rule is the service's,
``miniprograms/subscriptions/endpoints.py``, so the console and the API refuse the same)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.webhook_transport import URL_MAX_LENGTH


class MessageEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(
            attrs={"placeholder": "https://push.example.com/mpp/messages", "spellcheck": "false"}
        ),
        help_text=_(
            "An https:// address of your server, up to 500 characters. MPP posts each "
            "subscription message to it as signed JSON; addresses on private networks are "
            "refused."
        ),
    )
