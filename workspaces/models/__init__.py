"""Accounts, workspaces, memberships, API tokens and the audit log; approvals (``approvals.py``);
webhooks (``webhooks.py``).

Every model of the app is importable from ``workspaces.models``: the approvals and webhook models
live in their own modules and are re-exported here.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from workspaces.models.approvals import ApprovalRequest
from workspaces.models.webhooks import WebhookDelivery, WebhookEndpoint


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))


def normalize_email(email: str) -> str:
    """Emails are the login: compared and stored lower-case, trimmed."""
    return (email or "").strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email is the login (custom user model from the first migration)."""

    # Stored normalised (trimmed, lower-case) by every path that writes it: see normalize_email.
    email = models.EmailField(_("email"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    timezone = models.CharField(max_length=64, default="UTC")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Workspace(models.Model):
    """A tenant (super-app operator) or a developer (merchant) workspace."""

    class Kind(models.TextChoices):
        TENANT = "tenant", _("Tenant")
        DEVELOPER = "developer", _("Developer")

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A developer workspace created by a tenant releases into that tenant's host apps.
    tenant = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="developer_workspaces",
    )
    default_language = models.CharField(max_length=16, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # Workspace capabilities that are not Django's defaults for Workspace, declared so that
        # django-guardian can grant them on one workspace (WorkspaceUserObjectPermission below).
        # Keep in step with ``authz.Cap``; which of them may be granted is ``authz.GRANTABLE``.
        permissions = [
            ("view_membership", "See the member list"),
            ("manage_members", "Invite, block and remove members; change roles"),
            ("transfer_ownership", "Transfer ownership of the workspace"),
            ("view_auditevent", "Read and export the audit log"),
            ("view_hostapp", "See host apps"),
            ("manage_hostapps", "Add and edit host apps; reset SDK secrets"),
            ("manage_developer_workspaces", "Create developer workspaces for merchants"),
            ("manage_authorizations", "Review and revoke API tokens and object grants"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["tenant", "developer"]), name="workspace_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(tenant__isnull=True) | Q(kind="developer"),
                name="workspace_only_developer_has_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tenant(self) -> bool:
        return self.kind == self.Kind.TENANT


class Membership(models.Model):
    """A user's role in one workspace: the unit of access (see workspaces/authz/)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        REVIEWER = "reviewer", _("Reviewer")
        DEVELOPER = "developer", _("Developer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workspace__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(role="owner"), name="membership_one_owner"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "admin", "reviewer", "developer"]),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "blocked"]), name="membership_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ApiToken(models.Model):
    """A personal API token. Only a keyed hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    # The public part of the token (``mpp_<prefix>_…``): finds the row, shown in lists.
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} (mpp_{self.prefix}_…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditEvent(models.Model):
    """Who did what, to what, when, with before/after values. Written only by services."""

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A snapshot of who acted, kept readable after the account is gone ("system" for tasks).
    actor_label = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="audit_workspace_created"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
            models.Index(fields=["verb", "-created_at"], name="audit_verb_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb}"


def _asset_path(instance: models.Model, filename: str) -> str:
    """Generated storage keys: never the client's file name (STYLE.md §8)."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"workspace-assets/{secrets.token_hex(16)}{suffix}"


class WorkspaceSettings(models.Model):
    """Branding, contact preferences and agreements of a workspace (one row per workspace)."""

    class EmailPreference(models.TextChoices):
        ALL = "all", _("All notifications")
        IMPORTANT = "important", _("Only reviews, security and alerts")
        NONE = "none", _("No email")

    workspace = models.OneToOneField(
        Workspace, primary_key=True, on_delete=models.CASCADE, related_name="settings"
    )
    logo = models.FileField(upload_to=_asset_path, blank=True)
    favicon = models.FileField(upload_to=_asset_path, blank=True)
    service_email = models.EmailField(blank=True)
    email_preference = models.CharField(
        max_length=16, choices=EmailPreference.choices, default=EmailPreference.ALL
    )
    # The host name shown in links the console generates for this workspace (e.g. a vanity
    # console domain behind the operator's proxy).
    preferred_domain = models.CharField(max_length=253, blank=True)
    about_url = models.URLField(blank=True)
    terms_url = models.URLField(blank=True)
    terms_text = models.TextField(blank=True)
    privacy_policy = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Settings of {self.workspace}"


class Invitation(models.Model):
    """An invitation to join a workspace. The link token is single-use and kept as a hash."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    # App IDs of the workspace's mini programs a Developer is assigned to on acceptance (the
    # ones still there by then). Kept as values, not a relation: miniprograms depends on
    # workspaces, never the other way round.
    app_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=1)
    last_sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "withdrawn"]),
                name="invitation_status_valid",
            ),
            # "owner" only for the first owner of a developer workspace a tenant creates.
            models.CheckConstraint(
                condition=Q(role__in=["owner", "admin", "reviewer", "developer"]),
                name="invitation_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.workspace}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def display_status(self) -> str:
        """Pending, Expired, Accepted or Withdrawn (expiry is derived from the clock)."""
        if self.status == self.Status.PENDING and self.is_expired():
            return "expired"
        return self.status


class HostApp(models.Model):
    """A tenant's super app. Its SDK identifies itself with ``app_key`` and a secret."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="host_apps")
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True, max_length=500)
    icon = models.FileField(upload_to=_asset_path, blank=True)
    app_key = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    secret_rotated_at = models.DateTimeField(default=timezone.now)
    # Releases: sandbox releases are approved at once unless this is on (as Alipay+; off by
    # default); a reviewer's preview QR code opens ``<preview_scheme>://preview?…`` on a phone.
    sandbox_needs_review = models.BooleanField(default=False)
    preview_scheme = models.CharField(max_length=40, blank=True)
    # When the SDK key was frozen (null: it works): every runtime call with it is refused.
    sdk_key_frozen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="hostapp_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sdk_key_frozen(self) -> bool:
        return self.sdk_key_frozen_at is not None


class HostAppPlatform(models.Model):
    """One platform build of a host app, identified by its bundle id / package name."""

    class Platform(models.TextChoices):
        ANDROID = "android", _("Android")
        IOS = "ios", _("iOS")
        HARMONYOS = "harmonyos", _("HarmonyOS")

    host_app = models.ForeignKey(HostApp, on_delete=models.CASCADE, related_name="platforms")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    bundle_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["platform"]
        constraints = [
            models.UniqueConstraint(
                fields=["host_app", "platform"], name="hostapp_platform_unique"
            ),
            models.CheckConstraint(
                condition=Q(platform__in=["android", "ios", "harmonyos"]),
                name="hostapp_platform_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.bundle_id}"


# --- object grants (django-guardian, direct foreign keys; rules in workspaces/authz/) ----------


class WorkspaceUserObjectPermission(UserObjectPermissionBase):
    """A capability granted to one user on one workspace, on top of their role.

    guardian's direct-foreign-key model for Workspace (found through ``content_object``), so
    grants are real foreign keys: they cascade with the workspace and join without generic
    relations. Written only by ``workspaces/services/grants.py``; read by ``authz.has_cap``.
    """

    content_object = models.ForeignKey(Workspace, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("workspace grant")
        verbose_name_plural = _("workspace grants")


__all__ = [
    "ApiToken",
    "ApprovalRequest",
    "AuditEvent",
    "HostApp",
    "HostAppPlatform",
    "Invitation",
    "Membership",
    "User",
    "UserManager",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
    "WorkspaceSettings",
    "WorkspaceUserObjectPermission",
    "normalize_email",
]
