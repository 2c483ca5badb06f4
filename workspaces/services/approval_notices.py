"""What an approval request tells the world, whatever its kind (release review, sensitive
JSAPI, skipping domain verification…): the ``approval.requested`` / ``approval.decided``
webhooks and the emails to the people concerned.

Called by each kind's services inside the transaction that opened or decided the request;
webhooks and emails go through the outbox, so nothing leaves before the commit and a rolled-back
transaction sends nothing. A kind supplies what is its own: the subject's JSON (under its key
in the event body), its email templates and their context.

* opened → ``approval.requested`` to the deciding workspace; an email to its deciders (the
  roles holding ``Cap.DECIDE_APPROVALS``) but the person who asked;
* approved or rejected → ``approval.decided`` to the requesting workspace; an email to the
  person who asked, while still an active member.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from console.tasks import email_enqueue
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApprovalRequest, Membership, User, Workspace
from workspaces.services.webhooks import webhook_emit

DECIDED = (ApprovalRequest.State.APPROVED, ApprovalRequest.State.REJECTED)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def approval_data(request: ApprovalRequest, *, subject_key: str, subject: Any) -> dict[str, Any]:
    """The JSON body of an ``approval.*`` event: the request, and its kind's subject under
    ``subject_key`` (``release``, ``jsapi_application``, ``domain_verification_skip``…)."""
    return {
        "approval_id": request.pk,
        "kind": request.kind,
        "state": str(request.state),
        "summary": request.summary,
        "requesting_workspace": request.requesting_workspace.name,
        "deciding_workspace": request.deciding_workspace.name,
        "requested_by": request.requested_by.email if request.requested_by else None,
        "decided_by": request.decided_by.email if request.decided_by else None,
        "notes": request.notes,
        "reason": request.reason,
        "created_at": _iso(request.created_at),
        "decided_at": _iso(request.decided_at),
        subject_key: subject,
    }


def active_members(workspace: Workspace, who: Q) -> list[User]:
    """Active accounts with an active membership of ``workspace`` matching ``who`` (a condition
    on that membership or the account), by email, each once."""
    active = Membership.Status.ACTIVE
    in_workspace = Q(memberships__workspace=workspace, memberships__status=active) & who
    return list(User.objects.filter(in_workspace, is_active=True).distinct().order_by("email"))


def deciders(*, workspace: Workspace, exclude_user_id: int | None = None) -> list[User]:
    """Who may decide the requests sent to ``workspace`` (by role), but ``exclude_user_id``."""
    roles = authz.roles_with(Cap.DECIDE_APPROVALS, workspace.kind)
    if not roles:
        return []
    people = active_members(workspace, Q(memberships__role__in=roles))
    return [user for user in people if user.pk != exclude_user_id]


def requester(*, request: ApprovalRequest) -> User | None:
    """The person who asked, if still an active member of the requesting workspace."""
    if request.requested_by_id is None:
        return None
    found = active_members(request.requesting_workspace, Q(pk=request.requested_by_id))
    return found[0] if found else None


def request_link(request: ApprovalRequest) -> str:
    """The request's page in the deciding workspace (absolute)."""
    path = reverse("workspaces:approval", args=[request.deciding_workspace.slug, request.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def email_send(*, template: str, recipients: Iterable[User], context: dict[str, Any]) -> int:
    """One email per address from ``template`` (a path without ``.txt``: its subject is
    ``<template>_subject.txt``); each gets ``recipient`` in its context. Returns how many were
    queued."""
    sent: set[str] = set()
    for user in recipients:
        address = user.email.strip().lower()
        if not address or address in sent:
            continue
        sent.add(address)
        personal = {**context, "recipient": user}
        subject = render_to_string(f"{template}_subject.txt", personal)
        email_enqueue(
            to=[user.email],
            subject=" ".join(subject.split()),
            body=render_to_string(f"{template}.txt", personal),
        )
    return len(sent)


def approval_requested_notify(
    *,
    request: ApprovalRequest,
    subject_key: str,
    subject: Any,
    template: str,
    context: dict[str, Any],
) -> int:
    """A request opened: ``approval.requested`` to the deciding workspace and an email
    (``template``) to its deciders but the person who asked. Returns the emails queued."""
    deciding = request.deciding_workspace
    data = approval_data(request, subject_key=subject_key, subject=subject)
    webhook_emit(workspace=deciding, event="approval.requested", data=data)
    people = deciders(workspace=deciding, exclude_user_id=request.requested_by_id)
    return email_send(template=template, recipients=people, context=context)


def approval_decided_notify(
    *,
    request: ApprovalRequest,
    subject_key: str,
    subject: Any,
    template: str,
    context: dict[str, Any],
) -> int:
    """A request approved or rejected (other ends say nothing): ``approval.decided`` to the
    requesting workspace and an email (``template``) to the person who asked. Returns the
    emails queued."""
    if request.state not in DECIDED:
        return 0
    data = approval_data(request, subject_key=subject_key, subject=subject)
    webhook_emit(workspace=request.requesting_workspace, event="approval.decided", data=data)
    person = requester(request=request)
    if person is None:
        return 0
    return email_send(template=template, recipients=[person], context=context)
