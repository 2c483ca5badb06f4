"""Shelf, offline from one host app, delete (typed name): input shape only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from miniprograms.services.lifecycle import REASON_MAX


class ShelfForm(forms.Form):
    action = forms.ChoiceField(choices=(("on", _("Put on shelf")), ("off", _("Take off shelf"))))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )

    @property
    def on_shelf(self) -> bool:
        return self.cleaned_data["action"] == "on"


class OfflineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False)


class DeleteForm(forms.Form):
    confirm_name = forms.CharField(
        label=_("Type the name of the mini program to confirm"),
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
