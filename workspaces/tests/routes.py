"""Helpers for tests generated from the URL configuration and the API schema."""

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


def openapi_schema(tmp_path, client) -> dict:
    """The OpenAPI document, after ``manage.py spectacular --validate --fail-on-warn`` passed
    (a warning — an ambiguous enum, an undocumented field — fails the caller's test)."""
    from django.core.management import call_command

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(tmp_path / "schema.json"),
    )
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()
