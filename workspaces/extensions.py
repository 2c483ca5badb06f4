"""Extension points of the workspaces app for the apps built on it.

Dependencies point down (``miniprograms → workspaces``), so what a later app does when something
happens here is registered by that app, once, from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import QuerySet

from workspaces.models import Invitation, Membership, Workspace, WorkspaceUserObjectPermission

InvitationAccepted = Callable[..., None]  # (*, membership, invitation) -> None

_ON_INVITATION_ACCEPTED: dict[str, InvitationAccepted] = {}


def register_invitation_accepted(name: str, function: InvitationAccepted) -> None:
    """Call ``function(membership=…, invitation=…)`` inside the acceptance's transaction
    (registering a name again replaces it)."""
    _ON_INVITATION_ACCEPTED[name] = function


def invitation_accepted(*, membership: Membership, invitation: Invitation) -> None:
    for function in _ON_INVITATION_ACCEPTED.values():
        function(membership=membership, invitation=invitation)


# --- what a Developer can be assigned to ------------------------------------------------------
# Member and invitation pages name the mini programs a Developer works on, and an invitation
# checks the App IDs it assigns. Those rows live in an upper app (miniprograms), which provides
# the reads below; without it a workspace simply has nothing to assign.


@dataclass(frozen=True)
class MiniProgramRef:
    """A mini program as member and invitation lists name it."""

    app_id: str
    name: str


class AssignableReads(Protocol):
    def choices(self, *, workspace: Workspace) -> list[MiniProgramRef]:
        """The workspace's mini programs by name: what an invitation can assign."""
        ...

    def app_ids(self, *, workspace: Workspace) -> frozenset[str]:
        """App IDs of every mini program of the workspace."""
        ...

    def names(self, *, workspace_id: int, app_ids: list[str]) -> list[str]:
        """Names of those of ``app_ids`` that still name a mini program, by name."""
        ...

    def assignments(
        self, *, workspace: Workspace, user_ids: list[int], viewer: Membership
    ) -> dict[int, list[MiniProgramRef]]:
        """user id → the mini programs (visible to ``viewer``) that person is assigned to."""
        ...

    def refs(
        self, *, workspace: Workspace, app_ids: set[str], viewer: Membership
    ) -> dict[str, MiniProgramRef]:
        """App ID → mini program, for the App IDs that name one ``viewer`` may see."""
        ...

    def grant_rows(self, *, workspace: Workspace) -> QuerySet[Any]:
        """guardian grant rows on the workspace's mini programs."""
        ...


class _NothingToAssign:
    def choices(self, *, workspace: Workspace) -> list[MiniProgramRef]:
        return []

    def app_ids(self, *, workspace: Workspace) -> frozenset[str]:
        return frozenset()

    def names(self, *, workspace_id: int, app_ids: list[str]) -> list[str]:
        return []

    def assignments(
        self, *, workspace: Workspace, user_ids: list[int], viewer: Membership
    ) -> dict[int, list[MiniProgramRef]]:
        return {}

    def refs(
        self, *, workspace: Workspace, app_ids: set[str], viewer: Membership
    ) -> dict[str, MiniProgramRef]:
        return {}

    def grant_rows(self, *, workspace: Workspace) -> QuerySet[Any]:
        return WorkspaceUserObjectPermission.objects.none()


_ASSIGNABLES: list[AssignableReads] = []


def register_assignables(reads: AssignableReads) -> None:
    """Provide the reads above (called once from the mini programs app's ``ready()``)."""
    _ASSIGNABLES[:] = [reads]


def assignables() -> AssignableReads:
    return _ASSIGNABLES[0] if _ASSIGNABLES else _NothingToAssign()
