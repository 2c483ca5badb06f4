"""Helpers for tests generated from the URL configuration (role matrices that must cover it)."""

from __future__ import annotations


def routed_methods(urlpatterns) -> set[tuple[str, str]]:
    """``(url name, method)`` for every handler the patterns' views define (not OPTIONS/HEAD):
    what a role matrix over these routes has to cover."""
    found: set[tuple[str, str]] = set()
    for pattern in urlpatterns:
        view = pattern.callback.view_class
        for method in view.http_method_names:
            if method not in ("options", "head") and hasattr(view, method):
                found.add((pattern.name, method))
    return found
