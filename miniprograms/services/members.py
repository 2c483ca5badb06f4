"""Who works on a mini program (assigned Developers) and who may test it (tester whitelist).

Assigning a Developer is an object grant of ``develop_miniprogram`` on the mini program
(django-guardian, direct foreign key; ``authz.GRANT_IMPLIES`` lets them see it too). Testers are
accounts of the host apps' users, listed per mini program, that may open trial versions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from miniprograms.models import MiniProgram, MiniProgramTester, MiniProgramUserObjectPermission
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import runtime_changed
from workspaces.models import Invitation, Membership, User
from workspaces.services.audit import audit_record
from workspaces.services.invitations import InviteSpec, invitation_create_batch

MAX_TESTERS = 500
ACCOUNT_MAX = 128
NOTE_MAX = 80
DEVELOP = authz.codename(Cap.DEVELOP_MINIPROGRAM)


# --- assigned developers ----------------------------------------------------------------------


def _assignable_member(*, actor: Membership, user_id: int) -> Membership:
    member = (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace_id=actor.workspace_id, user_id=user_id)
        .first()
    )
    if member is None:
        raise ValidationError({"user": "This person is not a member of the workspace."})
    if not member.is_active:
        raise ValidationError({"user": f"{member.user.email} is blocked: unblock them first."})
    if authz.has_role_cap(member, Cap.DEVELOP_MINIPROGRAM):
        role = authz.role_label(member.role, member.workspace.kind)
        raise ValidationError(
            {"user": f"{member.user.email} is {role}: they work on every mini program already."}
        )
    if member.role != Membership.Role.DEVELOPER:
        role = authz.role_label(member.role, member.workspace.kind)
        email = member.user.email
        message = f"Only Developers are assigned to mini programs; {email} is {role}."
        raise ValidationError({"user": message})
    return member


def _grant_develop(
    *, member: Membership, miniprogram: MiniProgram, by: User, via: str = ""
) -> bool:
    """The assignment itself: the develop grant and its audit row; ``False`` if it was held."""
    held = MiniProgramUserObjectPermission.objects.filter(
        content_object=miniprogram, user_id=member.user_id, permission__codename=DEVELOP
    ).exists()
    if held:
        return False
    assign_perm(DEVELOP, member.user, miniprogram)
    after = {"user": member.user.email, "app_id": miniprogram.app_id}
    audit_record(
        actor=by,
        verb="miniprogram.developer_assign",
        workspace=member.workspace,
        target=miniprogram,
        after={**after, "via": via} if via else after,
    )
    return True


def miniprogram_developers_assign_invited(
    *, membership: Membership, invitation: Invitation
) -> None:
    """An accepted invitation's mini programs (those that still exist) go to the new Developer.

    Registered with ``workspaces.extensions`` and called inside ``invitation_accept``; no
    capability check: the admin who invited decided, the invitee accepts.
    """
    if membership.role != Membership.Role.DEVELOPER or not invitation.app_ids:
        return
    programs = MiniProgram.objects.filter(
        workspace_id=membership.workspace_id, app_id__in=invitation.app_ids
    ).order_by("name", "pk")
    for program in programs:
        _grant_develop(member=membership, miniprogram=program, by=membership.user, via="invitation")


@transaction.atomic
def miniprogram_developer_assign(
    *, actor: Membership, miniprogram: MiniProgram, user_id: int
) -> Membership:
    """Let a Developer of the workspace work on this mini program. Needs MANAGE; idempotent."""
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    Membership.objects.select_for_update().filter(pk=actor.pk).first()  # serialize per workspace
    member = _assignable_member(actor=actor, user_id=user_id)
    _grant_develop(member=member, miniprogram=miniprogram, by=actor.user)
    return member


@dataclass(frozen=True)
class TeamAdded:
    """What the quick start's team step did: Developers assigned, people invited."""

    assigned: list[Membership]
    invited: list[Invitation]


@transaction.atomic
def miniprogram_team_add(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    developer_ids: Iterable[int],
    invitations: Sequence[InviteSpec],
) -> TeamAdded:
    """The quick start's team step: assign Developers already in the workspace and invite
    people (an invited Developer is assigned to the mini programs the spec names when they
    join). Needs MANAGE on the mini program, and MANAGE_MEMBERS to invite.

    Both or neither: a refused invitation leaves nobody assigned, and a refused assignment
    sends no invitation. The refusal is the one the single service would raise
    (``{"user": …}`` for an assignment, the invitation's message otherwise).
    """
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    assigned = [
        miniprogram_developer_assign(actor=actor, miniprogram=miniprogram, user_id=user_id)
        for user_id in developer_ids
    ]
    invited = invitation_create_batch(actor=actor, specs=list(invitations)) if invitations else []
    return TeamAdded(assigned=assigned, invited=invited)


@transaction.atomic
def miniprogram_developer_unassign(
    *, actor: Membership, miniprogram: MiniProgram, user_id: int
) -> None:
    """Take a Developer off this mini program. Needs MANAGE; idempotent."""
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    row = (
        MiniProgramUserObjectPermission.objects.filter(
            content_object=miniprogram, user_id=user_id, permission__codename=DEVELOP
        )
        .select_related("user")
        .first()
    )
    if row is None:
        return
    remove_perm(DEVELOP, row.user, miniprogram)
    audit_record(
        actor=actor.user,
        verb="miniprogram.developer_unassign",
        workspace=actor.workspace,
        target=miniprogram,
        before={"user": row.user.email, "app_id": miniprogram.app_id},
    )


# --- testers ---------------------------------------------------------------------------------


def parse_tester_lines(text: str) -> list[str]:
    """One account per line (a .txt upload or a textarea); blank lines and ``#`` comments are
    skipped; a UTF-8 byte-order mark is dropped."""
    lines = (text or "").lstrip("\ufeff").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _account_problem(account: str) -> str | None:
    if len(account) > ACCOUNT_MAX:
        return f"is {len(account)} characters long; the limit is {ACCOUNT_MAX}"
    if any(ch.isspace() for ch in account):
        return "contains spaces; put one account per line"
    if any(unicodedata.category(ch).startswith("C") for ch in account):
        return "contains control characters"
    return None


@dataclass(frozen=True)
class AddTestersResult:
    added: list[MiniProgramTester]
    already_listed: list[str]


@transaction.atomic
def miniprogram_testers_add(
    *, actor: Membership, miniprogram: MiniProgram, accounts: Iterable[str], note: str = ""
) -> AddTestersResult:
    """Add accounts to the tester whitelist. Needs DEVELOP on the mini program.

    All or nothing: an invalid account (too long, with spaces or control characters) refuses
    the whole batch with the line numbers; accounts already listed are reported, not added
    twice; the list holds at most ``MAX_TESTERS`` accounts.
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    mp = MiniProgram.objects.select_for_update().get(pk=miniprogram.pk)
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": f"The note is {len(note)} characters; keep it to {NOTE_MAX}."}
        )
    wanted: list[str] = []
    problems: list[str] = []
    for number, raw in enumerate(accounts, start=1):
        account = (raw or "").strip()
        if not account:
            continue
        problem = _account_problem(account)
        if problem:
            problems.append(f"Line {number}: “{account[:40]}” {problem}.")
        elif account not in wanted:
            wanted.append(account)
    if problems:
        raise ValidationError({"accounts": problems[:20]})
    if not wanted:
        raise ValidationError({"accounts": "Add at least one account."})
    existing = set(
        MiniProgramTester.objects.filter(miniprogram=mp, account__in=wanted).values_list(
            "account", flat=True
        )
    )
    new = [a for a in wanted if a not in existing]
    total = MiniProgramTester.objects.filter(miniprogram=mp).count() + len(new)
    if total > MAX_TESTERS:
        raise ValidationError(
            {
                "accounts": f"A mini program can have at most {MAX_TESTERS} testers; adding "
                f"{len(new)} would make {total}. Remove some first."
            }
        )
    added = MiniProgramTester.objects.bulk_create(
        [MiniProgramTester(miniprogram=mp, account=a, note=note, added_by=actor.user) for a in new]
    )
    if added:
        runtime_changed()  # a bulk insert sends no signal: the runtime API's whitelist moved
        audit_record(
            actor=actor.user,
            verb="miniprogram.testers_add",
            workspace=actor.workspace,
            target=mp,
            after={"accounts": new[:50], "count": len(new), "note": note},
        )
    return AddTestersResult(added=added, already_listed=sorted(existing))


@transaction.atomic
def miniprogram_tester_remove(
    *, actor: Membership, miniprogram: MiniProgram, tester_id: int
) -> None:
    """Remove one account from the whitelist. Needs DEVELOP; removing a gone one is a no-op."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    tester = MiniProgramTester.objects.filter(miniprogram=miniprogram, pk=tester_id).first()
    if tester is None:
        return
    tester.delete()
    audit_record(
        actor=actor.user,
        verb="miniprogram.tester_remove",
        workspace=actor.workspace,
        target=miniprogram,
        before={"account": tester.account},
    )
