"""Models: jsapis (imported by ``miniprograms.models``; refer to other models by string).

A tenant keeps a **JSAPI catalogue** (:class:`Jsapi`: what its host apps' SDK offers mini
programs, some marked sensitive) and **features** (:class:`JsapiFeature`: named bundles of
JSAPIs, reachable directly or after an activation). A mini program asks for a sensitive JSAPI or
an activation-needed feature in one host app with a :class:`JsapiApplication`, decided by the
host app's tenant through the approvals hub (kind ``jsapi_access``) and revocable by it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

__all__ = ["Jsapi", "JsapiApplication", "JsapiFeature"]


class Jsapi(models.Model):
    """One JSAPI of a tenant's catalogue (``getLocation``, ``tradePay``…).

    The catalogue is seeded (``jsapis.catalogue``); names are fixed, the rest is edited by the
    tenant's Owner/Admin (``Cap.MANAGE_JSAPI_CATALOGUE``). A sensitive JSAPI is callable only
    after an approved application, or through a *direct* feature that bundles it.
    """

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="jsapis"
    )
    name = models.CharField(max_length=64)
    category = models.CharField(max_length=32)
    description = models.CharField(max_length=300)
    on_android = models.BooleanField(default=True)
    on_ios = models.BooleanField(default=True)
    is_sensitive = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "JSAPI"
        # The capability of the tenant's Owner/Admin (``authz.Cap.MANAGE_JSAPI_CATALOGUE``).
        permissions = [("manage_jsapicatalogue", "Edit the JSAPI catalogue and features")]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="jsapi_name_unique"),
            models.CheckConstraint(
                condition=Q(on_android=True) | Q(on_ios=True), name="jsapi_some_platform"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def platforms(self) -> list[str]:
        return [p for p, on in (("Android", self.on_android), ("iOS", self.on_ios)) if on]


class JsapiFeature(models.Model):
    """A named bundle of JSAPIs of one tenant's catalogue ("Payment", "Location")."""

    class Access(models.TextChoices):
        DIRECT = "direct", _("Direct")
        ACTIVATION = "activation", _("Activation needed")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="jsapi_features"
    )
    name = models.CharField(max_length=40)
    description = models.CharField(max_length=300, blank=True)
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.DIRECT)
    jsapis = models.ManyToManyField(Jsapi, related_name="features", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "JSAPI feature"
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="jsapi_feature_name_unique"),
            models.CheckConstraint(
                condition=Q(access__in=["direct", "activation"]), name="jsapi_feature_access"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_direct(self) -> bool:
        return self.access == self.Access.DIRECT


class JsapiApplication(models.Model):
    """A mini program's application for a sensitive JSAPI or an activation-needed feature in one
    host app. Its state follows its approval request (``approval``), then a revocation by the
    host app's tenant. At most one processing or approved application per subject."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="jsapi_applications"
    )
    host_app = models.ForeignKey(
        "workspaces.HostApp", on_delete=models.CASCADE, related_name="jsapi_applications"
    )
    jsapi = models.ForeignKey(
        Jsapi, null=True, blank=True, on_delete=models.CASCADE, related_name="applications"
    )
    feature = models.ForeignKey(
        JsapiFeature, null=True, blank=True, on_delete=models.CASCADE, related_name="applications"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROCESSING)
    reason = models.TextField(max_length=500)  # the applicant's
    approval = models.ForeignKey(
        "workspaces.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "JSAPI application"
        constraints = [
            models.CheckConstraint(
                condition=Q(jsapi__isnull=False, feature__isnull=True)
                | Q(jsapi__isnull=True, feature__isnull=False),
                name="jsapi_application_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "processing",
                        "approved",
                        "rejected",
                        "withdrawn",
                        "cancelled",
                        "revoked",
                    ]
                ),
                name="jsapi_application_state",
            ),
            models.UniqueConstraint(
                fields=["miniprogram", "host_app", "jsapi"],
                condition=Q(state__in=["processing", "approved"], jsapi__isnull=False),
                name="jsapi_application_one_live_jsapi",
            ),
            models.UniqueConstraint(
                fields=["miniprogram", "host_app", "feature"],
                condition=Q(state__in=["processing", "approved"], feature__isnull=False),
                name="jsapi_application_one_live_feature",
            ),
        ]
        indexes = [
            models.Index(fields=["host_app", "state"], name="jsapi_application_host_state"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} for {self.miniprogram_id} in {self.host_app_id}"

    @property
    def subject_name(self) -> str:
        """The JSAPI's or the feature's name (needs them loaded: select_related)."""
        return self.jsapi.name if self.jsapi_id else self.feature.name  # type: ignore[union-attr]

    @property
    def is_live(self) -> bool:
        return self.state in (self.State.PROCESSING, self.State.APPROVED)
