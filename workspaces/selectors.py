"""Reads of the workspaces app (STYLE.md §3): scoped, with related rows fetched up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    IntegerField,
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
    """A workspace's audit events, newest first, filtered by actor/action/target/date."""
    qs = AuditEvent.objects.filter(workspace=workspace)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if verb:
        qs = qs.filter(verb__startswith=verb)
    if target:
        qs = qs.filter(target_repr__icontains=target)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.order_by("-created_at", "-pk")


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


# --- tenancy API (workspaces/api_tenancy.py) -------------------------------------------------


def workspace_membership_list(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships with their workspace and its tenant, in name order."""
    return membership_list_for_user(user=user).select_related("workspace__tenant")


# --- audit log page and onboarding (workspaces/views/audit.py, views/onboarding.py) ---------


def audit_verb_list(*, workspace: Workspace) -> list[str]:
    """The distinct actions recorded in a workspace, sorted (the audit log's action filter)."""
    return list(
        AuditEvent.objects.filter(workspace=workspace)
        .order_by("verb")
        .values_list("verb", flat=True)
        .distinct()
    )


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


# --- object grants (workspaces/services/grants.py, views/settings.py, api_tenancy.py) ---------


@dataclass(frozen=True)
class GrantRow:
    """One object grant as the Authorizations page and the API show it."""

    id: int
    user: User
    membership_id: int | None  # None for a stray grant of someone who is no longer a member
    cap: str
    description: str
    effective: bool  # False for a stored capability that is not (or no longer) grantable
    object: Workspace
    object_type: str  # "workspace" (mini programs come with their own issue)
    object_repr: str


def _grant_row(row: WorkspaceUserObjectPermission) -> GrantRow:
    perm = row.permission
    cap = authz.grant_cap(Workspace, perm.codename)
    name = cap.value if cap else f"{perm.content_type.app_label}.{perm.codename}"
    return GrantRow(
        id=row.pk,
        user=row.user,
        membership_id=getattr(row, "membership_id", None),  # annotated by grant_list
        cap=name,
        description=authz.CAP_DESCRIPTIONS.get(cap, perm.name) if cap else perm.name,
        effective=cap is not None,
        object=row.content_object,
        object_type="workspace",
        object_repr=str(row.content_object),
    )


def _workspace_grants(*, workspace: Workspace) -> QuerySet[WorkspaceUserObjectPermission]:
    membership = Membership.objects.filter(workspace=workspace, user_id=OuterRef("user_id"))
    return (
        WorkspaceUserObjectPermission.objects.filter(content_object=workspace)
        .select_related("user", "permission__content_type", "content_object")
        .annotate(membership_id=Subquery(membership.values("pk")[:1]))
        .order_by("user__name", "user__email", "permission__codename", "pk")
    )


def grant_list(*, workspace: Workspace, user_id: int | None = None) -> list[GrantRow]:
    """Every object grant in a workspace (of one user when given), by person then capability.

    One query, whatever the number of rows.
    """
    rows = _workspace_grants(workspace=workspace)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return [_grant_row(row) for row in rows]


def grant_get(*, workspace: Workspace, grant_id: int) -> GrantRow | None:
    """One grant of this workspace; ``None`` when missing or in another workspace."""
    row = _workspace_grants(workspace=workspace).filter(pk=grant_id).first()
    return _grant_row(row) if row is not None else None


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
