"""Mini programs and what is configured per mini program (SPEC §4).

A mini program's **profile** (name, tagline, description, logo, industry, customer-service
contacts, extra languages) is edited as a *draft*: the fields on :class:`MiniProgram` and its
:class:`MiniProgramLanguage` rows. Host apps never see the draft; they see ``released_profile``,
a snapshot written only when a version is released (``services.miniprogram_profile_release``),
so a name or logo cannot change without a release (the security rule of the product documents).
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from miniprograms import languages


class Industry(models.Model):
    """A two-level industry taxonomy (seeded by a data migration); only leaves are chosen."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("industries")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="industry_not_own"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> str:
        """``"Food & Beverage › Coffee & Tea"`` (needs ``parent`` loaded: select_related)."""
        parent = self.parent if self.parent_id else None
        return f"{parent.name} › {self.name}" if parent is not None else self.name


class AppIdAllocation(models.Model):
    """Every App ID ever issued, never deleted: an App ID is not reused after a deletion."""

    app_id = models.CharField(max_length=16, primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.app_id


def _logo_path(instance: models.Model, filename: str) -> str:
    """Generated storage keys, never the client's file name (STYLE.md §8)."""
    suffix = PurePath(filename).suffix.lower()
    suffix = suffix if suffix in {".png", ".jpg", ".jpeg"} else ""
    return f"miniprogram-logos/{secrets.token_hex(16)}{suffix}"


class MiniProgram(models.Model):
    """A mini program of one workspace, identified everywhere by its 16-digit App ID."""

    class Kind(models.TextChoices):
        # Created in a tenant workspace: may call any domain by default (SPEC §4, §7).
        TENANT = "tenant", _("Tenant mini program")
        # Created in a developer (merchant) workspace: restricted to its allowlists.
        MERCHANT = "merchant", _("Merchant mini program")

    class Shelf(models.TextChoices):
        ON = "on_shelf", _("On shelf")
        OFF = "off_shelf", _("Off shelf")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="miniprograms"
    )
    app_id = models.CharField(_("App ID"), max_length=16, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, editable=False)
    shelf_status = models.CharField(max_length=16, choices=Shelf.choices, default=Shelf.ON)
    shelf_reason = models.CharField(max_length=200, blank=True)
    shelf_changed_at = models.DateTimeField(null=True, blank=True)
    default_language = models.CharField(max_length=16, choices=languages.CHOICES, default="en")

    # --- the draft profile (default language); see released_profile ---
    name = models.CharField(_("name"), max_length=30)
    tagline = models.CharField(_("tagline"), max_length=30)
    description = models.CharField(_("description"), max_length=200)
    logo = models.FileField(_("logo"), upload_to=_logo_path, max_length=200)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="+")
    service_phone = models.CharField(_("customer-service phone"), max_length=16)
    service_email = models.EmailField(_("customer-service email"))
    profile_updated_at = models.DateTimeField(default=timezone.now)

    # --- what host apps show: written only by services.miniprogram_profile_release ---
    released_profile = models.JSONField(null=True, blank=True, editable=False)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Capabilities beyond Django's defaults (view/add/change/delete_miniprogram), so that
        # django-guardian can grant them on one mini program (MiniProgramUserObjectPermission).
        # Keep in step with ``workspaces.authz.Cap``.
        permissions = [
            ("develop_miniprogram", "Edit the profile, manage testers and upload versions"),
            ("manage_miniprogram", "Put on or off shelf, take offline, assign developers"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "workspace", name="miniprogram_name_unique_in_workspace"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["tenant", "merchant"]), name="miniprogram_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(shelf_status__in=["on_shelf", "off_shelf"]),
                name="miniprogram_shelf_valid",
            ),
            models.CheckConstraint(
                condition=Q(app_id__regex=r"^[1-9][0-9]{15}$"), name="miniprogram_app_id_16_digits"
            ),
        ]
        indexes = [
            # The lists' order with its tie-break: a page's ids come from this index alone,
            # however deep the page (console.paging.IdsFirstPaginator).
            models.Index(
                fields=["workspace", "-created_at", "-id"], name="miniprogram_ws_created_id"
            ),
            models.Index(fields=["workspace", "shelf_status"], name="miniprogram_ws_shelf"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"

    @property
    def is_on_shelf(self) -> bool:
        return self.shelf_status == self.Shelf.ON

    @property
    def is_released(self) -> bool:
        """Has a version ever been released? (The release writes ``released_at``.)"""
        return self.released_at is not None

    @property
    def is_tenant_kind(self) -> bool:
        return self.kind == self.Kind.TENANT


class MiniProgramLanguage(models.Model):
    """The profile texts in one extra language (the default language lives on the program)."""

    miniprogram = models.ForeignKey(MiniProgram, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(max_length=16, choices=languages.CHOICES)
    name = models.CharField(max_length=30)
    tagline = models.CharField(max_length=30)
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "language"], name="miniprogram_language_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id}:{self.language}"


class MiniProgramHostApp(models.Model):
    """A host app a mini program is released to ("Release to"), and whether it is offline there.

    Taking a mini program offline from one host app keeps this row (and all data) with status
    ``offline``; releasing it there again makes it ``active``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        OFFLINE = "offline", _("Taken offline")

    miniprogram = models.ForeignKey(MiniProgram, on_delete=models.CASCADE, related_name="targets")
    host_app = models.ForeignKey(
        "workspaces.HostApp", on_delete=models.CASCADE, related_name="miniprogram_targets"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    offline_reason = models.CharField(max_length=200, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host_app__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "host_app"], name="miniprogram_host_app_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "offline"]), name="miniprogram_host_app_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id} → {self.host_app_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class MiniProgramTester(models.Model):
    """An account on the tester whitelist: may open trial versions of this mini program.

    ``account`` is the user's account as the host app knows it (user id, phone or email) —
    the same identifier the SDK sends with every runtime request — not a console login.
    """

    miniprogram = models.ForeignKey(MiniProgram, on_delete=models.CASCADE, related_name="testers")
    account = models.CharField(max_length=128)
    note = models.CharField(max_length=80, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account"]
        constraints = [
            models.UniqueConstraint(fields=["miniprogram", "account"], name="tester_unique"),
        ]

    def __str__(self) -> str:
        return self.account


class MiniProgramUserObjectPermission(UserObjectPermissionBase):
    """A capability granted to one user on one mini program (django-guardian, direct FK).

    A Developer *assigned* to a mini program holds ``develop_miniprogram`` on it (which implies
    seeing it; see ``workspaces.authz.GRANT_IMPLIES``). Written only by services.
    """

    content_object = models.ForeignKey(MiniProgram, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("mini program grant")
        verbose_name_plural = _("mini program grants")


# Development settings (issue 12): each feature keeps its models in its own package.
from miniprograms.domains.models import *  # noqa: E402, F403
from miniprograms.envvars.models import *  # noqa: E402, F403
from miniprograms.jsapis.models import *  # noqa: E402, F403
from miniprograms.secrets.models import *  # noqa: E402, F403
from miniprograms.subscriptions.models import *  # noqa: E402, F403
