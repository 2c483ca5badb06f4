"""Extension points for the apps built on mini programs.

Dependencies point down (``releases → miniprograms``), so a mini program's pages cannot import
what later apps know. Those apps register here, once, from their ``AppConfig.ready()``: a
function that adds context to the mini program's Overview (e.g. the newest ready version).
Each is called with the authorized mini program and must cost at most a query or two. And what
happens first when the mini program is taken offline from a host app (releases: cancel the
reviews and approved releases in flight there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from miniprograms.models import MiniProgram, MiniProgramHostApp
from workspaces.models import Membership

OverviewContext = Callable[[MiniProgram], dict[str, Any]]

_OVERVIEW: dict[str, OverviewContext] = {}


def register_overview_context(name: str, function: OverviewContext) -> None:
    """Add ``function``'s context to the Overview page (registering a name again replaces it)."""
    _OVERVIEW[name] = function


def overview_context(miniprogram: MiniProgram) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for function in _OVERVIEW.values():
        context.update(function(miniprogram))
    return context


# --- taking a mini program offline from a host app ---------------------------------------------


class TakeOffline(Protocol):
    def __call__(self, *, actor: Membership, target: MiniProgramHostApp, reason: str) -> object:
        """Cancel what the app has in flight on ``target`` (a mini program × host app row,
        locked, still active), inside ``miniprogram_take_offline``'s transaction, before it goes
        offline: raising refuses the take-offline and undoes everything. What it returns is
        ignored."""
        ...


_TAKE_OFFLINE: dict[str, TakeOffline] = {}


def register_take_offline(name: str, function: TakeOffline) -> None:
    """Call ``function`` whenever a mini program is taken offline from a host app (registering
    a name again replaces it)."""
    _TAKE_OFFLINE[name] = function


def taking_offline(*, actor: Membership, target: MiniProgramHostApp, reason: str) -> None:
    for function in _TAKE_OFFLINE.values():
        function(actor=actor, target=target, reason=reason)


# --- a mini program's version numbers ----------------------------------------------------------
# Versions belong to the releases app; pages of this app that configure something per version
# (server domains and WAP URLs) name them by number and ask for them here.

VersionNumbers = Callable[[MiniProgram], list[str]]

_VERSION_NUMBERS: list[VersionNumbers] = []


def register_version_numbers(function: VersionNumbers) -> None:
    """Provide a mini program's version numbers, newest first (called once, by releases)."""
    _VERSION_NUMBERS[:] = [function]


def version_numbers(miniprogram: MiniProgram) -> list[str]:
    """The mini program's version numbers, newest first (none when no app provides them)."""
    return list(_VERSION_NUMBERS[0](miniprogram)) if _VERSION_NUMBERS else []
