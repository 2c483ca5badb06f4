"""Extension points of the workspaces app for the apps built on it.

Dependencies point down (``miniprograms → workspaces``), so what a later app does when something
happens here is registered by that app, once, from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from workspaces.models import Invitation, Membership

InvitationAccepted = Callable[..., None]  # (*, membership, invitation) -> None

_ON_INVITATION_ACCEPTED: dict[str, InvitationAccepted] = {}


def register_invitation_accepted(name: str, function: InvitationAccepted) -> None:
    """Call ``function(membership=…, invitation=…)`` inside the acceptance's transaction
    (registering a name again replaces it)."""
    _ON_INVITATION_ACCEPTED[name] = function


def invitation_accepted(*, membership: Membership, invitation: Invitation) -> None:
    for function in _ON_INVITATION_ACCEPTED.values():
        function(membership=membership, invitation=invitation)
