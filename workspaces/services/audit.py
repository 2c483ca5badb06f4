"""The audit log: one function writes every row (who, what, target, before/after, where)."""

from __future__ import annotations

from typing import Any

from django.db import models

from console import context
from workspaces.auditlog import audit_target_label
from workspaces.models import AuditEvent, User, Workspace


def audit_record(
    *,
    actor: User | None,
    verb: str,
    workspace: Workspace | None = None,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Write one audit row. The request id and client IP come from the request context.

    ``verb`` is ``<entity>.<action>`` (``auth.signin``, ``api_token.revoke``). ``actor`` is
    ``None`` for the system (tasks, sweepers); ``actor_label`` overrides the snapshot label (a
    failed sign-in records the email that was tried). The target is kept as its type, id and
    display label (``auditlog.audit_target_label``: "version 1.2.0 of Acme Mall"), so the log
    reads the same after the object is gone; the page words each event from the verb.
    """
    ctx = context.current()
    label = actor_label if actor_label is not None else (actor.email if actor else "system")
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=label[:254],
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=audit_target_label(target)[:200] if target is not None else "",
        before=before,
        after=after,
        ip=ctx.ip,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
    )
