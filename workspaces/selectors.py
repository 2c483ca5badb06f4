"""Reads of the workspaces app (STYLE.md §3): scoped, with related rows fetched up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from workspaces import authz
from workspaces.extensions import MiniProgramRef, assignables
from workspaces.models import (
    ApiToken,
    AuditEvent,
    HostApp,
    Invitation,
    Membership,
    User,
    Workspace,
    WorkspaceUserObjectPermission,
)


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships, with their workspaces, in name order (the switcher)."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    )


def membership_admin_list(*, workspace_id: int) -> QuerySet[Membership]:
    """The active Owner and Admins of a workspace: who a user without rights should ask."""
    return (
        Membership.objects.filter(
            workspace_id=workspace_id,
            role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("role", "user__email")
    )


# --- personal API tokens (workspaces/services/tokens.py, api.py, views/tokens.py) -----------

TOKEN_STATUSES = ("active", "expired", "revoked")


def _api_token_status_q(status: str, now: datetime) -> Q:
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    if status == "active":
        return Q(revoked_at__isnull=True) & not_expired
    if status == "expired":
        return Q(revoked_at__isnull=True, expires_at__lte=now)
    if status == "revoked":
        return Q(revoked_at__isnull=False)
    raise ValueError(f"unknown token status {status!r}")


def api_token_list(*, user: User, status: str | None = None) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (a stable order); ``status`` filters by state."""
    qs = ApiToken.objects.filter(user=user)
    if status:
        qs = qs.filter(_api_token_status_q(status, timezone.now()))
    return qs.order_by("-created_at", "-id")


def api_token_get(*, user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens; ``None`` for a missing one and for someone else's."""
    return ApiToken.objects.filter(user=user, pk=token_id).first()


def api_token_active_count(*, user: User, now: datetime | None = None) -> int:
    return (
        ApiToken.objects.filter(user=user)
        .filter(_api_token_status_q("active", now or timezone.now()))
        .count()
    )


# --- tenancy pages (members, invitations, host apps, developer workspaces, audit) ---------


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """Members of a workspace, owner first, then by name."""
    rank = Case(
        *[When(role=r, then=Value(i)) for i, r in enumerate(Membership.Role.values)],
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .annotate(role_rank=rank)
        .order_by("role_rank", "user__name", "user__email", "pk")
    )


def member_transfer_choices(*, workspace: Workspace, exclude_id: int) -> list[tuple[int, str]]:
    """``(membership id, "Name (email)")`` of the active members who may become the owner (the
    "Transfer ownership" select), in the member list's order: values, not model rows."""
    rows = (
        member_list(workspace=workspace)
        .filter(status=Membership.Status.ACTIVE)
        .exclude(pk=exclude_id)
        .values_list("pk", "user__name", "user__email")
    )
    return [(pk, f"{name or email} ({email})") for pk, name, email in rows]


def member_developer_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """The workspace's active Developers, by name (the mini program list's "Assigned to"
    filter): only those rows, not every member filtered afterwards."""
    return (
        Membership.objects.filter(
            workspace=workspace,
            role=Membership.Role.DEVELOPER,
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .only("user_id", "user__name", "user__email")
        .order_by("user__name", "user__email", "pk")
    )


def invitation_list(*, workspace: Workspace, open_only: bool = True) -> QuerySet[Invitation]:
    """Invitations of a workspace, newest first (pending ones only by default)."""
    qs = Invitation.objects.filter(workspace=workspace).select_related("invited_by")
    if open_only:
        qs = qs.filter(status=Invitation.Status.PENDING)
    return qs.order_by("-created_at", "-pk")


def host_app_list(*, workspace: Workspace) -> QuerySet[HostApp]:
    return (
        HostApp.objects.filter(workspace=workspace)
        .prefetch_related("platforms")
        .order_by("name", "pk")
    )


def host_app_get(*, workspace: Workspace, host_app_id: int) -> HostApp | None:
    return (
        HostApp.objects.filter(workspace=workspace, pk=host_app_id)
        .prefetch_related("platforms")
        .first()
    )


def developer_workspace_list(*, tenant: Workspace) -> QuerySet[Workspace]:
    """Developer workspaces a tenant created, with their owner (if accepted) and size."""
    owners = Membership.objects.filter(role=Membership.Role.OWNER).select_related("user")
    return (
        Workspace.objects.filter(tenant=tenant)
        .annotate(member_count=Count("memberships"))
        .prefetch_related(
            Prefetch("memberships", queryset=owners, to_attr="owner_memberships"),
            Prefetch(
                "invitations",
                queryset=Invitation.objects.filter(
                    role=Membership.Role.OWNER, status=Invitation.Status.PENDING
                ),
                to_attr="pending_owner_invitations",
            ),
        )
        .order_by("name", "pk")
    )


def audit_event_list(
    *,
    workspace: Workspace,
    actor: str = "",
    verb: str = "",
    target: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """A workspace's audit events, newest first, filtered by actor/action/target/date.

    ``actor`` matches part of the email kept on the event or of the account's name. The acting
    account and the workspace come with each row (``auditlog.audit_sentence`` reads them).
    """
    qs = AuditEvent.objects.filter(workspace=workspace).select_related("actor", "workspace")
    if actor:
        qs = qs.filter(Q(actor_label__icontains=actor) | Q(actor__name__icontains=actor))
    if verb:
        qs = qs.filter(verb__startswith=verb)
    if target:
        qs = qs.filter(target_repr__icontains=target)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.order_by("-created_at", "-pk")


# --- mini programs, as the workspace pages see them ----------------------------------------------
# The rows belong to the miniprograms app, which provides these reads through
# ``workspaces.extensions`` (dependencies point down, STYLE.md §2).


def miniprogram_choice_list(*, workspace: Workspace) -> list[MiniProgramRef]:
    """The workspace's mini programs by name: what an invitation can assign (one query)."""
    return assignables().choices(workspace=workspace)


def developer_assignment_map(
    *, workspace: Workspace, user_ids: list[int], viewer: Membership
) -> dict[int, list[MiniProgramRef]]:
    """user id → the mini programs that person is assigned to (develop grant), by name.

    Only mini programs ``viewer`` may see are named (a Developer sees the ones they work on).
    One query, whatever the number of people; none without people.
    """
    if not user_ids:
        return {}
    return assignables().assignments(workspace=workspace, user_ids=user_ids, viewer=viewer)


def miniprogram_ref_map(
    *, workspace: Workspace, app_ids: set[str], viewer: Membership
) -> dict[str, MiniProgramRef]:
    """App ID → mini program, for the App IDs that still name one of the workspace's mini
    programs ``viewer`` may see (invitation rows). One query; none without App IDs."""
    if not app_ids:
        return {}
    return assignables().refs(workspace=workspace, app_ids=app_ids, viewer=viewer)


# --- members pages ---------------------------------------------------------------------------
# (workspaces/views/members.py: the member list with its filters, and scoped single lookups)

MEMBER_STATUS_FILTERS = ("active", "blocked", "invited")


def member_list_filtered(
    *, workspace: Workspace, status: str = "", query: str = ""
) -> QuerySet[Membership]:
    """Members of a workspace (owner first), narrowed to a status and a name/email search."""
    qs = member_list(workspace=workspace)
    if status in (Membership.Status.ACTIVE, Membership.Status.BLOCKED):
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(user__name__icontains=query) | Q(user__email__icontains=query))
    return qs


def member_status_counts(*, workspace: Workspace) -> dict[str, int]:
    """``{"active": n, "blocked": n, "invited": n}`` for the filter labels (two queries)."""
    counts = dict.fromkeys(MEMBER_STATUS_FILTERS, 0)
    rows = (
        Membership.objects.filter(workspace=workspace)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["invited"] = Invitation.objects.filter(
        workspace=workspace, status=Invitation.Status.PENDING
    ).count()
    return counts


def invitation_list_filtered(*, workspace: Workspace, query: str = "") -> QuerySet[Invitation]:
    """Pending invitations (expired ones included: they can be re-sent), newest first."""
    qs = invitation_list(workspace=workspace, open_only=True)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(email__icontains=query))
    return qs


def member_get(*, workspace: Workspace, membership_id: int) -> Membership | None:
    """One membership of this workspace; ``None`` when missing or in another workspace."""
    return (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=workspace, pk=membership_id)
        .first()
    )


def invitation_get(*, workspace: Workspace, invitation_id: int) -> Invitation | None:
    """One invitation of this workspace; ``None`` when missing or in another workspace."""
    return Invitation.objects.filter(workspace=workspace, pk=invitation_id).first()


# --- tenancy API (workspaces/api_tenancy/) ---------------------------------------------------


def workspace_membership_list(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships with their workspace and its tenant, in name order."""
    return membership_list_for_user(user=user).select_related("workspace__tenant")


# --- audit log page and onboarding (workspaces/views/audit.py, views/onboarding.py) ---------


def invitation_pending_exists(*, user: User) -> bool:
    """Is an unexpired invitation waiting for the user's address (in any workspace)?"""
    return Invitation.objects.filter(
        email=user.email, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
    ).exists()


# --- host apps & settings pages ---


def member_api_token_list(*, workspace: Workspace) -> QuerySet[ApiToken]:
    """Active (not revoked, not expired) personal tokens of the workspace's members."""
    members = Membership.objects.filter(workspace=workspace).values("user_id")
    return (
        ApiToken.objects.filter(user_id__in=members)
        .filter(_api_token_status_q("active", timezone.now()))
        .select_related("user")
        .order_by("user__name", "user__email", "-created_at", "-id")
    )


# --- object grants (workspaces/services/grants.py, views/settings.py, api_tenancy/grants.py) --


GRANT_OBJECT_TYPES = ("workspace", "miniprogram")


@dataclass(frozen=True)
class GrantRow:
    """One object grant as the Authorizations page and the API show it.

    Ids are per object type (each type has its own table): ``(object_type, id)`` names a grant.
    """

    id: int
    user: User
    membership_id: int | None  # None for a stray grant of someone who is no longer a member
    cap: str
    description: str
    effective: bool  # False for a stored capability that is not (or no longer) grantable
    object: Model  # the workspace, or one of its mini programs
    object_type: str  # one of GRANT_OBJECT_TYPES
    object_repr: str
    object_app_id: str | None = None  # the App ID of a mini program


def _grant_row(row: Any, object_type: str) -> GrantRow:
    # ``row`` is a guardian direct grant model (one per object type: no common typed base).
    perm = row.permission
    obj = row.content_object
    cap = authz.grant_cap(type(obj), perm.codename)
    name = cap.value if cap else f"{perm.content_type.app_label}.{perm.codename}"
    return GrantRow(
        id=row.pk,
        user=row.user,
        membership_id=getattr(row, "membership_id", None),  # annotated by _grants
        cap=name,
        description=authz.CAP_DESCRIPTIONS.get(cap, perm.name) if cap else perm.name,
        effective=cap is not None,
        object=obj,
        object_type=object_type,
        object_repr=str(obj),
        object_app_id=getattr(obj, "app_id", None),
    )


def _grants(*, workspace: Workspace, object_type: str) -> QuerySet[Any]:
    """Grant rows on the workspace itself or on its mini programs, with all they show."""
    rows: QuerySet[Any]
    if object_type == "workspace":
        rows = WorkspaceUserObjectPermission.objects.filter(content_object=workspace)
        order = ["permission__codename", "pk"]
    else:
        rows = assignables().grant_rows(workspace=workspace)
        order = ["content_object__name", "content_object_id", "permission__codename", "pk"]
    membership = Membership.objects.filter(workspace=workspace, user_id=OuterRef("user_id"))
    return (
        rows.select_related("user", "permission__content_type", "content_object")
        .annotate(membership_id=Subquery(membership.values("pk")[:1]))
        .order_by("user__name", "user__email", *order)
    )


def grant_list(*, workspace: Workspace, user_id: int | None = None) -> list[GrantRow]:
    """Every object grant in a workspace (of one user when given): on the workspace, then on
    its mini programs (assigned Developers), by person.

    One query per object type, whatever the number of rows.
    """
    result: list[GrantRow] = []
    for object_type in GRANT_OBJECT_TYPES:
        rows = _grants(workspace=workspace, object_type=object_type)
        if user_id is not None:
            rows = rows.filter(user_id=user_id)
        result += [_grant_row(row, object_type) for row in rows]
    rank = {t: i for i, t in enumerate(GRANT_OBJECT_TYPES)}
    # A stable sort: each type's rows keep the database's order within one person.
    return sorted(result, key=lambda g: (g.user.name, g.user.email, g.user.pk, rank[g.object_type]))


def grant_get(
    *, workspace: Workspace, grant_id: int, object_type: str = "workspace"
) -> GrantRow | None:
    """One grant of this workspace; ``None`` when missing, in another workspace or of an
    unknown object type."""
    if object_type not in GRANT_OBJECT_TYPES:
        return None
    row = _grants(workspace=workspace, object_type=object_type).filter(pk=grant_id).first()
    return _grant_row(row, object_type) if row is not None else None


def grant_candidate_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """Active members whose role misses a capability that may be granted on the workspace."""
    caps = frozenset(authz.useful_grants(workspace))
    return member_list(workspace=workspace).filter(
        status=Membership.Status.ACTIVE, role__in=authz.roles_lacking_any(caps, workspace.kind)
    )


# --- invitation page ---


def account_exists(*, email: str) -> bool:
    """Is there an account for this (normalised) address? Used to offer sign-in vs sign-up."""
    return User.objects.filter(email=email).exists()
