"""``{% load console_shell %}``: what the shell (templates/base.html) shows around a page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def shell_workspace(context: template.Context) -> Any:
    """The workspace whose top bar and sidebar frame the page: the page's own, else (profile,
    security, API tokens, 404…) the signed-in user's current or last one, else none."""
    workspace = context.get("workspace")
    if workspace:
        return workspace
    membership = context.get("shell_membership")
    return membership.workspace if membership else None
