"""The "Release to" field: the host apps a mini program is released into."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.models import HostApp


def host_app_choices(host_apps: Sequence[HostApp]) -> list[tuple[str, str]]:
    return [(str(app.pk), app.name) for app in host_apps]


class HostAppsForm(forms.Form):
    """ "Release to": the host apps the mini program is released into."""

    host_apps = forms.MultipleChoiceField(
        label=_("Release to"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, host_apps: Sequence[HostApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_apps"].choices = host_app_choices(host_apps)

    def host_app_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["host_apps"]]
