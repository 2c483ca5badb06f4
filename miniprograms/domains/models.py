"""Models: server domains and WAP URLs (imported by ``miniprograms.models``; other models are
referred to by string).

- :class:`DomainConfig`: a mini program's lists, for all versions (``version = ""``) or for one
  version number (the releases app owns versions; they are named here by number, so this app
  never depends on it). For that version, a list set in its own configuration replaces the
  global one; a list left empty there falls back to the global one.
- :class:`DomainRestriction`: a tenant mini program calls any domain until a tenant Admin
  restricts it to its lists (a merchant mini program is always restricted).
- :class:`DomainEditGrant`: a tenant lets a developer workspace (all its mini programs) or one
  merchant mini program edit its lists.
- :class:`DomainVerificationSkip`: the host app's tenant approved (approvals hub) that this mini
  program skips domain verification in that host app: it calls any server there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = ["DomainConfig", "DomainEditGrant", "DomainRestriction", "DomainVerificationSkip"]


class DomainConfig(models.Model):
    """The five lists of one mini program, global (``version == ""``) or for one version."""

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="domain_configs"
    )
    version = models.CharField(max_length=32, blank=True, default="")
    request = models.JSONField(default=list, blank=True)
    upload_file = models.JSONField(default=list, blank=True)
    download_file = models.JSONField(default=list, blank=True)
    socket = models.JSONField(default=list, blank=True)
    webview = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["miniprogram_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "version"], name="domainconfig_one_per_version"
            ),
        ]

    # The runtime answer's keys → fields.
    FIELDS = {
        "request": "request",
        "uploadFile": "upload_file",
        "downloadFile": "download_file",
        "socket": "socket",
        "webview": "webview",
    }

    def __str__(self) -> str:
        return f"{self.miniprogram_id}:{self.version or 'global'}"

    @property
    def is_global(self) -> bool:
        return not self.version

    def lists(self) -> dict[str, list[str]]:
        """The five lists, by the runtime answer's keys."""
        return {key: list(getattr(self, name) or []) for key, name in self.FIELDS.items()}


class DomainRestriction(models.Model):
    """A tenant mini program restricted to its lists (its existence is the restriction)."""

    miniprogram = models.OneToOneField(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="domain_restriction"
    )
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.miniprogram_id} restricted"


class DomainEditGrant(models.Model):
    """A tenant lets merchants edit server domains and WAP URLs: every mini program of one of
    its developer workspaces, or one merchant mini program. Revoking deletes the row (the audit
    log keeps the history)."""

    tenant = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="domain_edit_grants"
    )
    developer_workspace = models.ForeignKey(
        "workspaces.Workspace",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="domain_edit_grants_received",
    )
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="domain_edit_grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(developer_workspace__isnull=True) & Q(miniprogram__isnull=False))
                | (Q(developer_workspace__isnull=False) & Q(miniprogram__isnull=True)),
                name="domaineditgrant_one_subject",
            ),
            models.UniqueConstraint(
                fields=["tenant", "developer_workspace"],
                condition=Q(developer_workspace__isnull=False),
                name="domaineditgrant_workspace_once",
            ),
            models.UniqueConstraint(
                fields=["tenant", "miniprogram"],
                condition=Q(miniprogram__isnull=False),
                name="domaineditgrant_miniprogram_once",
            ),
        ]

    def __str__(self) -> str:
        subject = self.developer_workspace_id or self.miniprogram_id
        return f"{self.tenant_id} → {subject}"


class DomainVerificationSkip(models.Model):
    """An approved "skip domain verification" of a mini program in one host app."""

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="domain_skips"
    )
    host_app = models.ForeignKey(
        "workspaces.HostApp", on_delete=models.CASCADE, related_name="domain_skips"
    )
    approval = models.ForeignKey(
        "workspaces.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "host_app"], name="domainskip_once_per_host_app"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id} skips domain verification in {self.host_app_id}"
