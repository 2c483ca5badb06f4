"""The OAuth settings form of the Keys page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from miniprograms.secrets.models import ACCESS_TOKEN_TTL_MAX

MAX_MINUTES = ACCESS_TOKEN_TTL_MAX // 60  # 1439: below 24 hours


class OAuthSettingsForm(forms.Form):
    access_token_minutes = forms.IntegerField(
        label=_("Access token lifetime (minutes)"),
        min_value=1,
        max_value=MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["access_token_minutes"].help_text = gettext(
            "From 1 to %(max)d minutes (below 24 hours); 10 by default. Tokens already issued "
            "keep their expiry."
        ) % {"max": MAX_MINUTES}

    def seconds(self) -> int:
        return int(self.cleaned_data["access_token_minutes"]) * 60
