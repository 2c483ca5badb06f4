"""Invitations: invite up to 10 people at once, withdraw, re-send, accept (single use, 3 days).

A Developer is invited to work on given mini programs (``InviteSpec.app_ids``; required once the
workspace has any) and is assigned to them on acceptance. An invitation's status changes only
through :func:`invitation_transition` (the table is ``workspaces/transitions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from console.tasks import email_enqueue
from console.text import clean_display_text
from workspaces import authz, extensions, keys
from workspaces.authz import Cap
from workspaces.extensions import assignables
from workspaces.models import Invitation, Membership, User, Workspace, normalize_email
from workspaces.services.audit import audit_record
from workspaces.transitions import INVITATION_ALLOWED, transition_needed

INVITATION_TTL = timedelta(days=3)
MAX_INVITATIONS_PER_BATCH = 10
TOKEN_LENGTH = 43


@dataclass(frozen=True)
class InviteSpec:
    name: str
    email: str
    role: str
    # App IDs of this workspace's mini programs to assign (Developers only).
    app_ids: tuple[str, ...] = ()


def _snapshot(invitation: Invitation) -> dict[str, object]:
    return {
        "email": invitation.email,
        "name": invitation.name,
        "role": invitation.role,
        "app_ids": list(invitation.app_ids),
        "status": invitation.status,
        "expires_at": invitation.expires_at.isoformat(),
    }


# The audit verb of each status an invitation moves to (closing an expired one: "expire").
INVITATION_VERBS: dict[str, str] = {
    Invitation.Status.ACCEPTED: "invitation.accept",
    Invitation.Status.WITHDRAWN: "invitation.withdraw",
}
EXPIRE_VERB = "invitation.expire"


@transaction.atomic
def invitation_transition(
    *,
    actor: User | None,
    invitation_id: int,
    to: str,
    verb: str | None = None,
    fields: dict[str, object] | None = None,
) -> tuple[Invitation, bool]:
    """The one door for ``Invitation.status``: returns (invitation, changed).

    Locks the row; a same-state request is a no-op; a change the table does not allow raises
    :class:`InvalidTransition`; saves the status with ``fields`` (``accepted_at``, …) and writes
    the audit row (``verb``, by default the status's own). Callers apply the rules first.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("workspace")
        .get(pk=invitation_id)
    )
    if not transition_needed(INVITATION_ALLOWED, invitation.status, to):
        return invitation, False
    before = _snapshot(invitation)
    invitation.status = to
    extra = fields or {}
    for name, value in extra.items():
        setattr(invitation, name, value)
    invitation.save(update_fields=["status", "updated_at", *extra])
    audit_record(
        actor=actor,
        verb=verb or INVITATION_VERBS[to],
        workspace=invitation.workspace,
        target=invitation,
        before=before,
        after=_snapshot(invitation),
    )
    return invitation, True


def invitation_link(raw_token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitations:accept', args=[raw_token])}"


def _miniprogram_names(invitation: Invitation) -> list[str]:
    """Names of the mini programs an invited Developer will work on (those still there)."""
    if not invitation.app_ids:
        return []
    return assignables().names(
        workspace_id=invitation.workspace_id, app_ids=list(invitation.app_ids)
    )


def _send(invitation: Invitation, raw_token: str, inviter: User | None) -> None:
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": inviter,
        "link": invitation_link(raw_token),
        "role_label": authz.role_label(invitation.role, invitation.workspace.kind),
        "ttl_days": INVITATION_TTL.days,
        "miniprogram_names": _miniprogram_names(invitation),
    }
    email_enqueue(
        to=[invitation.email],
        subject=render_to_string("workspaces/email/invitation_subject.txt", context).strip(),
        body=render_to_string("workspaces/email/invitation.txt", context),
    )


def _issue(
    *,
    workspace: Workspace,
    spec: InviteSpec,
    inviter: User | None,
) -> Invitation:
    raw = keys.random_secret(length=TOKEN_LENGTH)
    invitation = Invitation(
        workspace=workspace,
        email=spec.email,
        name=spec.name,
        role=spec.role,
        app_ids=list(spec.app_ids),
        token_hash=keys.keyed_hash(raw),
        invited_by=inviter,
        expires_at=timezone.now() + INVITATION_TTL,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # a concurrent invitation for the same address won
        raise ValidationError(f"{spec.email} already has a pending invitation.") from exc
    _send(invitation, raw, inviter)
    return invitation


def _workspace_app_ids(workspace: Workspace) -> frozenset[str]:
    """App IDs of the workspace's mini programs (one query)."""
    return assignables().app_ids(workspace=workspace)


def _listed(values: list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _clean_app_ids(
    *, workspace: Workspace, email: str, role: str, app_ids: tuple[str, ...], known: frozenset[str]
) -> tuple[str, ...]:
    """The mini programs a Developer is assigned to: deduplicated, all of this workspace.

    Errors carry the code ``"app_ids"`` so forms can show them by the mini program field.
    """
    wanted = tuple(dict.fromkeys(a for a in (str(v).strip() for v in app_ids) if a))
    if wanted and role != Membership.Role.DEVELOPER:
        label = authz.role_label(role, workspace.kind)
        raise ValidationError(
            f"{email} is invited as {label}, who works with every mini program through the "
            "role: only Developers are assigned to mini programs. Choose Developer or clear "
            "the mini programs.",
            code="app_ids",
        )
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ValidationError(
            f"Not a mini program of {workspace.name}: {_listed(unknown)} (for {email}).",
            code="app_ids",
        )
    if role == Membership.Role.DEVELOPER and known and not wanted:
        raise ValidationError(
            f"Assign at least one mini program to {email}: Developers work only on the mini "
            "programs assigned to them.",
            code="app_ids",
        )
    return wanted


def _clean_spec(
    *,
    workspace: Workspace,
    spec: InviteSpec,
    allow_owner: bool = False,
    known_app_ids: frozenset[str] | None = None,
) -> InviteSpec:
    """The spec normalised, or a ``ValidationError`` naming the person.

    ``known_app_ids`` are the workspace's mini programs (looked up here when not given).
    """
    email = normalize_email(spec.email)
    name = clean_display_text(spec.name, label=f"The name for {email or 'this person'}")
    if not name:
        raise ValidationError(f"Give a name for {email or 'each person'}.")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(f"'{spec.email}' is not a valid email address.") from exc
    if not (allow_owner and spec.role == Membership.Role.OWNER):
        authz.check_assignable_role(kind=workspace.kind, role=spec.role, who=email)
    if known_app_ids is None:
        needed = spec.role == Membership.Role.DEVELOPER or spec.app_ids
        known_app_ids = _workspace_app_ids(workspace) if needed else frozenset()
    app_ids = _clean_app_ids(
        workspace=workspace, email=email, role=spec.role, app_ids=spec.app_ids, known=known_app_ids
    )
    return InviteSpec(name=name[:120], email=email, role=spec.role, app_ids=app_ids)


@transaction.atomic
def invitation_create_batch(*, actor: Membership, specs: list[InviteSpec]) -> list[Invitation]:
    """Invite 1–10 people to the actor's workspace. All or nothing; one email each (on commit).

    Refused: more than 10, the same address twice, an existing member, an address with a
    pending (unexpired) invitation, a role the workspace kind does not have; a Developer without
    a mini program once the workspace has any, App IDs that are not mini programs of this
    workspace, mini programs for any other role (errors about them have the code "app_ids").
    """
    authz.require(actor, Cap.MANAGE_MEMBERS)
    workspace = actor.workspace
    if not specs:
        raise ValidationError("Add at least one person to invite.")
    if len(specs) > MAX_INVITATIONS_PER_BATCH:
        raise ValidationError(
            f"You can invite at most {MAX_INVITATIONS_PER_BATCH} people at once "
            f"(you added {len(specs)})."
        )
    known = _workspace_app_ids(workspace)
    cleaned = [_clean_spec(workspace=workspace, spec=spec, known_app_ids=known) for spec in specs]
    emails = [spec.email for spec in cleaned]
    duplicates = sorted({e for e in emails if emails.count(e) > 1})
    if duplicates:
        raise ValidationError(f"{', '.join(duplicates)} appears more than once.")
    members = set(
        Membership.objects.filter(workspace=workspace, user__email__in=emails).values_list(
            "user__email", flat=True
        )
    )
    if members:
        raise ValidationError(f"Already a member: {', '.join(sorted(members))}.")
    now = timezone.now()
    pending = Invitation.objects.select_for_update().filter(
        workspace=workspace, email__in=emails, status=Invitation.Status.PENDING
    )
    blocking = []
    for invitation in pending:
        if invitation.is_expired(now):
            # An expired invitation no longer blocks a fresh one: close it first (audited).
            invitation_transition(
                actor=actor.user,
                invitation_id=invitation.pk,
                to=Invitation.Status.WITHDRAWN,
                verb=EXPIRE_VERB,
            )
        else:
            blocking.append(invitation.email)
    if blocking:
        raise ValidationError(
            f"Already invited (the link is still valid): {', '.join(sorted(blocking))}. "
            "Re-send or withdraw that invitation instead."
        )
    created = []
    for spec in cleaned:
        invitation = _issue(workspace=workspace, spec=spec, inviter=actor.user)
        audit_record(
            actor=actor.user,
            verb="invitation.create",
            workspace=workspace,
            target=invitation,
            after=_snapshot(invitation),
        )
        created.append(invitation)
    return created


def _locked_invitation(*, workspace: Workspace, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("workspace")
        .filter(workspace=workspace, pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise ValidationError("This invitation does not exist.")
    return invitation


@transaction.atomic
def invitation_withdraw(*, actor: Membership, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation: its link stops working at once. Repeats are no-ops."""
    authz.require(actor, Cap.MANAGE_MEMBERS)
    invitation = _locked_invitation(workspace=actor.workspace, invitation_id=invitation_id)
    if invitation.status == Invitation.Status.WITHDRAWN:
        return invitation
    if invitation.status == Invitation.Status.ACCEPTED:
        raise ValidationError(f"{invitation.email} already accepted; remove the member instead.")
    invitation, _ = invitation_transition(
        actor=actor.user, invitation_id=invitation.pk, to=Invitation.Status.WITHDRAWN
    )
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation_id: int) -> Invitation:
    """Send a pending (typically expired) invitation again: a new link valid for 3 days.

    The previous link stops working, since only the new token's hash is kept.
    """
    authz.require(actor, Cap.MANAGE_MEMBERS)
    invitation = _locked_invitation(workspace=actor.workspace, invitation_id=invitation_id)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(
            f"This invitation was {invitation.get_status_display().lower()}; invite "
            f"{invitation.email} again instead."
        )
    before = _snapshot(invitation)
    raw = keys.random_secret(length=TOKEN_LENGTH)
    now = timezone.now()
    invitation.token_hash = keys.keyed_hash(raw)
    invitation.expires_at = now + INVITATION_TTL
    invitation.sent_count += 1
    invitation.last_sent_at = now
    invitation.save(
        update_fields=["token_hash", "expires_at", "sent_count", "last_sent_at", "updated_at"]
    )
    _send(invitation, raw, actor.user)
    audit_record(
        actor=actor.user,
        verb="invitation.resend",
        workspace=actor.workspace,
        target=invitation,
        before=before,
        after=_snapshot(invitation),
    )
    return invitation


def invitation_get_by_token(*, raw_token: str) -> Invitation | None:
    """The invitation a link points to, whatever its state (the page explains each state)."""
    if not raw_token or len(raw_token) > 128:
        return None
    return (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=keys.keyed_hash(raw_token))
        .first()
    )


def invitation_refusal(*, invitation: Invitation, user: User | None) -> str | None:
    """Why this invitation cannot be accepted (by ``user`` when signed in), or ``None``."""
    if invitation.status == Invitation.Status.ACCEPTED:
        return "This invitation has already been used."
    if invitation.status == Invitation.Status.WITHDRAWN:
        return "This invitation was withdrawn. Ask the workspace admin for a new one."
    if invitation.is_expired():
        return (
            "This invitation expired on "
            f"{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M %Z}. "
            "Ask the workspace admin to re-send it."
        )
    if user is not None and user.is_authenticated and user.email != invitation.email:
        return (
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.email}. Sign out and open the link again, or ask for an invitation to "
            "your address."
        )
    return None


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """Accept an invitation as ``user`` (whose email must match). Single use.

    An invited Developer is assigned to the invitation's mini programs that still exist.
    """
    found = invitation_get_by_token(raw_token=raw_token)
    if found is None:
        raise ValidationError("This invitation link is not valid.")
    invitation = _locked_invitation(workspace=found.workspace, invitation_id=found.pk)
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal:
        raise ValidationError(refusal)
    workspace = invitation.workspace
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError(f"You are already a member of {workspace.name}.")
    membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
    invitation, _ = invitation_transition(
        actor=user,
        invitation_id=invitation.pk,
        to=Invitation.Status.ACCEPTED,
        fields={"accepted_at": timezone.now(), "accepted_by": user},
    )
    audit_record(
        actor=user,
        verb="membership.add",
        workspace=workspace,
        target=membership,
        after={"user": user.email, "role": membership.role, "via": "invitation"},
    )
    # An invited Developer gets the invitation's mini programs (registered by miniprograms).
    extensions.invitation_accepted(membership=membership, invitation=invitation)
    return membership


@transaction.atomic
def invitation_accept_with_signup(*, raw_token: str, name: str, password: str) -> Membership:
    """Create the account for the invited address, then accept. The password is validated."""
    from django.contrib.auth.password_validation import validate_password

    found = invitation_get_by_token(raw_token=raw_token)
    if found is None:
        raise ValidationError("This invitation link is not valid.")
    refusal = invitation_refusal(invitation=found, user=None)
    if refusal:
        raise ValidationError(refusal)
    if User.objects.filter(email=found.email).exists():
        raise ValidationError(
            f"An account for {found.email} already exists: sign in to accept the invitation."
        )
    name = clean_display_text(name, label="Your name", field="name")
    candidate = User(email=found.email, name=name)
    validate_password(password, user=candidate)
    user = User.objects.create_user(email=found.email, password=password, name=name)
    audit_record(actor=user, verb="user.signup", target=user, after={"email": user.email})
    return invitation_accept(raw_token=raw_token, user=user)
