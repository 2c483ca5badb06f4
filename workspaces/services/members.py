"""Members: change role, block/unblock (or both at once), remove, transfer ownership. Every
change is audited.

A membership's status changes only through :func:`membership_transition` (the table is
``workspaces/transitions.py``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, User
from workspaces.services.audit import audit_record
from workspaces.services.grants import grants_drop_for_member
from workspaces.transitions import MEMBERSHIP_ALLOWED, transition_needed

# The audit verb of each status a membership moves to.
MEMBERSHIP_VERBS: dict[str, str] = {
    Membership.Status.BLOCKED: "membership.block",
    Membership.Status.ACTIVE: "membership.unblock",
}


def _snapshot(m: Membership) -> dict[str, object]:
    return {"user": m.user.email, "role": m.role, "status": m.status}


def _locked_member(*, actor: Membership, membership_id: int) -> Membership:
    member = (
        Membership.objects.select_for_update()
        .select_related("user", "workspace")
        .filter(workspace_id=actor.workspace_id, pk=membership_id)
        .first()
    )
    if member is None:
        raise ValidationError("This person is not a member of the workspace.")
    return member


def _protect_owner(member: Membership, what: str) -> None:
    if member.role == Membership.Role.OWNER:
        raise ValidationError(
            f"The owner cannot be {what}. Transfer ownership to another member first."
        )


@transaction.atomic
def membership_transition(
    *, actor: User | None, membership_id: int, to: str
) -> tuple[Membership, bool]:
    """The one door for ``Membership.status``: returns (membership, changed).

    Locks the row; a same-state request is a no-op (a double submit); a change the table does
    not allow raises :class:`InvalidTransition`; saves only the status and writes the audit
    row. Callers check who may do it (use-case services such as :func:`membership_set_blocked`).
    """
    member = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "workspace")
        .get(pk=membership_id)
    )
    if not transition_needed(MEMBERSHIP_ALLOWED, member.status, to):
        return member, False
    before = _snapshot(member)
    member.status = to
    member.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb=MEMBERSHIP_VERBS[to],
        workspace=member.workspace,
        target=member,
        before=before,
        after=_snapshot(member),
    )
    return member, True


@transaction.atomic
def membership_change_role(*, actor: Membership, membership_id: int, role: str) -> Membership:
    """Give a member another role (not Owner: ownership is transferred, not assigned)."""
    authz.require(actor, Cap.MANAGE_MEMBERS)
    member = _locked_member(actor=actor, membership_id=membership_id)
    if member.role == role:
        return member
    _protect_owner(member, "demoted")
    authz.check_assignable_role(kind=member.workspace.kind, role=role, who=member.user.email)
    before = _snapshot(member)
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="membership.change_role",
        workspace=member.workspace,
        target=member,
        before=before,
        after=_snapshot(member),
    )
    return member


@transaction.atomic
def membership_set_blocked(*, actor: Membership, membership_id: int, blocked: bool) -> Membership:
    """Block (no access at all, data kept) or unblock a member. Repeats are no-ops."""
    authz.require(actor, Cap.MANAGE_MEMBERS)
    member = _locked_member(actor=actor, membership_id=membership_id)
    target = Membership.Status.BLOCKED if blocked else Membership.Status.ACTIVE
    if member.status == target:
        return member
    _protect_owner(member, "blocked")
    if member.pk == actor.pk:
        raise ValidationError("You cannot block yourself.")
    member, _ = membership_transition(actor=actor.user, membership_id=member.pk, to=target)
    return member


@transaction.atomic
def membership_update(
    *,
    actor: Membership,
    membership_id: int,
    role: str | None = None,
    blocked: bool | None = None,
) -> Membership:
    """Change a member's role and/or block or unblock them: both changes, or neither.

    The role change comes first, then the block, each through its own door
    (:func:`membership_change_role`, :func:`membership_set_blocked`) with its own rules and
    audit row; a refusal of either rolls back the other. Nothing asked is a refusal too.
    """
    authz.require(actor, Cap.MANAGE_MEMBERS)
    if role is None and blocked is None:
        raise ValidationError("Send a new role or a status.")
    member = _locked_member(actor=actor, membership_id=membership_id)
    if role is not None:
        member = membership_change_role(actor=actor, membership_id=member.pk, role=role)
    if blocked is not None:
        member = membership_set_blocked(actor=actor, membership_id=member.pk, blocked=blocked)
    return member


@transaction.atomic
def membership_remove(*, actor: Membership, membership_id: int) -> None:
    """Remove a member from the workspace (anyone may leave; the owner may not)."""
    member = _locked_member(actor=actor, membership_id=membership_id)
    if member.pk != actor.pk:
        authz.require(actor, Cap.MANAGE_MEMBERS)
    _protect_owner(member, "removed")
    before = _snapshot(member)
    audit_record(
        actor=actor.user,
        verb="membership.leave" if member.pk == actor.pk else "membership.remove",
        workspace=member.workspace,
        target=member,
        before=before,
        after=None,
    )
    grants_drop_for_member(actor=actor, member=member)
    member.delete()


@transaction.atomic
def workspace_transfer_ownership(*, actor: Membership, membership_id: int) -> Membership:
    """The owner hands the workspace to an active member; the old owner becomes an Admin."""
    authz.require(actor, Cap.TRANSFER_OWNERSHIP)
    owner = Membership.objects.select_for_update().get(pk=actor.pk)
    member = _locked_member(actor=actor, membership_id=membership_id)
    if member.pk == owner.pk:
        raise ValidationError("You already own this workspace.")
    if not member.is_active:
        raise ValidationError(f"{member.user.email} is blocked: unblock them first.")
    before = {"owner": owner.user.email}
    # Demote first: the database allows one owner per workspace at any moment.
    owner.role = Membership.Role.ADMIN
    owner.save(update_fields=["role", "updated_at"])
    member.role = Membership.Role.OWNER
    member.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="workspace.transfer_ownership",
        workspace=member.workspace,
        target=member.workspace,
        before=before,
        after={"owner": member.user.email},
    )
    return member
