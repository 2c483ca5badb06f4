"""``{% load approvals %}``: the approvals badge the sidebar shows beside "Approvals"."""

from __future__ import annotations

from typing import Any

from django import template

from workspaces.selectors_approvals import approval_pending_count_cached

register = template.Library()


@register.simple_tag
def approvals_waiting(membership: Any) -> int:
    """How many requests wait for ``membership``'s decision (0 for a non-decider): one query
    per page, shared with the page when it shows the number too."""
    if not membership:
        return 0
    return approval_pending_count_cached(member=membership)
