"""Checking capabilities: ``has_cap``, ``require`` and the ``access_*`` helpers of a workspace.

The role decides first; an object grant (``grants.py``) can add a capability on one object.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from workspaces.authz.capabilities import CAP_KINDS, ROLE_CAPS, Cap
from workspaces.authz.grants import _grantable_on, object_grants, workspace_id_of
from workspaces.models import Membership, User, Workspace


def _in_scope(member: Membership | None, cap: Cap) -> bool:
    """An active membership, in a workspace of a kind where ``cap`` exists at all."""
    if member is None or not member.is_active:
        return False
    kinds = CAP_KINDS.get(cap)
    return kinds is None or member.workspace.kind in kinds


def has_role_cap(member: Membership | None, cap: Cap) -> bool:
    """Does the (active) membership hold ``cap`` through its role alone?"""
    if member is None or not _in_scope(member, cap):
        return False
    return cap in ROLE_CAPS.get(member.role, frozenset())


def has_cap(member: Membership | None, cap: Cap, obj: Model | None = None) -> bool:
    """Does this (active) membership hold ``cap`` in its workspace (on ``obj`` when given)?

    The role decides first; then an object grant to the member's user on ``obj`` (by default
    the workspace itself) can add the capability. Blocked members hold nothing, and a grant on
    an object of another workspace gives nothing here.
    """
    if member is None or not _in_scope(member, cap):
        return False
    if obj is not None and workspace_id_of(obj) not in (None, member.workspace_id):
        return False  # a role, like a grant, holds only in the member's own workspace
    if cap in ROLE_CAPS.get(member.role, frozenset()):
        return True
    target = obj if obj is not None else member.workspace
    if cap not in _grantable_on(type(target)):
        return False  # not grantable on this type: no query
    return cap in object_grants(member, target)


def caps_for(member: Membership | None, obj: Model | None = None) -> frozenset[str]:
    """Every capability the membership holds (templates test ``"<cap>" in caps``)."""
    return frozenset(cap.value for cap in Cap if has_cap(member, cap, obj))


class CapabilityDenied(PermissionDenied):
    """A 403 that knows which capability was missing, so the page can say who to ask."""

    def __init__(self, *, cap: Cap, member: Membership | None):
        self.cap = cap
        self.member = member
        self.workspace = member.workspace if member else None
        super().__init__(f"This needs the capability {cap.value}.")


def require(member: Membership | None, cap: Cap, obj: Model | None = None) -> None:
    """Raise :class:`CapabilityDenied` unless the (active) membership holds ``cap`` (on ``obj``)."""
    if not has_cap(member, cap, obj):
        raise CapabilityDenied(cap=cap, member=member)


def membership_get(*, user: User, workspace: Workspace) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace", "user")
        .filter(user=user, workspace=workspace)
        .first()
    )


def access_workspace(
    *, user: User, slug: str, cap: Cap = Cap.VIEW_WORKSPACE
) -> tuple[Workspace, Membership]:
    """Fetch a workspace by slug and authorize in one step.

    Not a member (or blocked) → 404, the same answer as a missing workspace, so slugs of
    other tenants do not leak. A member without ``cap`` → 403 naming what is needed.
    """
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(user_id=user.pk, workspace__slug=slug, status=Membership.Status.ACTIVE)
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such workspace.")
    require(membership, cap)
    return membership.workspace, membership
