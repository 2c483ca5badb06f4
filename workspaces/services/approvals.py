"""Approvals: a workspace asks, another (or the same tenant's deciders) decides.

Open a request (:func:`approval_request_open`), then exactly one decision: approved or rejected
by a decider of the deciding workspace (:func:`approval_approve`, :func:`approval_reject`),
withdrawn by the requesting side (:func:`approval_withdraw`) or cancelled by the system or an
upper app (:func:`approval_cancel`). The state changes only through :func:`approval_transition`
(the table is ``workspaces/transitions.py``), which also calls the kind's ``on_decided`` inside
the same transaction, so what a decision does in the upper app happens with it or not at all.
Access rules come from ``workspaces/authz/``: the side a member is on, ``Cap.DECIDE_APPROVALS``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from console.text import clean_display_text
from workspaces import authz
from workspaces.authz import Cap, Side
from workspaces.extensions import approval_kind
from workspaces.models import ApprovalRequest, Membership, User, Workspace
from workspaces.services.audit import audit_record
from workspaces.transitions import APPROVAL_ALLOWED, transition_needed

State = ApprovalRequest.State

# The audit verb of each state a request moves to.
APPROVAL_VERBS: dict[str, str] = {
    State.APPROVED: "approval.approve",
    State.REJECTED: "approval.reject",
    State.WITHDRAWN: "approval.withdraw",
    State.CANCELLED: "approval.cancel",
}
OPEN_VERB = "approval.open"
REASON_REQUIRED = "Say why the request is rejected: the requester will read it."

_DECIDED_WORDS: dict[str, str] = {
    State.APPROVED: "approved",
    State.REJECTED: "rejected",
    State.WITHDRAWN: "withdrawn",
    State.CANCELLED: "cancelled",
}


def _snapshot(request: ApprovalRequest) -> dict[str, object]:
    return {
        "kind": request.kind,
        "subject_key": request.subject_key,
        "state": request.state,
        "requesting_workspace": request.requesting_workspace.name,
        "deciding_workspace": request.deciding_workspace.name,
        "reason": request.reason,
    }


def _audit_workspace(request: ApprovalRequest, to: str) -> Workspace:
    """Whose audit log records a change: the deciders' for their decisions, else the asker's."""
    if to in (State.APPROVED, State.REJECTED):
        return request.deciding_workspace
    return request.requesting_workspace


def _text(value: str, *, field: str, label: str, max_length: int = 2000) -> str:
    value = clean_display_text(value, label=label, field=field, multiline=True)
    if len(value) > max_length:
        raise ValidationError(
            {field: f"Keep it under {max_length} characters (it has {len(value)})."}
        )
    return value


@transaction.atomic
def approval_request_open(
    *,
    actor: Membership,
    kind: str,
    deciding_workspace: Workspace,
    subject_key: str,
    summary: str,
    notes: str = "",
    payload: dict[str, Any] | None = None,
) -> ApprovalRequest:
    """Ask ``deciding_workspace`` to decide on ``subject_key``, on behalf of ``actor``'s workspace.

    ``actor`` is an active member of the requesting workspace; the upper app checks first that
    they may ask for this (a release needs DEVELOP on the mini program, …). Refuses a kind no app
    registered, and a second open request of the kind for the same subject (also refused by the
    database: two simultaneous submits cannot both open one). Audited in the requester's log.
    """
    authz.require(actor, Cap.VIEW_WORKSPACE)  # an active member, nothing more
    if approval_kind(kind) is None:
        raise ValidationError(f"'{kind}' is not a kind of request this platform handles.")
    if deciding_workspace.kind != Workspace.Kind.TENANT:
        raise ValidationError("Only a tenant workspace decides requests.")
    subject_key = (subject_key or "").strip()
    if not subject_key:
        raise ValidationError("Say what the request is for.")
    summary = clean_display_text(summary, label="The summary", field="summary")
    if not summary:
        raise ValidationError({"summary": "Give the request a short description."})
    if len(summary) > 200:
        summary = summary[:199] + "…"  # display text: a long name must not refuse the request
    notes = _text(notes, field="notes", label="The notes")
    request = ApprovalRequest(
        kind=kind,
        requesting_workspace=actor.workspace,
        deciding_workspace=deciding_workspace,
        subject_key=subject_key,
        summary=summary,
        requested_by=actor.user,
        notes=notes,
        payload=payload or {},
    )
    request.full_clean(validate_constraints=False)  # the open-request rule is the database's
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:
        raise ValidationError("This is already waiting for a decision.", code="open") from exc
    audit_record(
        actor=actor.user,
        verb=OPEN_VERB,
        workspace=actor.workspace,
        target=request,
        after={**_snapshot(request), "notes": notes},
    )
    return request


@transaction.atomic
def approval_transition(
    *,
    actor_user: User | None,
    request_id: int,
    to: str,
    reason: str = "",
    fields: dict[str, object] | None = None,
) -> tuple[ApprovalRequest, bool]:
    """The one door for ``ApprovalRequest.state``: returns (request, changed).

    Locks the row; a same-state request is a no-op (a double click, a retried task: the kind's
    ``on_decided`` is not called again); a change the table does not allow raises
    :class:`InvalidTransition`. Saves the state, ``decided_at``, ``reason`` and ``fields`` with
    ``update_fields``, writes the audit row, then calls the kind's ``on_decided`` in this
    transaction (its exception undoes the decision), with ``actor_user`` as ``actor`` when the
    hook takes it (who withdrew or cancelled, not only who decided). Callers apply the rules
    first.
    """
    request = (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_workspace", "deciding_workspace")
        .get(pk=request_id)
    )
    if not transition_needed(APPROVAL_ALLOWED, request.state, to):
        return request, False
    kind = approval_kind(request.kind)
    if kind is None and to in (State.APPROVED, State.REJECTED):
        # Nothing would apply the decision: refuse rather than record one that has no effect.
        raise ValidationError(f"Requests of the kind '{request.kind}' cannot be decided now.")
    before = _snapshot(request)
    extra = fields or {}
    request.state = to
    request.reason = reason
    request.decided_at = timezone.now()
    for name, value in extra.items():
        setattr(request, name, value)
    request.save(update_fields=["state", "reason", "decided_at", "updated_at", *extra])
    audit_record(
        actor=actor_user,
        verb=APPROVAL_VERBS[to],
        workspace=_audit_workspace(request, to),
        target=request,
        before=before,
        after=_snapshot(request),
    )
    if kind is not None:
        kind.decided(request=request, state=to, actor=actor_user)
    return request, True


def _locked_for_decision(*, actor: Membership, request_id: int, side: Side) -> ApprovalRequest:
    """The request, locked, if ``actor`` is on ``side`` (else 404, ``authz``'s answer)."""
    authz.approval_request_on_side(member=actor, request_id=request_id, side=side)
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_workspace", "deciding_workspace")
        .get(pk=request_id)
    )


def _still_open(request: ApprovalRequest, to: str) -> bool:
    """True to go on; False when ``to`` is already the state (a repeat: a no-op). Any other
    decision already taken is refused with what happened."""
    if request.state == to:
        return False
    if request.state != State.PROCESSING:
        raise ValidationError(
            f"This request was already {_DECIDED_WORDS[request.state]}; "
            "it can no longer be changed.",
            code="decided",
        )
    return True


def _decide(*, actor: Membership, request_id: int, to: str, reason: str) -> ApprovalRequest:
    request = _locked_for_decision(actor=actor, request_id=request_id, side=Side.DECIDING)
    authz.require(actor, Cap.DECIDE_APPROVALS)
    if request.requested_by_id == actor.user_id:
        raise ValidationError("You cannot decide a request you submitted.", code="self")
    if not _still_open(request, to):
        return request
    request, _ = approval_transition(
        actor_user=actor.user,
        request_id=request.pk,
        to=to,
        reason=reason,
        fields={"decided_by": actor.user},
    )
    return request


@transaction.atomic
def approval_approve(*, actor: Membership, request_id: int, note: str = "") -> ApprovalRequest:
    """Approve a processing request: ``actor`` is a decider (``Cap.DECIDE_APPROVALS``) of its
    deciding workspace and did not submit it. A repeat is a no-op; ``note`` is kept as the
    decider's words (``reason``)."""
    note = _text(note, field="note", label="The note")
    return _decide(actor=actor, request_id=request_id, to=State.APPROVED, reason=note)


@transaction.atomic
def approval_reject(*, actor: Membership, request_id: int, reason: str) -> ApprovalRequest:
    """Reject a processing request, saying why (required: the requester reads it). Same rules
    as :func:`approval_approve`."""
    reason = _text(reason, field="reason", label="The reason")
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return _decide(actor=actor, request_id=request_id, to=State.REJECTED, reason=reason)


@transaction.atomic
def approval_withdraw(*, actor: Membership, request_id: int) -> ApprovalRequest:
    """Withdraw a processing request from the requesting side: by the person who submitted it,
    or an Owner/Admin of the requesting workspace: those who manage its mini programs, the
    subjects of requests (``Cap.MANAGE_MINIPROGRAM`` through the role). A repeat is a no-op."""
    request = _locked_for_decision(actor=actor, request_id=request_id, side=Side.REQUESTING)
    is_admin = authz.has_role_cap(actor, Cap.MANAGE_MINIPROGRAM)
    if request.requested_by_id != actor.user_id and not is_admin:
        raise ValidationError(
            "Only the person who submitted this request, or an admin of the workspace, can "
            "withdraw it.",
            code="withdraw",
        )
    if not _still_open(request, State.WITHDRAWN):
        return request
    request, _ = approval_transition(
        actor_user=actor.user, request_id=request.pk, to=State.WITHDRAWN
    )
    return request


@transaction.atomic
def approval_cancel(*, actor_user: User | None, request_id: int, reason: str) -> ApprovalRequest:
    """Cancel a processing request because its subject went away (system or upper-app use:
    a mini program taken offline from a host app, a version deleted). No access check: the
    caller has decided. ``actor_user`` is ``None`` for the system. A repeat is a no-op."""
    reason = _text(reason, field="reason", label="The reason")
    if not reason:
        raise ValidationError({"reason": "Say why the request is cancelled."})
    request = (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_workspace", "deciding_workspace")
        .get(pk=request_id)
    )
    if not _still_open(request, State.CANCELLED):
        return request
    request, _ = approval_transition(
        actor_user=actor_user, request_id=request.pk, to=State.CANCELLED, reason=reason
    )
    return request
