"""The host apps a mini program is released to ("Release to"), and the one door for a
target's status (active ↔ offline). Taking it offline from one host app with a reason is
``miniprograms.services.lifecycle.miniprogram_take_offline``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.transitions import TARGET_ALLOWED
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership, Workspace
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed


def host_apps_available(*, workspace: Workspace) -> list[HostApp]:
    """Host apps a mini program of ``workspace`` can be released to.

    A tenant releases into its own host apps; a developer workspace into those of the tenant
    that created it (none if it has no tenant).
    """
    owner_id = workspace.pk if workspace.is_tenant else workspace.tenant_id
    if owner_id is None:
        return []
    return list(HostApp.objects.filter(workspace_id=owner_id).order_by("name", "id"))


def host_apps_by_id(*, workspace: Workspace, host_app_ids: Iterable[int]) -> dict[int, HostApp]:
    """The host apps named, by id; refused (``host_apps``) when one is not available."""
    wanted = {int(i) for i in host_app_ids}
    available = {app.pk: app for app in host_apps_available(workspace=workspace)}
    unknown = wanted - set(available)
    if unknown:
        raise ValidationError(
            {
                "host_apps": "These host apps are not available to this workspace: "
                + ", ".join(str(i) for i in sorted(unknown))
                + "."
            }
        )
    return {pk: available[pk] for pk in wanted}


def target_transition(
    *, actor: Membership, target: MiniProgramHostApp, to: str, reason: str = ""
) -> bool:
    """The one door for a target's status (P2): table check, update, audit. Same state: no-op."""
    if not transition_needed(TARGET_ALLOWED, target.status, to):
        return False
    previous = target.status
    target.status = to
    target.offline_reason = reason if to == MiniProgramHostApp.Status.OFFLINE else ""
    target.status_changed_at = timezone.now()
    target.save(update_fields=["status", "offline_reason", "status_changed_at"])
    verb = (
        "miniprogram.host_app_offline"
        if to == MiniProgramHostApp.Status.OFFLINE
        else "miniprogram.host_app_online"
    )
    audit_record(
        actor=actor.user,
        verb=verb,
        workspace=actor.workspace,
        target=target.miniprogram,
        before={"host_app": target.host_app.name, "status": previous},
        after={"host_app": target.host_app.name, "status": to, "reason": reason},
    )
    return True


def _add_targets(*, actor: Membership, mp: MiniProgram, apps: Iterable[HostApp]) -> None:
    existing = {t.host_app_id: t for t in mp.targets.select_related("host_app")}
    for app in apps:
        target = existing.get(app.pk)
        if target is None:
            MiniProgramHostApp.objects.create(miniprogram=mp, host_app=app)
            audit_record(
                actor=actor.user,
                verb="miniprogram.host_app_add",
                workspace=actor.workspace,
                target=mp,
                after={"host_app": app.name},
            )
        else:
            target_transition(actor=actor, target=target, to=MiniProgramHostApp.Status.ACTIVE)


@transaction.atomic
def miniprogram_set_host_apps(
    *, actor: Membership, miniprogram: MiniProgram, host_app_ids: Iterable[int]
) -> MiniProgram:
    """Make ``host_app_ids`` the host apps the mini program is released to.

    Needs DEVELOP on the mini program to add (or re-activate) a host app; removing one takes
    the mini program offline there (data kept), which needs MANAGE — see
    :func:`miniprograms.services.lifecycle.miniprogram_take_offline`.
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    mp = MiniProgram.objects.select_for_update().get(pk=miniprogram.pk)
    wanted = host_apps_by_id(workspace=actor.workspace, host_app_ids=host_app_ids)
    targets = list(mp.targets.select_related("host_app", "miniprogram"))
    dropped = [t for t in targets if t.is_active and t.host_app_id not in wanted]
    if dropped:
        if not authz.has_cap(actor, Cap.MANAGE_MINIPROGRAM, mp):
            admin = authz.role_label(Membership.Role.ADMIN, actor.workspace.kind)
            raise ValidationError(
                {
                    "host_apps": "Taking a mini program offline from a host app ("
                    + ", ".join(t.host_app.name for t in dropped)
                    + f") needs a {admin} or the Owner."
                }
            )
        for target in dropped:
            target_transition(actor=actor, target=target, to=MiniProgramHostApp.Status.OFFLINE)
    _add_targets(actor=actor, mp=mp, apps=wanted.values())
    return mp
