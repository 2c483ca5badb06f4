"""The filters above a mini program's delivery log (GET). Every field is optional; an invalid
form filters nothing and shows its errors next to the fields (the input is kept)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from miniprograms.subscriptions.models import Message
from miniprograms.subscriptions.selectors_messages import SEARCH_MAX


class MessageLogFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Message or user id")}),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=(("", _("All")), *Message.State.choices)
    )
    template = forms.ChoiceField(label=_("Template"), required=False)
    since = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        """``templates``: (template id, label) of the My Templates offered."""
        super().__init__(*args, **kwargs)
        choices = [("", _("All")), *templates]
        typed = (self.data.get("template") or "").strip() if self.is_bound else ""
        if typed and typed not in {value for value, _label in templates}:
            choices.append((typed, typed))  # a deleted template's id, from a link: keep it
        self.fields["template"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "template_id": data.get("template") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
