"""Notification emails about releases (SPEC §11), queued through the outbox.

Who hears of what:

* a review opens (production, or sandbox on a host app whose sandbox releases need review) →
  the deciders of the tenant that owns the host app: its active Owner, Admins and Reviewers
  (the roles holding ``Cap.DECIDE_APPROVALS``), never the person who submitted it;
* a decision (approved, or rejected with the reason) → the submitter;
* publish and rollback → the mini program's team: the active Owner and Admins of its workspace
  and the Developers assigned to it;
* a grayscale task ended by anything but a member's hand (end time, user limit, a publish, the
  mini program taken offline) → the mini program's team.

One plain-text email per person (their name in the greeting, nobody else's address), to active
accounts with an active membership only, each address once. Each is a row of the caller's
transaction (``console.tasks.email_enqueue``), sent after commit on the ``notifications`` queue.
Links are absolute (``SITE_URL``), as in invitations and password resets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from miniprograms.models import MiniProgram, MiniProgramUserObjectPermission
from releases.grayscale.models import GrayscaleTask
from releases.models import Release
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApprovalRequest, Membership, User
from workspaces.services import approval_notices

ACTIVE = Membership.Status.ACTIVE
TEMPLATES = "releases/email"


# --- who ---------------------------------------------------------------------------------------


_active_members = approval_notices.active_members
deciders = approval_notices.deciders


def team(*, miniprogram: MiniProgram) -> list[User]:
    """The mini program's team: those who manage every mini program of its workspace by role
    (Owner, Admins) and the Developers assigned to it (the develop grant)."""
    workspace = miniprogram.workspace
    roles = authz.roles_with(Cap.MANAGE_MINIPROGRAM, workspace.kind)
    assigned = MiniProgramUserObjectPermission.objects.filter(
        content_object=miniprogram, permission__codename=authz.codename(Cap.DEVELOP_MINIPROGRAM)
    ).values("user_id")
    return _active_members(workspace, Q(memberships__role__in=roles) | Q(pk__in=assigned))


def submitter(*, release: Release, request: ApprovalRequest | None = None) -> User | None:
    """The person who submitted the release, if still an active member of its workspace."""
    user_id = request.requested_by_id if request is not None else release.submitted_by_id
    if user_id is None:
        return None
    workspace = release.target.miniprogram.workspace
    found = _active_members(workspace, Q(pk=user_id))
    return found[0] if found else None


# --- what --------------------------------------------------------------------------------------


def _link(name: str, *args: object) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def releases_link(release: Release) -> str:
    """The mini program's Releases tab, in its own workspace (online versions, what is in
    progress, publish and roll back, the history)."""
    miniprogram = release.target.miniprogram
    return _link("releases:releases", miniprogram.workspace.slug, miniprogram.app_id)


def review_link(request: ApprovalRequest) -> str:
    """The request's page in the deciding workspace (the version, its reports, the decision)."""
    return _link("workspaces:approval", request.deciding_workspace.slug, request.pk)


def _context(release: Release, **extra: Any) -> dict[str, Any]:
    target = release.target
    return {
        "release": release,
        "miniprogram": target.miniprogram.name,
        "app_id": target.miniprogram.app_id,
        "version": release.version.number,
        "host_app": target.host_app.name,
        "environment": target.get_environment_display().lower(),
        "site_url": settings.SITE_URL,
        **extra,
    }


def _send(template: str, recipients: Iterable[User], context: dict[str, Any]) -> int:
    """One email per address (``template``'s subject and body); returns how many were queued."""
    return approval_notices.email_send(
        template=f"{TEMPLATES}/{template}", recipients=recipients, context=context
    )


def _name(user: User | None, fallback: str) -> str:
    if user is None:
        return fallback
    return f"{user.name} ({user.email})" if user.name else user.email


def review_requested(*, release: Release, request: ApprovalRequest) -> int:
    """Tell the deciders that a review waits for them."""
    context = _context(
        release,
        submitter=_name(request.requested_by, "Someone"),
        requesting_workspace=request.requesting_workspace.name,
        deciding_workspace=request.deciding_workspace.name,
        notes=request.notes,
        link=review_link(request),
    )
    people = deciders(workspace=request.deciding_workspace, exclude_user_id=request.requested_by_id)
    return _send("review_requested", people, context)


def review_decided(*, release: Release, request: ApprovalRequest) -> int:
    """Tell the submitter that their request was approved or rejected (with the reason)."""
    if request.state not in (ApprovalRequest.State.APPROVED, ApprovalRequest.State.REJECTED):
        return 0
    person = submitter(release=release, request=request)
    if person is None:
        return 0
    context = _context(
        release,
        decider=_name(request.decided_by, "A reviewer"),
        deciding_workspace=request.deciding_workspace.name,
        reason=request.reason,
        link=releases_link(release),
    )
    return _send(f"review_{request.state}", [person], context)


def release_online(*, release: Release, actor: User | None) -> int:
    """Tell the mini program's team that a version went online on a target."""
    replaces = release.replaces
    context = _context(
        release,
        actor=_name(actor, "MPP"),
        previous=replaces.version.number if replaces is not None else "",
        link=releases_link(release),
    )
    return _send("release_online", team(miniprogram=release.target.miniprogram), context)


def release_rolled_back(*, release: Release, actor: User | None) -> int:
    """Tell the mini program's team that a target went back to its previous version."""
    replaces = release.replaces
    context = _context(
        release,
        actor=_name(actor, "MPP"),
        previous=replaces.version.number if replaces is not None else "",
        note=release.notes,
        link=releases_link(release),
    )
    return _send("release_rolled_back", team(miniprogram=release.target.miniprogram), context)


def grayscale_ended(*, task: GrayscaleTask, reason: str, actor: User | None, note: str = "") -> int:
    """Tell the mini program's team that a grayscale task ended (``reason``: the sentence of
    ``grayscale.events.END_REASONS``), with a link to the task."""
    target = task.target
    miniprogram = target.miniprogram
    context = {
        "task": task,
        "name": task.name,
        "miniprogram": miniprogram.name,
        "app_id": miniprogram.app_id,
        "version": task.version.number,
        "host_app": target.host_app.name,
        "environment": target.get_environment_display().lower(),
        "reason": reason,
        "note": note,
        "actor": _name(actor, "MPP"),
        "admitted_users": f"{task.admitted_users:,}",
        "max_users": f"{task.max_users:,}",
        "link": _link(
            "releases:grayscale-task",
            miniprogram.workspace.slug,
            miniprogram.app_id,
            target.pk,
            task.pk,
        ),
        "site_url": settings.SITE_URL,
    }
    return _send("grayscale_ended", team(miniprogram=miniprogram), context)


def grayscale_suspended(*, task: GrayscaleTask, note: str) -> int:
    """Tell the mini program's team that MPP suspended a grayscale task by itself (``note``
    says why: the guardrails' metric and numbers), with a link to the task, where a member
    resumes or ends it."""
    target = task.target
    miniprogram = target.miniprogram
    context = {
        "task": task,
        "name": task.name,
        "miniprogram": miniprogram.name,
        "app_id": miniprogram.app_id,
        "version": task.version.number,
        "host_app": target.host_app.name,
        "environment": target.get_environment_display().lower(),
        "note": note,
        "link": _link(
            "releases:grayscale-task",
            miniprogram.workspace.slug,
            miniprogram.app_id,
            target.pk,
            task.pk,
        ),
        "site_url": settings.SITE_URL,
    }
    return _send("grayscale_suspended", team(miniprogram=miniprogram), context)
