"""The approvals hub's forms: the filters above the list (GET) and the decisions (POST).

The rules (a reason to reject, no self-decision, who may withdraw) are the services'
(``workspaces.services.approvals``); their refusals land on these forms next to the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.extensions import approval_kinds
from workspaces.models import ApprovalRequest
from workspaces.selectors_approvals import ApprovalFacets
from workspaces.services.approvals import REASON_REQUIRED

State = ApprovalRequest.State

# How the hub names each state (UI.md: a request waiting for a decision is "in review").
STATE_LABELS: dict[str, Any] = {
    State.PROCESSING: _("In review"),
    State.APPROVED: _("Approved"),
    State.REJECTED: _("Rejected"),
    State.WITHDRAWN: _("Withdrawn"),
    State.CANCELLED: _("Cancelled"),
}
# One colour per meaning (UI.md): in progress blue, done green, refused red, gone grey.
STATE_TONES: dict[str, str] = {
    State.PROCESSING: "blue",
    State.APPROVED: "green",
    State.REJECTED: "red",
    State.WITHDRAWN: "neutral",
    State.CANCELLED: "neutral",
}
TEXT_MAX = 2000


def environment_label(value: str) -> str:
    return value.replace("_", " ").capitalize()


class ApprovalFilterForm(forms.Form):
    """The filters above the hub's table; every field is optional. Environments and host apps
    are those the box's requests name (``approval_facets``); a value typed into the URL that
    none names is kept selected, so the page says what it filtered by."""

    state = forms.ChoiceField(label=_("State"), required=False)
    environment = forms.CharField(label=_("Environment"), required=False, max_length=32)
    host_app = forms.IntegerField(
        label=_("Host app"), required=False, min_value=1, max_value=2**31 - 1
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    mine = forms.BooleanField(label=_("Only requests I submitted"), required=False)

    def __init__(self, *args: Any, facets: ApprovalFacets, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any state")), *STATE_LABELS.items()]
        self.fields["kind"].choices = [
            ("", _("Any kind")),
            *((kind.code, kind.label) for kind in approval_kinds()),
        ]
        environments = list(facets.environments)
        typed = (self.data.get("environment") or "").strip() if self.is_bound else ""
        if typed and typed not in environments and len(typed) <= 32:
            environments.append(typed)
        self.fields["environment"].widget = forms.Select(
            choices=[("", _("Any environment"))] + [(e, environment_label(e)) for e in environments]
        )
        host_apps = [(str(pk), name) for pk, name in facets.host_apps]
        typed = (self.data.get("host_app") or "").strip() if self.is_bound else ""
        if typed.isdigit() and len(typed) <= 10 and typed not in dict(host_apps):
            host_apps.append((typed, _("Host app #%(id)s") % {"id": typed}))
        self.fields["host_app"].widget = forms.Select(choices=[("", _("Any host app")), *host_apps])

    def filters(self) -> dict[str, Any]:
        """The valid filters as the selectors take them (an invalid one is left out)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "state": data.get("state") or None,
            "kind": data.get("kind") or None,
            "environment": (data.get("environment") or "").strip() or None,
            "host_app_id": data.get("host_app") or None,
        }


class ApprovalApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the requester"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Shown to the requester with the approval."),
    )


class ApprovalRejectForm(forms.Form):
    # The service requires it too (the API's path); the sentence is the service's.
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The requester reads it: say what to change before submitting again."),
        error_messages={"required": REASON_REQUIRED},
    )
