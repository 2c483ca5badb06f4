"""Across workspaces: a tenant and the merchants releasing into its host apps.

Objects belong to one workspace, and ``has_cap`` refuses every object of another. Two things
cross that line on purpose, and only through the rules below:
  - a merchant's (developer workspace's) mini program that targets a tenant's host apps is
    READ by that tenant (its reviewers must see what will run in their app), never written;
  - a request (review, sensitive JSAPI, …) names a requesting and a deciding workspace; the
    caller acts on it from the side its membership is on (``request_side``).
Only the role counts across workspaces: a grant never reaches another workspace.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from django.http import Http404

from workspaces.authz.access import _in_scope, membership_get, require
from workspaces.authz.capabilities import ROLE_CAPS, Cap, Kind
from workspaces.models import ApprovalRequest, Membership, User, Workspace

# What a tenant's member may do, through their role, to a merchant's mini program that targets
# one of the tenant's host apps. Reading only: the merchant alone changes its mini programs.
HOST_CAPS: frozenset[Cap] = frozenset({Cap.VIEW_MINIPROGRAM})


def has_cap_as_host(
    member: Membership | None, cap: Cap, *, owner: Workspace, targets_member_host_app: bool
) -> bool:
    """May ``member`` (of a tenant) use ``cap`` on an object of ``owner`` (a merchant's
    developer workspace) that targets one of the member's workspace's host apps?

    ``targets_member_host_app`` is the caller's finding (a selector's), that the object is
    linked to a host app of ``member.workspace``. Only capabilities in :data:`HOST_CAPS`, only
    through the role; an object of the member's own workspace is ``has_cap``'s business.
    """
    if member is None or not _in_scope(member, cap) or not targets_member_host_app:
        return False
    if member.workspace.kind != Kind.TENANT or owner.kind != Kind.DEVELOPER:
        return False
    if owner.pk == member.workspace_id:
        return False
    return cap in HOST_CAPS and cap in ROLE_CAPS.get(member.role, frozenset())


class Side(StrEnum):
    """Which end of a cross-workspace request a membership is on."""

    REQUESTING = "requesting"  # asks (a merchant submitting a version for review)
    DECIDING = "deciding"  # decides (the tenant whose host apps it targets)


class CrossWorkspaceRequest(Protocol):
    """The shape of every request that crosses workspaces (the approvals model implements it)."""

    requesting_workspace_id: int
    deciding_workspace_id: int


def request_side(member: Membership | None, request: CrossWorkspaceRequest) -> Side | None:
    """The side of ``request`` the (active) membership is on, or ``None``: not its business.

    A workspace that asks itself (a tenant's own mini program into its own host app) is on both
    sides: this answers ``None`` for it; :func:`request_sides` gives both, as approvals need.
    """
    if member is None or not member.is_active:
        return None
    sides = [
        side
        for side, workspace_id in (
            (Side.REQUESTING, request.requesting_workspace_id),
            (Side.DECIDING, request.deciding_workspace_id),
        )
        if workspace_id == member.workspace_id
    ]
    return sides[0] if len(sides) == 1 else None


def request_sides(member: Membership | None, request: CrossWorkspaceRequest) -> frozenset[Side]:
    """Every side of ``request`` the (active) membership is on.

    Both when a workspace asks itself: a tenant's own mini program released into its own host
    app is still decided by its deciders (and never by the person who asked, a service rule).
    """
    if member is None or not member.is_active:
        return frozenset()
    return frozenset(
        side
        for side, workspace_id in (
            (Side.REQUESTING, request.requesting_workspace_id),
            (Side.DECIDING, request.deciding_workspace_id),
        )
        if workspace_id == member.workspace_id
    )


def approval_request_on_side(*, member: Membership, request_id: int, side: Side) -> ApprovalRequest:
    """The approval request ``request_id`` if ``member`` (active) is on its ``side``, else 404:
    the same answer for "missing", "not yours" and "yours, but from the other side"."""
    request = (
        ApprovalRequest.objects.select_related(
            "requesting_workspace", "deciding_workspace", "requested_by", "decided_by"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or side not in request_sides(member, request):
        raise Http404("No such request.")
    return request


def access_approval_request(
    *, user: User, workspace: Workspace, request_id: int, side: Side, cap: Cap | None = None
) -> tuple[ApprovalRequest, Membership]:
    """Fetch an approval request as seen from ``workspace`` on ``side`` and authorize.

    Not an active member of ``workspace``, or the request is not on that side of it → 404. A
    member without ``cap`` (``Cap.DECIDE_APPROVALS`` on a decision page) → 403.
    """
    member = membership_get(user=user, workspace=workspace)
    if member is None or not member.is_active:
        raise Http404("No such request.")
    request = approval_request_on_side(member=member, request_id=request_id, side=side)
    if cap is not None:
        require(member, cap)
    return request, member
