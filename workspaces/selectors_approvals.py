"""Reads of approval requests (the approvals hub): scoped to the member's workspace and side,
with every row the lists show fetched up front (constant queries whatever the length)."""

from __future__ import annotations

from django.db.models import QuerySet

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApprovalRequest, Membership

_RELATED = ("requesting_workspace", "deciding_workspace", "requested_by", "decided_by")


def _filtered(
    rows: QuerySet[ApprovalRequest], *, state: str | None, kind: str | None
) -> QuerySet[ApprovalRequest]:
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related(*_RELATED).order_by("-created_at", "-id")


def approval_list_to_decide(
    *, member: Membership, state: str | None = None, kind: str | None = None
) -> QuerySet[ApprovalRequest]:
    """Requests sent to the member's workspace, newest first ("My approvals").

    Only for a member who may decide them (``Cap.DECIDE_APPROVALS``): anyone else gets none.
    Includes the member's own submissions (a tenant asking itself), which they cannot decide.
    """
    if not authz.has_cap(member, Cap.DECIDE_APPROVALS):
        return ApprovalRequest.objects.none()
    rows = ApprovalRequest.objects.filter(deciding_workspace_id=member.workspace_id)
    return _filtered(rows, state=state, kind=kind)


def approval_list_requested(
    *,
    member: Membership,
    state: str | None = None,
    kind: str | None = None,
    mine_only: bool = False,
) -> QuerySet[ApprovalRequest]:
    """Requests the member's workspace made, newest first ("My requests"); with ``mine_only``,
    those the member submitted. Every active member sees their workspace's requests."""
    if not member.is_active:
        return ApprovalRequest.objects.none()
    rows = ApprovalRequest.objects.filter(requesting_workspace_id=member.workspace_id)
    if mine_only:
        rows = rows.filter(requested_by_id=member.user_id)
    return _filtered(rows, state=state, kind=kind)


def approval_pending_count(*, member: Membership) -> int:
    """How many requests wait for a decision the member can take (the sidebar's badge): open,
    sent to the member's workspace, not submitted by the member. 0 for a non-decider."""
    if not authz.has_cap(member, Cap.DECIDE_APPROVALS):
        return 0
    return (
        ApprovalRequest.objects.filter(
            deciding_workspace_id=member.workspace_id, state=ApprovalRequest.State.PROCESSING
        )
        .exclude(requested_by_id=member.user_id)
        .count()
    )
