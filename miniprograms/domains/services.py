"""Writes of server domains and WAP URLs (STYLE.md §5): keyword-only, authorized, audited, and
each one that changes a runtime answer calls ``runtime_changed()`` in its transaction.

Who may do what:
  - the lists of a mini program: ``Cap.DEVELOP_MINIPROGRAM`` on it (an assigned Developer, an
    Admin, the Owner), and the edit right — always for a tenant mini program; for a merchant
    mini program only while its tenant grants it (:func:`domain_edit_grant_add`);
  - restricting a tenant mini program to its lists, granting and revoking the edit right,
    revoking a skip: ``Cap.MANAGE_DOMAIN_POLICY`` of the tenant (Owner, Workspace Admin);
  - applying to skip domain verification in a host app: ``Cap.DEVELOP_MINIPROGRAM`` on a
    merchant mini program; the host app's tenant decides in the approvals hub.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from console.text import clean_display_text
from miniprograms.domains import events
from miniprograms.domains.models import (
    DomainConfig,
    DomainEditGrant,
    DomainRestriction,
    DomainVerificationSkip,
)
from miniprograms.domains.selectors import SKIP_KIND, domain_edit_grant_for, skip_subject_key
from miniprograms.domains.validators import TYPES, clean_lists, clean_version_number
from miniprograms.extensions import version_numbers
from miniprograms.models import MiniProgram
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import runtime_changed
from workspaces.models import ApprovalRequest, Membership, User, Workspace
from workspaces.services.approvals import approval_request_open
from workspaces.services.audit import audit_record

REASON_MAX = 500


class DomainEditNotGranted(PermissionDenied):
    """A merchant mini program's lists, while its tenant has not granted the edit right: a 403
    that says whom to ask."""

    def __init__(self, *, miniprogram: MiniProgram):
        self.miniprogram = miniprogram
        tenant = miniprogram.workspace.tenant
        super().__init__(
            gettext(
                "%(tenant)s has not allowed “%(name)s” to edit its server domains and WAP URLs. "
                "Ask a Workspace Admin of %(tenant)s to grant it (Settings → Authorized server "
                "domains and WAP URLs)."
            )
            % {
                "tenant": tenant.name if tenant is not None else gettext("The tenant"),
                "name": miniprogram.name,
            }
        )


def can_edit_lists(*, actor: Membership | None, miniprogram: MiniProgram) -> bool:
    """May ``actor`` edit the lists of ``miniprogram`` now (capability and edit right)?"""
    if not authz.has_cap(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram):
        return False
    return miniprogram.is_tenant_kind or domain_edit_grant_for(miniprogram=miniprogram) is not None


def require_edit_right(*, actor: Membership, miniprogram: MiniProgram) -> None:
    """``DEVELOP_MINIPROGRAM`` on the mini program (403 naming roles), then the edit right
    (403 naming the tenant to ask)."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if not miniprogram.is_tenant_kind and domain_edit_grant_for(miniprogram=miniprogram) is None:
        raise DomainEditNotGranted(miniprogram=miniprogram)


@transaction.atomic
def domain_config_save(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    lists: Mapping[str, str | Iterable[str]],
    version: str = "",
) -> DomainConfig | None:
    """Replace the lists of ``miniprogram`` for all versions (``version=""``) or for one
    version number (one the mini program has). All or nothing: any bad line of any list
    refuses everything (``ValidationError`` keyed by list, "Line 3: …"). Empty lists everywhere
    remove that configuration (a version falls back to the global one). Returns the row, or
    ``None`` once removed. A save that changes nothing writes nothing."""
    require_edit_right(actor=actor, miniprogram=miniprogram)
    version = clean_version_number(version)
    if version and version not in version_numbers(miniprogram):
        raise ValidationError(
            {"version": f"“{miniprogram.name}” has no version {version}."}, code="version"
        )
    cleaned = clean_lists(dict(lists))
    MiniProgram.objects.select_for_update().filter(pk=miniprogram.pk).first()  # one writer
    row = DomainConfig.objects.filter(miniprogram=miniprogram, version=version).first()
    before = row.lists() if row is not None else {kind: [] for kind in TYPES}
    if before == cleaned:
        return row
    empty = not any(cleaned.values())
    if empty:
        if row is not None:
            row.delete()
        row = None
    else:
        row = row or DomainConfig(miniprogram=miniprogram, version=version)
        for key, name in DomainConfig.FIELDS.items():
            setattr(row, name, cleaned[key])
        row.updated_by = actor.user
        row.full_clean(validate_constraints=False)
        row.save()
    audit_record(
        actor=actor.user,
        verb="miniprogram.domains_update",
        workspace=miniprogram.workspace,
        target=miniprogram,
        before={"version": version or "global", **before},
        after={"version": version or "global", **cleaned},
    )
    runtime_changed()
    return row


@transaction.atomic
def domain_restriction_set(
    *, actor: Membership, miniprogram: MiniProgram, restricted: bool
) -> bool:
    """Restrict a tenant mini program to its lists (``restricted=True``) or let it call any
    domain again. Needs ``MANAGE_DOMAIN_POLICY`` in the mini program's tenant. Returns whether
    anything changed (a repeat is a no-op)."""
    authz.require(actor, Cap.MANAGE_DOMAIN_POLICY, miniprogram)
    if not miniprogram.is_tenant_kind:
        raise ValidationError(
            "A merchant mini program is always restricted to its lists; grant its developers "
            "the edit right, or approve skipping domain verification, instead."
        )
    MiniProgram.objects.select_for_update().filter(pk=miniprogram.pk).first()
    current = DomainRestriction.objects.filter(miniprogram=miniprogram).first()
    if (current is not None) == restricted:
        return False
    if restricted:
        DomainRestriction.objects.create(miniprogram=miniprogram, restricted_by=actor.user)
    else:
        assert current is not None
        current.delete()
    audit_record(
        actor=actor.user,
        verb="miniprogram.domains_restrict" if restricted else "miniprogram.domains_unrestrict",
        workspace=miniprogram.workspace,
        target=miniprogram,
        before={"restricted": not restricted},
        after={"restricted": restricted},
    )
    runtime_changed()
    return True


# --- the edit right (tenant Settings) -----------------------------------------------------------


def _grant_subject(grant: DomainEditGrant) -> dict[str, Any]:
    if grant.developer_workspace_id is not None:
        assert grant.developer_workspace is not None
        return {"developer_workspace": grant.developer_workspace.name, "scope": "workspace"}
    assert grant.miniprogram is not None
    return {
        "miniprogram": grant.miniprogram.name,
        "app_id": grant.miniprogram.app_id,
        "scope": "miniprogram",
    }


@transaction.atomic
def domain_edit_grant_add(
    *,
    actor: Membership,
    developer_workspace_slug: str = "",
    app_id: str = "",
) -> DomainEditGrant:
    """Let one of the tenant's developer workspaces (every mini program of it), or one merchant
    mini program of them, edit server domains and WAP URLs. Exactly one of the two. Needs
    ``MANAGE_DOMAIN_POLICY``; granting again answers the existing grant."""
    authz.require(actor, Cap.MANAGE_DOMAIN_POLICY)
    tenant = actor.workspace
    if bool(developer_workspace_slug) == bool(app_id):
        raise ValidationError("Choose either a developer workspace or one mini program.")
    grant = DomainEditGrant(tenant=tenant, granted_by=actor.user)
    existing = DomainEditGrant.objects.filter(tenant=tenant)
    if developer_workspace_slug:
        workspace = Workspace.objects.filter(
            slug=developer_workspace_slug, tenant=tenant, kind=Workspace.Kind.DEVELOPER
        ).first()
        if workspace is None:
            raise ValidationError(
                {"developer_workspace": "Choose one of this workspace's developer workspaces."}
            )
        grant.developer_workspace = workspace
        existing = existing.filter(developer_workspace=workspace)
        target: Any = workspace
    else:
        mp = (
            MiniProgram.objects.filter(
                app_id=app_id,
                kind=MiniProgram.Kind.MERCHANT,
                workspace__tenant=tenant,
                workspace__kind=Workspace.Kind.DEVELOPER,
            )
            .select_related("workspace")
            .first()
        )
        if mp is None:
            raise ValidationError(
                {"app_id": "Choose a mini program of one of this workspace's developer workspaces."}
            )
        grant.miniprogram = mp
        existing = existing.filter(miniprogram=mp)
        target = mp
    found = existing.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError:  # granted by someone else at the same moment
        found = existing.first()
        assert found is not None
        return found
    audit_record(
        actor=actor.user,
        verb="domain_edit_grant.add",
        workspace=tenant,
        target=target,
        after=_grant_subject(grant),
    )
    return grant


@transaction.atomic
def domain_edit_grant_revoke(*, actor: Membership, grant_id: int) -> None:
    """Take the edit right back (the lists stay as they are; only editing stops). Needs
    ``MANAGE_DOMAIN_POLICY``; a grant already gone is a no-op."""
    authz.require(actor, Cap.MANAGE_DOMAIN_POLICY)
    grant = (
        DomainEditGrant.objects.select_for_update(of=("self",))
        .select_related("developer_workspace", "miniprogram")
        .filter(pk=grant_id, tenant=actor.workspace)
        .first()
    )
    if grant is None:
        return
    target: Any = grant.developer_workspace or grant.miniprogram
    before = _grant_subject(grant)
    grant.delete()
    audit_record(
        actor=actor.user,
        verb="domain_edit_grant.revoke",
        workspace=actor.workspace,
        target=target,
        before=before,
    )


# --- skip domain verification (approvals hub) ----------------------------------------------------


@transaction.atomic
def domain_skip_apply(
    *, actor: Membership, miniprogram: MiniProgram, host_app_id: int, reason: str
) -> ApprovalRequest:
    """Ask the tenant of a host app the merchant mini program targets to let it skip domain
    verification there (call any server). Needs ``DEVELOP_MINIPROGRAM``; a reason is required;
    one open request per mini program and host app."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if miniprogram.is_tenant_kind:
        raise ValidationError(
            "A tenant mini program calls any domain unless a Workspace Admin restricts it: "
            "there is nothing to apply for."
        )
    target = (
        miniprogram.targets.filter(host_app_id=host_app_id)
        .select_related("host_app__workspace")
        .first()
    )
    if target is None:
        raise ValidationError({"host_app": "Choose a host app this mini program is released to."})
    host_app = target.host_app
    if DomainVerificationSkip.objects.filter(miniprogram=miniprogram, host_app=host_app).exists():
        raise ValidationError(
            {
                "host_app": f"“{miniprogram.name}” already skips domain verification in "
                f"{host_app.name}."
            }
        )
    reason = clean_display_text(reason, label="The reason", field="reason", multiline=True)
    if not reason:
        raise ValidationError({"reason": "Say why the mini program needs to skip verification."})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": f"Keep it under {REASON_MAX} characters (it has {len(reason)})."}
        )
    request = approval_request_open(
        actor=actor,
        kind=SKIP_KIND,
        deciding_workspace=host_app.workspace,
        subject_key=skip_subject_key(miniprogram_id=miniprogram.pk, host_app_id=host_app.pk),
        summary=f"{miniprogram.name}: skip domain verification in {host_app.name}",
        notes=reason,
        payload={
            "miniprogram_id": miniprogram.pk,
            "app_id": miniprogram.app_id,
            "host_app_id": host_app.pk,
        },
    )
    events.skip_requested(request=request)
    return request


def domain_skip_decided(*, request: ApprovalRequest, state: str, actor: User | None) -> None:
    """The approvals hub's decision (inside its transaction): an approval makes the mini
    program skip domain verification in the host app; a rejection changes nothing. Both are
    announced (webhook and email); a withdrawal or cancellation is silent."""
    events.skip_decided(request=request)
    if state != ApprovalRequest.State.APPROVED:
        return
    payload = request.payload or {}
    mp_id, host_app_id = (
        int(payload.get("miniprogram_id") or 0),
        int(payload.get("host_app_id") or 0),
    )
    mp = MiniProgram.objects.filter(pk=mp_id).first()
    if mp is None or not mp.targets.filter(host_app_id=host_app_id).exists():
        raise ValidationError("The mini program is no longer released to that host app.")
    _, created = DomainVerificationSkip.objects.get_or_create(
        miniprogram=mp,
        host_app_id=host_app_id,
        defaults={"approval": request, "approved_by": actor},
    )
    if created:
        runtime_changed()


@transaction.atomic
def domain_skip_revoke(*, actor: Membership, skip_id: int) -> None:
    """The host app's tenant takes an approved skip back: the mini program is held to its
    lists there again. Needs ``MANAGE_DOMAIN_POLICY``; a skip already gone is a no-op."""
    authz.require(actor, Cap.MANAGE_DOMAIN_POLICY)
    skip = (
        DomainVerificationSkip.objects.select_for_update(of=("self",))
        .select_related("miniprogram", "host_app")
        .filter(pk=skip_id, host_app__workspace=actor.workspace)
        .first()
    )
    if skip is None:
        return
    before = {"host_app": skip.host_app.name, "app_id": skip.miniprogram.app_id}
    skip.delete()
    audit_record(
        actor=actor.user,
        verb="miniprogram.domain_skip_revoke",
        workspace=actor.workspace,
        target=skip.miniprogram,
        before=before,
    )
    runtime_changed()
