"""Extension points of the workspaces app for the apps built on it.

Dependencies point down (``miniprograms → workspaces``), so what a later app does when something
happens here is registered by that app, once, from its ``AppConfig.ready()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from django.db.models import QuerySet

from workspaces.models import (
    ApprovalRequest,
    Invitation,
    Membership,
    User,
    Workspace,
    WorkspaceUserObjectPermission,
)

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


# --- approval kinds ---------------------------------------------------------------------------
# An approval request (``ApprovalRequest``) is generic; what it asks for and what a decision does
# belong to the upper app that registered its kind (releases: "release_review"; later sensitive
# JSAPIs, skip domain verification…). A request of a kind nobody registered cannot be opened.


class ApprovalDecided(Protocol):
    def __call__(self, *, request: ApprovalRequest, state: str) -> None:
        """Apply the decision (``state``: approved, rejected, withdrawn or cancelled).

        Called once per decision, inside the deciding transaction with the request row locked
        and already saved in its new state: raising rolls the decision back.
        """
        ...


class ApprovalDecidedBy(Protocol):
    def __call__(self, *, request: ApprovalRequest, state: str, actor: User | None) -> None:
        """:class:`ApprovalDecided` that also receives who acted: the decider, the member who
        withdrew, or whoever cancelled (``None`` for the system)."""
        ...


@dataclass(frozen=True)
class ApprovalDetail:
    """What a kind adds to a request's page: a template included under the request, rendered
    with ``context`` as ``detail`` (``{% include detail_template with detail=… %}``)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


class ApprovalDetailProvider(Protocol):
    def __call__(self, *, request: ApprovalRequest, member: Membership) -> ApprovalDetail | None:
        """The kind's section of the request page, as ``member`` sees it (from the requesting
        or the deciding side: the page authorized the member on the request already, and the
        provider reads only what the request names). ``None``: nothing to add."""
        ...


def _accepts_actor(function: Callable[..., None]) -> bool:
    """Does ``function`` take an ``actor`` keyword (by name or through ``**kwargs``)?"""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin or a C callable without a signature
        return False
    return any(
        (p.name == "actor" and p.kind != p.POSITIONAL_ONLY) or p.kind == p.VAR_KEYWORD
        for p in parameters
    )


@dataclass(frozen=True)
class ApprovalKind:
    code: str
    label: str  # how lists and filters name the kind ("Release review")
    on_decided: ApprovalDecided | ApprovalDecidedBy
    detail: ApprovalDetailProvider | None = None
    passes_actor: bool = False  # ``on_decided`` takes ``actor`` (found at registration)

    def decided(self, *, request: ApprovalRequest, state: str, actor: User | None) -> None:
        """Call ``on_decided``, with ``actor`` when it takes one (older hooks do not)."""
        if self.passes_actor:
            cast(ApprovalDecidedBy, self.on_decided)(request=request, state=state, actor=actor)
        else:
            cast(ApprovalDecided, self.on_decided)(request=request, state=state)


_APPROVAL_KINDS: dict[str, ApprovalKind] = {}


def register_approval_kind(
    code: str,
    *,
    label: str,
    on_decided: ApprovalDecided | ApprovalDecidedBy,
    detail: ApprovalDetailProvider | None = None,
) -> ApprovalKind:
    """Register a kind of approval request (once, from the upper app's ``AppConfig.ready()``;
    registering a code again replaces it).

    ``on_decided`` applies a decision; it is given the acting user as ``actor`` when its
    signature takes that keyword. ``detail`` (optional) gives the kind's section of the request
    page (:class:`ApprovalDetailProvider`).
    """
    max_length = ApprovalRequest._meta.get_field("kind").max_length or 0
    if not code or len(code) > max_length or not code.replace("_", "").isalnum():
        raise ValueError(f"An approval kind code is 1 to {max_length} letters, digits or '_'.")
    kind = ApprovalKind(
        code=code,
        label=label,
        on_decided=on_decided,
        detail=detail,
        passes_actor=_accepts_actor(on_decided),
    )
    _APPROVAL_KINDS[code] = kind
    return kind


def unregister_approval_kind(code: str) -> None:
    """Forget a kind (tests that register their own)."""
    _APPROVAL_KINDS.pop(code, None)


def approval_kind(code: str) -> ApprovalKind | None:
    """The registered kind ``code``, or ``None`` if no app registered it."""
    return _APPROVAL_KINDS.get(code)


def approval_kinds() -> list[ApprovalKind]:
    """Every registered kind, by label (a filter's choices)."""
    return sorted(_APPROVAL_KINDS.values(), key=lambda kind: (kind.label, kind.code))


# --- the runtime revision -----------------------------------------------------------------------
# The runtime API (releases) answers from a compiled snapshot, rebuilt when its revision moves.
# It follows the rows it reads through model signals; a write that sends none (a bulk insert)
# calls ``runtime_changed()`` inside its transaction instead.

_ON_RUNTIME_CHANGED: dict[str, Callable[[], None]] = {}


def register_runtime_changed(name: str, function: Callable[[], None]) -> None:
    """Call ``function()`` whenever a lower app says the runtime answers may have changed."""
    _ON_RUNTIME_CHANGED[name] = function


def runtime_changed() -> None:
    """Something the runtime API answers with changed (call inside the writing transaction)."""
    for function in _ON_RUNTIME_CHANGED.values():
        function()


# --- panels of the host app page --------------------------------------------------------------
# An upper app adds a section to a host app's page (releases: the runtime API's endpoint and
# the public key its answers are signed with). Rendered after the details, in registration order.


@dataclass(frozen=True)
class HostAppPanel:
    """A template included on the host app page with ``panel`` = ``context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


HostAppPanelProvider = Callable[..., HostAppPanel | None]  # (*, host_app) -> panel or None

_HOST_APP_PANELS: dict[str, HostAppPanelProvider] = {}


def register_host_app_panel(name: str, provider: HostAppPanelProvider) -> None:
    """Add a section to every host app page (registering a name again replaces it)."""
    _HOST_APP_PANELS[name] = provider


def host_app_panels(*, host_app: Any) -> list[HostAppPanel]:
    panels = (provider(host_app=host_app) for provider in _HOST_APP_PANELS.values())
    return [panel for panel in panels if panel is not None]


# --- tabs of the workspace Settings -----------------------------------------------------------
# An upper app adds a tab to a workspace's Settings (miniprograms: "Authorized server domains and
# WAP URLs" for tenants). A provider answers without a query (from the membership's kind and
# capabilities); the tab links to the upper app's own page, which extends the settings base.


@dataclass(frozen=True)
class SettingsTab:
    """A Settings tab: ``code`` is the page's ``settings_tab`` (the current tab is marked)."""

    code: str
    label: str
    url: str


SettingsTabProvider = Callable[..., SettingsTab | None]  # (*, workspace, membership) -> tab

_SETTINGS_TABS: dict[str, SettingsTabProvider] = {}


def register_settings_tab(name: str, provider: SettingsTabProvider) -> None:
    """Add a tab to the workspace Settings (registering a name again replaces it)."""
    _SETTINGS_TABS[name] = provider


def settings_tabs(*, workspace: Workspace, membership: Membership) -> list[SettingsTab]:
    """The registered tabs ``membership`` may open, in registration order."""
    tabs = (p(workspace=workspace, membership=membership) for p in _SETTINGS_TABS.values())
    return [tab for tab in tabs if tab is not None]
