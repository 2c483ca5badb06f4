"""Reads of approval requests (the approvals hub): scoped to the member's workspace and side,
with every row the lists show fetched up front (constant queries whatever the length).

Besides state and kind, the lists filter by the *facets* a kind puts in a request's payload
for that purpose (a release review: ``environment``, ``host_app_id`` and ``host_app``, its name
when submitted). The core knows no releases: a facet is a JSON key, looked up by the database
(SQLite and PostgreSQL alike), and a request without it simply never matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApprovalRequest, Membership

_RELATED = ("requesting_workspace", "deciding_workspace", "requested_by", "decided_by")
State = ApprovalRequest.State

# The payload keys the hub filters by.
FACET_ENVIRONMENT = "environment"
FACET_HOST_APP_ID = "host_app_id"
FACET_HOST_APP_NAME = "host_app"


def _filtered(
    rows: QuerySet[ApprovalRequest],
    *,
    state: str | None,
    kind: str | None,
    environment: str | None = None,
    host_app_id: int | None = None,
) -> QuerySet[ApprovalRequest]:
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if environment:
        rows = rows.filter(**{f"payload__{FACET_ENVIRONMENT}": environment})
    if host_app_id:
        rows = rows.filter(**{f"payload__{FACET_HOST_APP_ID}": host_app_id})
    return rows.select_related(*_RELATED).order_by("-created_at", "-id")


def _to_decide(member: Membership) -> QuerySet[ApprovalRequest]:
    if not authz.has_cap(member, Cap.DECIDE_APPROVALS):
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(deciding_workspace_id=member.workspace_id)


def _requested(member: Membership, *, mine_only: bool = False) -> QuerySet[ApprovalRequest]:
    if not member.is_active:
        return ApprovalRequest.objects.none()
    rows = ApprovalRequest.objects.filter(requesting_workspace_id=member.workspace_id)
    if mine_only:
        rows = rows.filter(requested_by_id=member.user_id)
    return rows


def approval_list_to_decide(
    *,
    member: Membership,
    state: str | None = None,
    kind: str | None = None,
    environment: str | None = None,
    host_app_id: int | None = None,
) -> QuerySet[ApprovalRequest]:
    """Requests sent to the member's workspace, newest first ("My approvals").

    Only for a member who may decide them (``Cap.DECIDE_APPROVALS``): anyone else gets none.
    Includes the member's own submissions (a tenant asking itself), which they cannot decide.
    """
    return _filtered(
        _to_decide(member),
        state=state,
        kind=kind,
        environment=environment,
        host_app_id=host_app_id,
    )


def approval_list_requested(
    *,
    member: Membership,
    state: str | None = None,
    kind: str | None = None,
    mine_only: bool = False,
    environment: str | None = None,
    host_app_id: int | None = None,
) -> QuerySet[ApprovalRequest]:
    """Requests the member's workspace made, newest first ("My requests"); with ``mine_only``,
    those the member submitted. Every active member sees their workspace's requests."""
    return _filtered(
        _requested(member, mine_only=mine_only),
        state=state,
        kind=kind,
        environment=environment,
        host_app_id=host_app_id,
    )


@dataclass(frozen=True)
class ApprovalFacets:
    """The facet values a box's requests carry: what its filters can offer."""

    environments: list[str]
    host_apps: list[tuple[int, str]]  # (id, name), by name


def approval_facets(*, member: Membership, box: str) -> ApprovalFacets:
    """Distinct environments and host apps named by the requests of ``box`` ("to_decide" or
    "requested") as ``member`` sees them, whatever their state (two queries)."""
    rows = _to_decide(member) if box == "to_decide" else _requested(member)
    rows = rows.order_by()
    environments = {
        value
        for value in rows.values_list(f"payload__{FACET_ENVIRONMENT}", flat=True).distinct()
        if isinstance(value, str) and value
    }
    pairs = rows.values_list(f"payload__{FACET_HOST_APP_ID}", f"payload__{FACET_HOST_APP_NAME}")
    host_apps: dict[int, str] = {}
    # A renamed host app appears once under each name it had: any of them names it (the
    # first in order, so the choice is stable).
    for host_app_id, name in sorted(pairs.distinct(), key=lambda pair: str(pair)):
        if isinstance(host_app_id, int) and not isinstance(host_app_id, bool):
            host_apps.setdefault(host_app_id, str(name or host_app_id))
    return ApprovalFacets(
        environments=sorted(environments),
        host_apps=sorted(host_apps.items(), key=lambda pair: (pair[1].lower(), pair[0])),
    )


def approval_pending_count(*, member: Membership) -> int:
    """How many requests wait for a decision the member can take (the sidebar's badge): open,
    sent to the member's workspace, not submitted by the member. 0 for a non-decider."""
    if not authz.has_cap(member, Cap.DECIDE_APPROVALS):
        return 0
    return _waiting_for(member).count()


def _waiting_for(member: Membership) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(
        deciding_workspace_id=member.workspace_id, state=State.PROCESSING
    ).exclude(requested_by_id=member.user_id)


def approval_pending_count_cached(*, member: Membership) -> int:
    """:func:`approval_pending_count`, computed once per membership instance (the sidebar's
    badge and the page that also shows it ask the same object: one query per page)."""
    cached: int | None = getattr(member, "_approvals_waiting", None)
    if cached is None:
        cached = approval_pending_count(member=member)
        member._approvals_waiting = cached  # type: ignore[attr-defined]
    return cached


def approval_oldest_waiting(
    *, member: Membership, limit: int = 5
) -> tuple[list[ApprovalRequest], int]:
    """The Overview's card for a decider: the ``limit`` oldest requests waiting for the
    member's decision (open, sent to their workspace, not their own), and how many there are.
    A non-decider gets ``([], 0)``."""
    if not authz.has_cap(member, Cap.DECIDE_APPROVALS):
        return [], 0
    rows = _waiting_for(member).select_related(*_RELATED).order_by("created_at", "id")
    return _head_and_count(rows, limit)


def approval_oldest_in_review(
    *, member: Membership, limit: int = 5
) -> tuple[list[ApprovalRequest], int]:
    """The Overview's card for everyone else: the ``limit`` oldest requests of the member's
    workspace still in review (waiting for the other side), and how many there are."""
    rows = (
        _requested(member)
        .filter(state=State.PROCESSING)
        .select_related(*_RELATED)
        .order_by("created_at", "id")
    )
    return _head_and_count(rows, limit)


def _head_and_count(
    rows: QuerySet[ApprovalRequest], limit: int
) -> tuple[list[ApprovalRequest], int]:
    head = list(rows[:limit])
    return head, (len(head) if len(head) < limit else rows.count())
