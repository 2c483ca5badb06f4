"""Reads of server domains and WAP URLs (STYLE.md §3): everything a page or an endpoint shows,
in a few queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from miniprograms.domains.models import (
    DomainConfig,
    DomainEditGrant,
    DomainRestriction,
    DomainVerificationSkip,
)
from miniprograms.domains.rules import effective_lists, is_wildcard
from miniprograms.domains.validators import TYPE_LABELS, TYPES
from miniprograms.extensions import version_numbers
from miniprograms.models import MiniProgram
from workspaces.models import ApprovalRequest, Workspace

SKIP_KIND = "domain_verification_skip"


def skip_subject_key(*, miniprogram_id: int, host_app_id: int) -> str:
    """The approval request's subject: one open request per mini program and host app."""
    return f"domain_skip:{miniprogram_id}:{host_app_id}"


def domain_edit_grant_for(*, miniprogram: MiniProgram) -> DomainEditGrant | None:
    """The grant that lets a merchant mini program's developers edit its lists (its tenant's,
    on the mini program itself or on its whole developer workspace), or ``None``."""
    tenant_id = miniprogram.workspace.tenant_id
    if miniprogram.is_tenant_kind or tenant_id is None:
        return None
    return (
        DomainEditGrant.objects.filter(tenant_id=tenant_id)
        .filter(
            Q(miniprogram_id=miniprogram.pk) | Q(developer_workspace_id=miniprogram.workspace_id)
        )
        .select_related("tenant")
        .first()
    )


@dataclass(frozen=True)
class VersionLists:
    """The effective lists of one version, and where each list comes from."""

    number: str
    has_own: bool
    lists: dict[str, list[str]]
    sources: dict[str, str]

    @property
    def rows(self) -> list[tuple[str, str, list[str], str]]:
        """``(kind, label, entries, source)`` per list, as pages show them."""
        return [(k, TYPE_LABELS[k], self.lists[k], self.sources[k]) for k in TYPES]


@dataclass(frozen=True)
class SkipState:
    """Skip domain verification in one host app the mini program targets."""

    host_app_id: int
    host_app_name: str
    tenant_name: str
    skip: DomainVerificationSkip | None
    open_request: ApprovalRequest | None
    last_rejected: ApprovalRequest | None


@dataclass(frozen=True)
class DomainsOverview:
    """Everything the Domains page (and the API's GET) shows of one mini program."""

    miniprogram: MiniProgram
    configs: dict[str, DomainConfig]  # version ("" = global) → row
    versions: list[VersionLists]
    is_restricted: bool  # restricted to its lists (a merchant's always)
    can_edit_lists: bool  # the edit right (tenant mini program, or a tenant's grant)
    grant: DomainEditGrant | None
    restriction: DomainRestriction | None
    skips: list[SkipState] = field(default_factory=list)

    @property
    def global_lists(self) -> dict[str, list[str]]:
        row = self.configs.get("")
        return row.lists() if row is not None else {kind: [] for kind in TYPES}

    def lists_of(self, version: str) -> dict[str, list[str]]:
        row = self.configs.get(version)
        return row.lists() if row is not None else {kind: [] for kind in TYPES}

    @property
    def global_rows(self) -> list[tuple[str, str, list[str], str]]:
        lists = self.global_lists
        return [(k, TYPE_LABELS[k], lists[k], "") for k in TYPES]

    @property
    def calls_any_domain(self) -> bool:
        """Unrestricted everywhere (a tenant mini program nobody restricted)."""
        return not self.is_restricted

    @property
    def global_is_wildcard(self) -> bool:
        return is_wildcard(self.global_lists)


def domains_overview(*, miniprogram: MiniProgram, with_skips: bool = False) -> DomainsOverview:
    """The lists of ``miniprogram``, global and per version, with the effective lists of every
    version (newest first), its restriction, the edit right and (``with_skips``) its skip
    domain verification state per host app it targets."""
    configs = {row.version: row for row in DomainConfig.objects.filter(miniprogram=miniprogram)}
    restriction = DomainRestriction.objects.filter(miniprogram=miniprogram).first()
    grant = domain_edit_grant_for(miniprogram=miniprogram)
    numbers = version_numbers(miniprogram)
    numbers += sorted(set(configs) - set(numbers) - {""})  # versions deleted since
    global_row = configs.get("")
    versions = []
    for number in numbers:
        own = configs.get(number)
        lists, sources = effective_lists(
            global_row.lists() if global_row else None, own.lists() if own else None
        )
        versions.append(VersionLists(number, own is not None, lists, sources))
    is_tenant = miniprogram.is_tenant_kind
    return DomainsOverview(
        miniprogram=miniprogram,
        configs=configs,
        versions=versions,
        is_restricted=(restriction is not None) if is_tenant else True,
        can_edit_lists=is_tenant or grant is not None,
        grant=grant,
        restriction=restriction,
        skips=domain_skip_states(miniprogram=miniprogram) if with_skips else [],
    )


def domain_skip_states(*, miniprogram: MiniProgram) -> list[SkipState]:
    """Per host app the mini program targets: its approved skip, open and last rejected
    request (three queries)."""
    targets = list(
        miniprogram.targets.select_related("host_app__workspace").order_by("host_app__name")
    )
    skips = {
        s.host_app_id: s
        for s in DomainVerificationSkip.objects.filter(miniprogram=miniprogram).select_related(
            "approved_by"
        )
    }
    keys = {
        skip_subject_key(miniprogram_id=miniprogram.pk, host_app_id=t.host_app_id): t.host_app_id
        for t in targets
    }
    open_requests: dict[int, ApprovalRequest] = {}
    rejected: dict[int, ApprovalRequest] = {}
    requests = ApprovalRequest.objects.filter(
        kind=SKIP_KIND,
        subject_key__in=list(keys),
        state__in=[ApprovalRequest.State.PROCESSING, ApprovalRequest.State.REJECTED],
    ).order_by("-created_at", "-id")
    for request in requests:
        host_app_id = keys[request.subject_key]
        if request.state == ApprovalRequest.State.PROCESSING:
            open_requests.setdefault(host_app_id, request)
        else:
            rejected.setdefault(host_app_id, request)
    return [
        SkipState(
            host_app_id=t.host_app_id,
            host_app_name=t.host_app.name,
            tenant_name=t.host_app.workspace.name,
            skip=skips.get(t.host_app_id),
            open_request=open_requests.get(t.host_app_id),
            last_rejected=rejected.get(t.host_app_id),
        )
        for t in targets
    ]


# --- the tenant's side ------------------------------------------------------------------------


def domain_edit_grant_list(*, tenant: Workspace) -> QuerySet[DomainEditGrant]:
    """The tenant's grants, newest first, with what rows show."""
    return DomainEditGrant.objects.filter(tenant=tenant).select_related(
        "developer_workspace", "miniprogram__workspace", "granted_by"
    )


def domain_edit_grant_get(*, tenant: Workspace, grant_id: int) -> DomainEditGrant | None:
    return domain_edit_grant_list(tenant=tenant).filter(pk=grant_id).first()


def grantable_developer_workspaces(*, tenant: Workspace) -> list[Workspace]:
    """The tenant's developer workspaces, by name."""
    return list(
        Workspace.objects.filter(tenant=tenant, kind=Workspace.Kind.DEVELOPER).order_by("name")
    )


def grantable_miniprograms(*, tenant: Workspace) -> list[MiniProgram]:
    """Merchant mini programs of the tenant's developer workspaces, by workspace and name."""
    return list(
        MiniProgram.objects.filter(
            workspace__tenant=tenant,
            workspace__kind=Workspace.Kind.DEVELOPER,
            kind=MiniProgram.Kind.MERCHANT,
        )
        .select_related("workspace")
        .order_by("workspace__name", "name")
    )


def domain_skip_list(*, tenant: Workspace) -> QuerySet[DomainVerificationSkip]:
    """Approved skips in the tenant's host apps, newest first."""
    return DomainVerificationSkip.objects.filter(host_app__workspace=tenant).select_related(
        "miniprogram__workspace", "host_app", "approved_by"
    )


def domain_skip_get(*, tenant: Workspace, skip_id: int) -> DomainVerificationSkip | None:
    return domain_skip_list(tenant=tenant).filter(pk=skip_id).first()


def restricted_tenant_miniprograms(*, tenant: Workspace) -> list[MiniProgram]:
    """The tenant's own mini programs restricted to their lists, by name."""
    return list(
        MiniProgram.objects.filter(workspace=tenant, domain_restriction__isnull=False).order_by(
            "name"
        )
    )
