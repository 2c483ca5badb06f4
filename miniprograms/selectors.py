"""Reads of the miniprograms app (STYLE.md §3): workspace-scoped, related rows fetched up front."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from miniprograms.models import (
    Industry,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
    MiniProgramTester,
    MiniProgramUserObjectPermission,
)
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import MiniProgramRef
from workspaces.models import HostApp, Invitation, Membership, User, Workspace
from workspaces.selectors import member_developer_list

VISIBLE_CODENAMES = authz.granted_codenames(Cap.VIEW_MINIPROGRAM)


def _granted(user_id: int, *codenames: str) -> Q:
    """Mini programs on which ``user_id`` holds one of the grants ``codenames``: the grants are
    read first (a user's few rows, by their index), not probed once per mini program of the
    workspace (a correlated ``EXISTS``, which SQLite ran for each of 10,000 rows)."""
    return Q(
        pk__in=MiniProgramUserObjectPermission.objects.filter(
            user_id=user_id, permission__codename__in=codenames
        ).values("content_object_id")
    )


def miniprogram_visible(*, member: Membership) -> QuerySet[MiniProgram]:
    """The mini programs ``member`` may see: all of the workspace's through the role, else
    only those granted (a Developer's assigned mini programs)."""
    qs = MiniProgram.objects.filter(workspace_id=member.workspace_id)
    if authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM):
        return qs
    if not member.is_active:
        return qs.none()
    return qs.filter(_granted(member.user_id, *VISIBLE_CODENAMES))


# The status filter matches the status badge (_shelf_badge.html): off shelf; on shelf once a
# version was released; not released yet (on shelf, never released).
SHELF_FILTERS: dict[str, Q] = {
    "on_shelf": Q(shelf_status=MiniProgram.Shelf.ON, released_at__isnull=False),
    "off_shelf": Q(shelf_status=MiniProgram.Shelf.OFF),
    "not_released": Q(shelf_status=MiniProgram.Shelf.ON, released_at__isnull=True),
}


def miniprogram_list(
    *,
    member: Membership,
    search: str = "",
    shelf: str = "",
    host_app_id: int | None = None,
    assigned_user_id: int | None = None,
) -> QuerySet[MiniProgram]:
    """The list page and the API list: newest first, filtered; a page's rows get their
    industry from :func:`with_list_industry` (on the page's query) and their host apps from
    :func:`list_targets`.

    ``search`` matches the App ID (exact or prefix of digits) or a name in any language;
    ``shelf`` is ``on_shelf``/``off_shelf``; ``host_app_id`` keeps those released to that host
    app (active there); ``assigned_user_id`` those a Developer is assigned to.
    """
    qs = _search_and_shelf(miniprogram_visible(member=member), search=search, shelf=shelf)
    if host_app_id is not None:
        qs = qs.filter(
            targets__host_app_id=host_app_id, targets__status=MiniProgramHostApp.Status.ACTIVE
        )
    if assigned_user_id is not None:
        qs = qs.filter(_granted(assigned_user_id, authz.codename(Cap.DEVELOP_MINIPROGRAM)))
    return _list_rows(qs)


def developer_choices(*, workspace: Workspace) -> list[tuple[int, str]]:
    """``(user id, name or email)`` of the workspace's active Developers, by name: the list's
    "Assigned to" filter (values: a tenant has 150 Developers, and a membership and a user
    model row apiece cost more than the rest of the filters)."""
    rows = member_developer_list(workspace=workspace).values_list(
        "user_id", "user__name", "user__email"
    )
    return [(user_id, name or email) for user_id, name, email in rows]


def name_search_q(search: str) -> Q:
    """Mini programs whose name in any language contains ``search`` (any case), or whose App
    ID starts with it (digits only): the one search of every mini program list.

    The matching ids are the UNION of three subqueries, each on one table and served by its
    own index: the names (``UPPER(name) LIKE '%…%'``), the language texts, the App ID prefix
    (its unique index). On PostgreSQL the name conditions read the trigram GIN indexes of
    migration 0006 rather than every mini program, and no language text is joined to the rows
    (a join, OR-ed, defeated every index). SQLite runs the same SQL row by row (its ``LIKE``
    ignores ASCII case, as ``icontains`` promises), which suits its scale.
    """
    matches = MiniProgram.objects.filter(name__icontains=search).values("pk").order_by()
    parts: list[QuerySet[Any, Any]] = [
        MiniProgramLanguage.objects.filter(name__icontains=search)
        .values("miniprogram_id")
        .order_by()
    ]
    if search.isdigit():
        parts.append(MiniProgram.objects.filter(app_id__startswith=search).values("pk").order_by())
    ids = matches.union(*parts)
    if connection.vendor == "postgresql":
        # The matching ids first (index scans, an InitPlan), then the rows by primary key:
        # ``IN (subquery)`` would be planned as a hash join over every row of the workspace.
        return Q(_AnyOf(F("pk"), Subquery(ids), output_field=BooleanField()))
    return Q(pk__in=ids)


class _AnyOf(Func):
    """``<column> = ANY(ARRAY(<subquery>))`` (PostgreSQL)."""

    arg_joiner = " = ANY(ARRAY("
    template = "(%(expressions)s)))"
    conditional = True


def _search_and_shelf(
    qs: QuerySet[MiniProgram], *, search: str, shelf: str
) -> QuerySet[MiniProgram]:
    """The filters both lists share: a name in any language or the App ID (or its first
    digits), and the status badge's three states (anything else: no filter)."""
    search = (search or "").strip()
    if search:
        qs = qs.filter(name_search_q(search))
    if shelf in SHELF_FILTERS:
        qs = qs.filter(SHELF_FILTERS[shelf])
    return qs


# What no list row shows (pages or API): left in the database, so a page of 50 rows does not
# decode 50 released profiles (JSON), texts and dates it never prints.
LIST_ROW_DEFERRED = (
    "released_profile",
    "description",
    "tagline",
    "service_phone",
    "service_email",
    "shelf_changed_at",
    "updated_at",
)


def _list_rows(qs: QuerySet[MiniProgram], *related: str) -> QuerySet[MiniProgram]:
    """What a list row shows but its industry (:func:`with_list_industry`, on the page's
    query) and its host apps (:func:`list_targets`, for the page); newest first."""
    qs = qs.select_related(*related) if related else qs
    return qs.defer(*LIST_ROW_DEFERRED).order_by("-created_at", "-id")


def with_list_industry(rows: QuerySet[MiniProgram]) -> QuerySet[MiniProgram]:
    """``rows`` (a list's page) with their industry's code, name and group read as values
    (:func:`list_industry`), not as two model rows each. For the page's query alone
    (``console.paging.IdsFirstPaginator``'s ``load``): the joins would stay in the list's
    ``COUNT`` and in its page of ids (7.6 ms to count 10,000 rows on PostgreSQL, against 1 ms
    over the workspace's index alone)."""
    return rows.annotate(
        list_industry_code=F("industry__code"),
        list_industry_name=F("industry__name"),
        list_industry_group=F("industry__parent__name"),
    )


@dataclass(frozen=True, slots=True)
class ApiListRow:
    """A row of the API's mini program list, read as values (what ``MiniProgramListSerializer``
    reads of a mini program, by the same names): building 50 model rows cost more than
    reading them."""

    pk: int
    app_id: str
    name: str
    kind: str
    shelf_status: str
    shelf_reason: str
    default_language: str
    created_at: datetime
    list_industry_code: str
    list_industry_name: str
    list_industry_group: str | None


_API_LIST_COLUMNS = tuple(f.name for f in fields(ApiListRow) if f.name != "pk")


def api_list_rows(page: QuerySet[MiniProgram]) -> list[ApiListRow]:
    """``page`` (a list's page: ``console.paging.IdsFirstPaginator``'s ``load``) as
    :class:`ApiListRow` values, in its order: its ids first (the paginator's query), then the
    rows of those ids with their industry — by primary key alone, the list's filter applied
    once."""
    ids = list(page.values_list("pk", flat=True))
    found = {
        row[0]: ApiListRow(*row)
        for row in with_list_industry(MiniProgram.objects.filter(pk__in=ids)).values_list(
            "pk", *_API_LIST_COLUMNS
        )
    }
    return [found[pk] for pk in ids if pk in found]


def list_industry(mp: MiniProgram | ApiListRow) -> tuple[str, str]:
    """``(code, path)`` of a list row's industry, read with the row by
    :func:`with_list_industry` as values (not two model rows per mini program); the path is
    ``Industry.path``'s. A mini program read otherwise (one alone) reads its industry."""
    if not hasattr(mp, "list_industry_name"):
        return mp.industry.code, mp.industry.path
    name: str = getattr(mp, "list_industry_name")  # noqa: B009 - an annotation
    group: str | None = getattr(mp, "list_industry_group")  # noqa: B009
    return getattr(mp, "list_industry_code"), f"{group} › {name}" if group else name  # noqa: B009


@dataclass(frozen=True, slots=True)
class ListTarget:
    """A host app a list row names, and whether the mini program is offline there (values:
    a page names some 75 host apps, and a model row apiece plus its host app cost more than
    the rest of the page's reads)."""

    host_app_id: int
    host_app_name: str
    status: str
    offline_reason: str
    status_changed_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.status == MiniProgramHostApp.Status.ACTIVE


def list_targets(miniprograms: Iterable[MiniProgram]) -> dict[int, list[ListTarget]]:
    """The host apps of a list page's mini programs (those of :func:`miniprogram_list` and
    :func:`miniprogram_list_for_user`), by mini program id, each by host app name: one query,
    none for an empty page. Plain SQL (:data:`_LIST_TARGETS_SQL`): building the same query
    through the ORM cost more than running it, on every page of every list."""
    ids = [mp.pk for mp in miniprograms]
    if not ids:
        return {}
    targets: dict[int, list[ListTarget]] = {pk: [] for pk in ids}
    sql = _LIST_TARGETS_SQL.format(ids=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    for mp_id, host_app_id, name, status, reason, changed in rows:
        if changed is not None and timezone.is_naive(changed):  # SQLite: stored as UTC
            changed = timezone.make_aware(changed, UTC)
        targets[mp_id].append(ListTarget(host_app_id, name, status, reason, changed))
    return targets


_LIST_TARGETS_SQL = (  # the table and column names of the models; the ids are parameters
    f"SELECT t.miniprogram_id, t.host_app_id, h.name, t.status, t.offline_reason, "  # noqa: S608
    f"t.status_changed_at FROM {MiniProgramHostApp._meta.db_table} t "
    f"INNER JOIN {HostApp._meta.db_table} h ON h.id = t.host_app_id "
    "WHERE t.miniprogram_id IN ({ids}) ORDER BY h.name, t.id"
)


def miniprogram_list_for_user(
    *, user: User, workspace_slug: str = "", search: str = "", shelf: str = ""
) -> QuerySet[MiniProgram]:
    """Every mini program ``user`` may see in every workspace they are an active member of
    (the all-teams list, ``/miniprograms/``): newest first, each with its workspace.

    The rules are :func:`miniprogram_visible`'s, per membership: all of a workspace's where the
    role holds ``VIEW_MINIPROGRAM``, only the granted ones (a Developer's assigned mini
    programs) elsewhere. Blocked memberships give nothing. ``workspace_slug`` keeps one of the
    user's workspaces; a slug of a workspace they are not an active member of (or of none)
    gives an empty list, never that workspace's mini programs. ``search`` and ``shelf`` as in
    :func:`miniprogram_list`. Reads the user's memberships (one query) to build the filter.
    """
    if not user.is_authenticated:
        return MiniProgram.objects.none()
    members = Membership.objects.filter(
        user_id=user.pk, status=Membership.Status.ACTIVE
    ).select_related("workspace")
    if workspace_slug:
        members = members.filter(workspace__slug=workspace_slug)
    sees_all: list[int] = []
    granted_only: list[int] = []
    for member in members:
        by_role = authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM)
        (sees_all if by_role else granted_only).append(member.workspace_id)
    if not sees_all and not granted_only:
        return MiniProgram.objects.none()
    # One queryset: a condition per kind of membership, OR-ed (not one query per workspace).
    visible = Q(workspace_id__in=sees_all) | (
        Q(workspace_id__in=granted_only) & _granted(user.pk, *VISIBLE_CODENAMES)
    )
    qs = _search_and_shelf(MiniProgram.objects.filter(visible), search=search, shelf=shelf)
    return _list_rows(qs, "workspace")


def miniprogram_get(*, workspace: Workspace, app_id: str) -> MiniProgram | None:
    """One mini program of ``workspace`` by App ID, with its detail page's rows (else None)."""
    if not (app_id or "").isdigit():
        return None
    return (
        MiniProgram.objects.filter(workspace=workspace, app_id=app_id)
        .select_related("industry__parent", "created_by", "workspace")
        .prefetch_related(
            "languages",
            Prefetch(
                "targets",
                queryset=MiniProgramHostApp.objects.select_related("host_app").order_by(
                    "host_app__name", "id"
                ),
            ),
        )
        .first()
    )


# --- across workspaces: what a tenant sees of the merchants releasing into its host apps ----


def miniprogram_hosted_by(*, host_workspace: Workspace) -> QuerySet[MiniProgram]:
    """Merchant mini programs (of other, developer workspaces) targeting a host app of
    ``host_workspace``, whether active or taken offline there. Who may read them is
    ``authz.has_cap_as_host``'s rule; this only finds them."""
    linked = MiniProgramHostApp.objects.filter(
        miniprogram=OuterRef("pk"), host_app__workspace=host_workspace
    )
    return (
        MiniProgram.objects.filter(Exists(linked), workspace__kind=Workspace.Kind.DEVELOPER)
        .exclude(workspace=host_workspace)
        .select_related("workspace")
    )


def _reads_as_host(member: Membership) -> bool:
    """Does ``member`` read the merchant mini programs of its workspace's host apps? The
    condition ``authz.has_cap_as_host`` sets on the member's side (an active member of a tenant
    whose role sees mini programs); the object's side is :func:`miniprogram_hosted_by`'s."""
    return (
        member.is_active
        and member.workspace.is_tenant
        and Cap.VIEW_MINIPROGRAM in authz.HOST_CAPS
        and authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM)
    )


def miniprogram_hosted_list(
    *,
    member: Membership,
    search: str = "",
    shelf: str = "",
    host_app_id: int | None = None,
    developer_slug: str = "",
) -> QuerySet[MiniProgram]:
    """The tenant's "From developers" list (console and API): the merchant mini programs that
    target one of the host apps of ``member``'s tenant, newest first, each with its developer
    workspace and only the tenant's host apps (active or offline) prefetched; nothing for a
    member whose role does not see mini programs, or outside a tenant.

    ``search`` and ``shelf`` as in :func:`miniprogram_list`; ``host_app_id`` keeps those
    linked to that host app of the tenant (active or offline there: the link is what makes them
    visible); ``developer_slug`` those of one developer workspace.
    """
    if not _reads_as_host(member):
        return MiniProgram.objects.none()
    tenant = member.workspace
    qs = _search_and_shelf(miniprogram_hosted_by(host_workspace=tenant), search=search, shelf=shelf)
    if host_app_id is not None:
        qs = qs.filter(
            Exists(
                MiniProgramHostApp.objects.filter(
                    miniprogram=OuterRef("pk"), host_app_id=host_app_id, host_app__workspace=tenant
                )
            )
        )
    if developer_slug:
        qs = qs.filter(workspace__slug=developer_slug)
    return (
        qs.select_related("industry__parent", "workspace")
        .prefetch_related(_host_targets(tenant))
        .order_by("-created_at", "-id")
    )


def hosted_developer_workspaces(*, member: Membership) -> list[Workspace]:
    """The developer workspaces with a mini program in the tenant's "From developers" list (the
    list's filter), by name; one query."""
    if not _reads_as_host(member):
        return []
    linked = MiniProgramHostApp.objects.filter(
        miniprogram__workspace=OuterRef("pk"), host_app__workspace_id=member.workspace_id
    )
    return list(
        Workspace.objects.filter(Exists(linked), kind=Workspace.Kind.DEVELOPER)
        .exclude(pk=member.workspace_id)
        .order_by("name", "pk")
    )


def _host_targets(host_workspace: Workspace) -> Prefetch:
    """A mini program's targets as its host tenant sees them: only the tenant's host apps."""
    return Prefetch(
        "targets",
        queryset=MiniProgramHostApp.objects.filter(host_app__workspace=host_workspace)
        .select_related("host_app")
        .order_by("host_app__name", "id"),
    )


def miniprogram_get_as_host(*, host_workspace: Workspace, app_id: str) -> MiniProgram | None:
    """A merchant's mini program by App ID, if it targets a host app of ``host_workspace``; its
    targets prefetched are only those of ``host_workspace`` (the tenant sees no other's)."""
    if not (app_id or "").isdigit():
        return None
    return (
        miniprogram_hosted_by(host_workspace=host_workspace)
        .filter(app_id=app_id)
        .select_related("industry__parent", "created_by")
        .prefetch_related("languages", _host_targets(host_workspace))
        .first()
    )


@dataclass(frozen=True)
class AssignedDeveloper:
    membership: Membership
    assigned_at_grant_id: int


def miniprogram_developer_list(*, miniprogram: MiniProgram) -> list[Membership]:
    """Members assigned to the mini program (DEVELOP granted), by email."""
    user_ids = MiniProgramUserObjectPermission.objects.filter(
        content_object=miniprogram, permission__codename=authz.codename(Cap.DEVELOP_MINIPROGRAM)
    ).values("user_id")
    return list(
        Membership.objects.filter(workspace_id=miniprogram.workspace_id, user_id__in=user_ids)
        .select_related("user")
        .order_by("user__email")
    )


def miniprogram_assignable_developers(*, miniprogram: MiniProgram) -> list[Membership]:
    """Active Developers of the workspace not yet assigned to the mini program."""
    assigned = MiniProgramUserObjectPermission.objects.filter(
        content_object=miniprogram, permission__codename=authz.codename(Cap.DEVELOP_MINIPROGRAM)
    ).values("user_id")
    return list(
        Membership.objects.filter(
            workspace_id=miniprogram.workspace_id,
            role=Membership.Role.DEVELOPER,
            status=Membership.Status.ACTIVE,
        )
        .exclude(user_id__in=assigned)
        .select_related("user")
        .only("workspace_id", "user_id", "role", "status", "user__name", "user__email")
        .order_by("user__email")
    )


def miniprogram_pending_invitations(*, miniprogram: MiniProgram) -> list[Invitation]:
    """Invitations still open (pending, not expired) that assign the mini program to the
    invited Developer on acceptance (its App ID in ``Invitation.app_ids``), by email.

    One query on either database: JSON containment is asked of PostgreSQL; SQLite has no
    ``__contains`` on JSON, so there the workspace's open invitations (few) are read and the
    App ID looked up in Python. The Python check runs on both, so they answer alike.
    """
    qs = Invitation.objects.filter(
        workspace_id=miniprogram.workspace_id,
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
    if connection.vendor == "postgresql":
        qs = qs.filter(app_ids__contains=[miniprogram.app_id])
    return [
        invitation
        for invitation in qs.order_by("email", "pk")
        if miniprogram.app_id in (invitation.app_ids or [])
    ]


def miniprogram_tester_list(
    *, miniprogram: MiniProgram, search: str = ""
) -> QuerySet[MiniProgramTester]:
    qs = MiniProgramTester.objects.filter(miniprogram=miniprogram).select_related("added_by")
    if search:
        qs = qs.filter(account__icontains=search.strip())
    return qs.order_by("account", "id")


def miniprogram_tester_get(*, miniprogram: MiniProgram, tester_id: int) -> MiniProgramTester | None:
    return MiniProgramTester.objects.filter(miniprogram=miniprogram, pk=tester_id).first()


@dataclass(frozen=True)
class IndustryGroup:
    code: str
    name: str
    children: list[Industry]


def industry_groups() -> list[IndustryGroup]:
    """The taxonomy as groups of leaves (the industry field's suggestions): two queries."""
    tops = list(Industry.objects.filter(parent__isnull=True).order_by("position", "name"))
    leaves: dict[int | None, list[Industry]] = {}
    for leaf in Industry.objects.filter(parent__isnull=False).order_by("position", "name"):
        leaves.setdefault(leaf.parent_id, []).append(leaf)
    return [IndustryGroup(code=t.code, name=t.name, children=leaves.get(t.pk, [])) for t in tops]


def industry_search(*, search: str = "") -> QuerySet[Industry]:
    """Leaves whose name or group name contains ``search``, in taxonomy order."""
    qs = Industry.objects.filter(parent__isnull=False).select_related("parent")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(parent__name__icontains=search))
    return qs.order_by("parent__position", "position", "name")


# --- what workspace pages show of mini programs (workspaces.extensions.AssignableReads) -------


def _visible_ids(viewer: Membership) -> QuerySet[Any, Any] | None:
    """Ids of the mini programs ``viewer`` may see, or ``None`` for all (their role sees all)."""
    if authz.has_role_cap(viewer, Cap.VIEW_MINIPROGRAM):
        return None
    return MiniProgramUserObjectPermission.objects.filter(
        user_id=viewer.user_id, permission__codename__in=VISIBLE_CODENAMES
    ).values("content_object_id")


class WorkspaceReads:
    """The reads the member and invitation pages of ``workspaces`` need, registered from
    :class:`miniprograms.apps.MiniprogramsConfig`. One query each, whatever the row count."""

    def choices(self, *, workspace: Workspace) -> list[MiniProgramRef]:
        rows = (
            MiniProgram.objects.filter(workspace=workspace)
            .order_by("name", "app_id")
            .values_list("app_id", "name")
        )
        return [MiniProgramRef(app_id=app_id, name=name) for app_id, name in rows]

    def app_ids(self, *, workspace: Workspace) -> frozenset[str]:
        rows = MiniProgram.objects.filter(workspace=workspace)
        return frozenset(rows.values_list("app_id", flat=True))

    def names(self, *, workspace_id: int, app_ids: list[str]) -> list[str]:
        if not app_ids:
            return []
        rows = MiniProgram.objects.filter(workspace_id=workspace_id, app_id__in=app_ids)
        return list(rows.order_by("name").values_list("name", flat=True))

    def assignments(
        self, *, workspace: Workspace, user_ids: list[int], viewer: Membership
    ) -> dict[int, list[MiniProgramRef]]:
        rows = MiniProgramUserObjectPermission.objects.filter(
            user_id__in=user_ids,
            content_object__workspace=workspace,
            permission__codename=authz.codename(Cap.DEVELOP_MINIPROGRAM),
        )
        visible = _visible_ids(viewer)
        if visible is not None:
            rows = rows.filter(content_object_id__in=visible)
        result: dict[int, list[MiniProgramRef]] = {}
        ordered = rows.order_by("content_object__name", "content_object_id").values_list(
            "user_id", "content_object__app_id", "content_object__name"
        )
        for user_id, app_id, name in ordered:
            result.setdefault(user_id, []).append(MiniProgramRef(app_id=app_id, name=name))
        return result

    def refs(
        self, *, workspace: Workspace, app_ids: set[str], viewer: Membership
    ) -> dict[str, MiniProgramRef]:
        rows = MiniProgram.objects.filter(workspace=workspace, app_id__in=app_ids)
        visible = _visible_ids(viewer)
        if visible is not None:
            rows = rows.filter(pk__in=visible)
        return {
            app_id: MiniProgramRef(app_id=app_id, name=name)
            for app_id, name in rows.values_list("app_id", "name")
        }

    def grant_rows(self, *, workspace: Workspace) -> QuerySet[MiniProgramUserObjectPermission]:
        return MiniProgramUserObjectPermission.objects.filter(content_object__workspace=workspace)
