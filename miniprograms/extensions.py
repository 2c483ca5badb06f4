"""Extension points for the apps built on mini programs.

Dependencies point down (``releases → miniprograms``), so a mini program's pages cannot import
what later apps know. Those apps register here, once, from their ``AppConfig.ready()``: a
function that adds context to the mini program's Overview (e.g. the newest ready version).
Each is called with the authorized mini program and must cost at most a query or two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniprograms.models import MiniProgram

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
