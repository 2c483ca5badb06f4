"""Approvals: one generic request that a workspace makes and a workspace decides.

A request names its *kind* (registered by the upper app that owns it: release review, sensitive
JSAPI, skip domain verification… — ``workspaces.extensions.register_approval_kind``), the
requesting and the deciding workspace, and what is requested (``subject_key``). Its state changes
only through ``workspaces.services.approvals.approval_transition`` (the table is
``workspaces/transitions.py``); who may do what is ``workspaces/authz/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApprovalRequest(models.Model):
    """A request waiting for (or having had) a decision of another workspace's deciders."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")

    # A registered kind code ("release_review"); the upper app that registered it owns its meaning.
    kind = models.CharField(max_length=64)
    requesting_workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="approval_requests_made"
    )
    deciding_workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.PROTECT,
        related_name="approval_requests_to_decide",
    )
    # What is requested, in the kind's terms ("release:42"): at most one open request per subject.
    subject_key = models.CharField(max_length=200)
    # How lists and the audit log name the request ("Acme Mall 1.2.0 to Acme Super App").
    summary = models.CharField(max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_requests_made",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_requests_decided",
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROCESSING)
    notes = models.TextField(blank=True, max_length=2000)  # the submitter's
    reason = models.TextField(blank=True, max_length=2000)  # the decider's (required to reject)
    payload = models.JSONField(default=dict, blank=True)  # the kind's own data
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The capability deciders hold (``authz.Cap.DECIDE_APPROVALS``), by role only.
        permissions = [("decide_approvalrequest", "Approve or reject requests to the workspace")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state__in=["processing", "approved", "rejected", "withdrawn", "cancelled"]
                ),
                name="approvalrequest_state_valid",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=Q(state="processing"),
                name="approvalrequest_one_open_per_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="") & ~Q(subject_key=""), name="approvalrequest_kind_subject_set"
            ),
        ]
        indexes = [
            # The hub's two lists: "to decide" and "my requests", by state, newest first.
            models.Index(
                fields=["deciding_workspace", "state", "-created_at"],
                name="approval_deciding_state",
            ),
            models.Index(
                fields=["requesting_workspace", "state", "-created_at"],
                name="approval_requesting_state",
            ),
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.kind} {self.subject_key}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PROCESSING
