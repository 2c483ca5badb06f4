"""The "Grant a capability" form of the Authorizations page (input shape only).

The choices come from ``authz`` through the selectors (who could use a grant, what may be
granted on the workspace); the service decides again, so a forged choice is refused there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership


class GrantForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    cap = forms.ChoiceField(label=_("Capability"))

    def __init__(
        self, *args, members: Iterable[Membership], caps: Iterable[Cap], kind: str, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members}
        self.fields["member"].choices = [("", _("Choose a member"))] + [
            (m.pk, self._member_label(m, kind)) for m in self.members.values()
        ]
        self.fields["cap"].choices = [("", _("Choose a capability"))] + [
            (cap.value, authz.CAP_DESCRIPTIONS.get(cap, cap.value))
            for cap in sorted(caps, key=lambda c: c.value)
        ]

    @staticmethod
    def _member_label(member: Membership, kind: str) -> str:
        role = authz.role_label(member.role, kind)
        return f"{member.user.name or member.user.email} <{member.user.email}> · {role}"

    @property
    def user_id(self) -> int:
        return self.members[self.cleaned_data["member"]].user_id
