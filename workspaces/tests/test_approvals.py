"""Approvals: one generic request, one table, one door (services/approvals.py), kinds registered
by upper apps (extensions.register_approval_kind), rules in authz."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.http import Http404

from conftest import require_service
from workspaces import authz
from workspaces.auditlog import audit_sentence
from workspaces.authz import Cap, CapabilityDenied, Side
from workspaces.extensions import approval_kind, register_approval_kind, unregister_approval_kind
from workspaces.models import ApprovalRequest, AuditEvent, Membership, Workspace
from workspaces.selectors_approvals import (
    approval_list_requested,
    approval_list_to_decide,
    approval_pending_count,
)
from workspaces.services.approvals import (
    approval_approve,
    approval_cancel,
    approval_reject,
    approval_request_open,
    approval_transition,
    approval_withdraw,
)
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory, fresh
from workspaces.transitions import APPROVAL_ALLOWED, InvalidTransition

State = ApprovalRequest.State
Role = Membership.Role
KIND = "test_review"


@dataclass
class RecordingKind:
    """What the test kind's ``on_decided`` saw, and whether it should fail."""

    calls: list[tuple[int, str]] = field(default_factory=list)
    fail: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_decided(self, *, request: ApprovalRequest, state: str) -> None:
        with self.lock:
            self.calls.append((request.pk, state))
        if self.fail:
            raise RuntimeError("the upper app could not apply the decision")


@pytest.fixture
def kind():
    test_kind = RecordingKind()
    register_approval_kind(KIND, label="Test review", on_decided=test_kind.on_decided)
    yield test_kind
    unregister_approval_kind(KIND)


@pytest.fixture
def merchant(tenant):
    return WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Shop")


@pytest.fixture
def submitter(merchant):
    """A Developer of the merchant's workspace: who asks."""
    return MembershipFactory(workspace=merchant, role=Role.DEVELOPER)


@pytest.fixture
def reviewer(tenant):
    return MembershipFactory(workspace=tenant, role=Role.REVIEWER)


def open_request(actor, deciding, subject="thing:1", **extra) -> ApprovalRequest:
    return approval_request_open(
        actor=actor,
        kind=KIND,
        deciding_workspace=deciding,
        subject_key=subject,
        summary=extra.pop("summary", "Zeta Mall 1.2.0 to Acme Super App"),
        **extra,
    )


def audit_rows(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("pk"))


# --- the table and the capability ----------------------------------------------------------


def test_every_state_has_a_row_and_every_decision_is_final():
    assert set(APPROVAL_ALLOWED) == set(State.values)
    assert APPROVAL_ALLOWED[State.PROCESSING] == {
        State.APPROVED,
        State.REJECTED,
        State.WITHDRAWN,
        State.CANCELLED,
    }
    for state in State.values:
        if state != State.PROCESSING:
            assert APPROVAL_ALLOWED[state] == frozenset()


@pytest.mark.django_db
def test_owner_admin_and_reviewer_of_a_tenant_decide_nobody_in_a_developer_workspace(merchant):
    tenant_roles = authz.roles_with(Cap.DECIDE_APPROVALS, Workspace.Kind.TENANT)
    assert tenant_roles == [Role.OWNER, Role.ADMIN, Role.REVIEWER]
    assert authz.roles_with(Cap.DECIDE_APPROVALS, Workspace.Kind.DEVELOPER) == []
    merchant_owner = MembershipFactory(workspace=merchant, role=Role.OWNER)
    assert not authz.has_cap(merchant_owner, Cap.DECIDE_APPROVALS)


# --- open ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_request_is_processing_and_audited_in_the_requesters_log(
    kind, tenant, merchant, submitter
):
    request = open_request(submitter, tenant, notes="Please review.", payload={"version": 7})

    request.refresh_from_db()
    assert request.state == State.PROCESSING
    assert (request.requesting_workspace, request.deciding_workspace) == (merchant, tenant)
    assert request.requested_by == submitter.user and request.decided_by is None
    assert (request.notes, request.payload) == ("Please review.", {"version": 7})
    [row] = audit_rows("approval.open")
    assert (row.actor, row.workspace, row.target_id) == (submitter.user, merchant, str(request.pk))
    assert audit_sentence(row).endswith(
        "asked Acme Super App to approve “Zeta Mall 1.2.0 to Acme Super App”"
    )
    assert kind.calls == []


@pytest.mark.django_db
def test_a_kind_nobody_registered_is_refused(tenant, submitter):
    assert approval_kind(KIND) is None
    with pytest.raises(ValidationError, match="not a kind of request"):
        open_request(submitter, tenant)
    assert not ApprovalRequest.objects.exists()


@pytest.mark.django_db
def test_a_second_open_request_for_the_same_subject_is_refused_until_a_decision(
    kind, tenant, submitter, reviewer
):
    first = open_request(submitter, tenant)
    with pytest.raises(ValidationError, match="already waiting for a decision"):
        open_request(submitter, tenant)
    other_subject = open_request(submitter, tenant, subject="thing:2")
    assert other_subject.state == State.PROCESSING

    approval_reject(actor=reviewer, request_id=first.pk, reason="Crashes on start.")
    again = open_request(submitter, tenant)

    assert again.pk != first.pk and again.state == State.PROCESSING
    assert ApprovalRequest.objects.filter(subject_key="thing:1").count() == 2


# --- decide -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reviewer_approves_once_and_the_kind_applies_it(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)

    approved = approval_approve(actor=reviewer, request_id=request.pk, note="Looks good.")

    approved.refresh_from_db()
    assert approved.state == State.APPROVED
    assert (approved.decided_by, approved.reason) == (reviewer.user, "Looks good.")
    assert approved.decided_at is not None
    assert kind.calls == [(request.pk, State.APPROVED)]
    [row] = audit_rows("approval.approve")
    assert (row.actor, row.workspace) == (reviewer.user, tenant)
    assert (row.before["state"], row.after["state"]) == ("processing", "approved")
    assert audit_sentence(row).endswith("approved “Zeta Mall 1.2.0 to Acme Super App”")


@pytest.mark.django_db
def test_approving_twice_is_a_no_op(kind, tenant, submitter, reviewer, admin):
    request = open_request(submitter, tenant)
    approval_approve(actor=reviewer, request_id=request.pk)

    again = approval_approve(actor=reviewer, request_id=request.pk)
    by_another = approval_approve(actor=admin, request_id=request.pk)

    assert again.state == by_another.state == State.APPROVED
    assert by_another.decided_by_id == reviewer.user_id
    assert kind.calls == [(request.pk, State.APPROVED)]
    assert len(audit_rows("approval.approve")) == 1
    # The door itself: a same-state call changes nothing.
    assert (
        approval_transition(actor_user=None, request_id=request.pk, to=State.APPROVED)[1] is False
    )


@pytest.mark.django_db
def test_a_decided_request_cannot_be_decided_otherwise(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)
    approval_approve(actor=reviewer, request_id=request.pk)

    with pytest.raises(ValidationError, match="already approved"):
        approval_reject(actor=reviewer, request_id=request.pk, reason="Changed my mind.")
    with pytest.raises(ValidationError, match="already approved"):
        approval_withdraw(actor=submitter, request_id=request.pk)
    with pytest.raises(InvalidTransition):
        approval_transition(actor_user=None, request_id=request.pk, to=State.PROCESSING)
    assert ApprovalRequest.objects.get(pk=request.pk).state == State.APPROVED
    assert kind.calls == [(request.pk, State.APPROVED)]


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_keeps_it(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)

    with pytest.raises(ValidationError) as refused:
        approval_reject(actor=reviewer, request_id=request.pk, reason="   ")
    assert "reason" in refused.value.message_dict
    assert ApprovalRequest.objects.get(pk=request.pk).state == State.PROCESSING

    rejected = approval_reject(actor=reviewer, request_id=request.pk, reason="Crashes on start.")

    assert (rejected.state, rejected.reason) == (State.REJECTED, "Crashes on start.")
    assert kind.calls == [(request.pk, State.REJECTED)]
    [row] = audit_rows("approval.reject")
    assert row.workspace == tenant and row.after["reason"] == "Crashes on start."
    assert audit_sentence(row).endswith(": Crashes on start.")


@pytest.mark.django_db
def test_nobody_decides_a_request_they_submitted(kind, tenant, owner, admin, reviewer):
    # A tenant's own mini program released into its own host app: the tenant asks itself.
    for submitter, subject in ((reviewer, "thing:r"), (owner, "thing:o")):
        request = open_request(submitter, tenant, subject=subject)
        with pytest.raises(ValidationError, match="You cannot decide a request you submitted"):
            approval_approve(actor=submitter, request_id=request.pk)
        with pytest.raises(ValidationError, match="You cannot decide a request you submitted"):
            approval_reject(actor=submitter, request_id=request.pk, reason="No.")
        assert ApprovalRequest.objects.get(pk=request.pk).state == State.PROCESSING

        assert approval_approve(actor=admin, request_id=request.pk).state == State.APPROVED
    assert len(kind.calls) == 2


@pytest.mark.django_db
def test_a_developer_of_the_deciding_tenant_cannot_decide(kind, tenant, submitter):
    developer = MembershipFactory(workspace=tenant, role=Role.DEVELOPER)
    request = open_request(submitter, tenant)

    with pytest.raises(CapabilityDenied) as denied:
        approval_approve(actor=developer, request_id=request.pk)
    assert denied.value.cap == Cap.DECIDE_APPROVALS
    with pytest.raises(CapabilityDenied):
        approval_reject(actor=developer, request_id=request.pk, reason="No.")
    # The page's door says the same: visible (their workspace's side), but 403.
    with pytest.raises(CapabilityDenied):
        authz.access_approval_request(
            user=developer.user,
            workspace=tenant,
            request_id=request.pk,
            side=Side.DECIDING,
            cap=Cap.DECIDE_APPROVALS,
        )
    assert ApprovalRequest.objects.get(pk=request.pk).state == State.PROCESSING
    assert approval_list_to_decide(member=developer).count() == 0
    assert approval_pending_count(member=developer) == 0


@pytest.mark.django_db
def test_a_blocked_reviewer_cannot_decide(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)
    Membership.objects.filter(pk=reviewer.pk).update(status=Membership.Status.BLOCKED)

    with pytest.raises(Http404):
        approval_approve(actor=fresh(reviewer), request_id=request.pk)


@pytest.mark.django_db
def test_anyone_off_the_side_gets_404_as_for_a_missing_request(kind, tenant, merchant, submitter):
    request = open_request(submitter, tenant)
    other_tenant = WorkspaceFactory(kind=Workspace.Kind.TENANT, name="Other Super App")
    stranger = MembershipFactory(workspace=other_tenant, role=Role.OWNER)
    merchant_owner = MembershipFactory(workspace=merchant, role=Role.OWNER)

    for user, workspace, side in (
        (stranger.user, other_tenant, Side.DECIDING),
        (stranger.user, other_tenant, Side.REQUESTING),
        (stranger.user, tenant, Side.DECIDING),  # not a member of the deciding tenant
        (merchant_owner.user, merchant, Side.DECIDING),  # the asker is not a decider
    ):
        with pytest.raises(Http404):
            authz.access_approval_request(
                user=user, workspace=workspace, request_id=request.pk, side=side
            )
    with pytest.raises(Http404):
        authz.access_approval_request(
            user=stranger.user, workspace=other_tenant, request_id=10**9, side=Side.DECIDING
        )
    with pytest.raises(Http404):
        approval_approve(actor=stranger, request_id=request.pk)
    with pytest.raises(Http404):
        approval_approve(actor=merchant_owner, request_id=request.pk)
    with pytest.raises(Http404):
        approval_withdraw(actor=stranger, request_id=request.pk)

    seen, member = authz.access_approval_request(
        user=merchant_owner.user, workspace=merchant, request_id=request.pk, side=Side.REQUESTING
    )
    assert (seen.pk, member.pk) == (request.pk, merchant_owner.pk)
    assert ApprovalRequest.objects.get(pk=request.pk).state == State.PROCESSING
    assert approval_list_to_decide(member=stranger).count() == 0
    assert approval_list_requested(member=stranger).count() == 0


# --- withdraw and cancel ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_submitter_or_an_admin_of_the_requesting_workspace_withdraws(
    kind, tenant, merchant, submitter
):
    colleague = MembershipFactory(workspace=merchant, role=Role.DEVELOPER)
    merchant_admin = MembershipFactory(workspace=merchant, role=Role.ADMIN)
    mine = open_request(submitter, tenant, subject="thing:1")
    theirs = open_request(submitter, tenant, subject="thing:2")

    with pytest.raises(ValidationError, match="Only the person who submitted"):
        approval_withdraw(actor=colleague, request_id=mine.pk)
    withdrawn = approval_withdraw(actor=submitter, request_id=mine.pk)
    assert approval_withdraw(actor=submitter, request_id=mine.pk).state == State.WITHDRAWN
    by_admin = approval_withdraw(actor=merchant_admin, request_id=theirs.pk)

    assert withdrawn.state == by_admin.state == State.WITHDRAWN
    assert withdrawn.decided_by is None
    assert kind.calls == [(mine.pk, State.WITHDRAWN), (theirs.pk, State.WITHDRAWN)]
    rows = audit_rows("approval.withdraw")
    assert [(r.actor, r.workspace) for r in rows] == [
        (submitter.user, merchant),
        (merchant_admin.user, merchant),
    ]


@pytest.mark.django_db
def test_the_system_cancels_with_a_reason(kind, tenant, merchant, submitter, reviewer):
    request = open_request(submitter, tenant)

    with pytest.raises(ValidationError):
        approval_cancel(actor_user=None, request_id=request.pk, reason="")
    cancelled = approval_cancel(
        actor_user=None, request_id=request.pk, reason="The mini program was taken offline."
    )
    approval_cancel(actor_user=None, request_id=request.pk, reason="Again.")

    assert cancelled.state == State.CANCELLED
    assert kind.calls == [(request.pk, State.CANCELLED)]
    [row] = audit_rows("approval.cancel")
    assert (row.actor, row.workspace) == (None, merchant)
    assert audit_sentence(row).startswith("The system cancelled the request")
    with pytest.raises(ValidationError, match="already cancelled"):
        approval_approve(actor=reviewer, request_id=request.pk)


# --- the kind's effect is part of the decision -------------------------------------------------


@pytest.mark.django_db
def test_when_the_kind_fails_the_decision_is_rolled_back(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)
    kind.fail = True

    with pytest.raises(RuntimeError):
        approval_approve(actor=reviewer, request_id=request.pk)

    request.refresh_from_db()
    assert (request.state, request.decided_by, request.decided_at) == (
        State.PROCESSING,
        None,
        None,
    )
    assert audit_rows("approval.approve") == []
    kind.fail = False
    assert approval_approve(actor=reviewer, request_id=request.pk).state == State.APPROVED
    assert kind.calls == [(request.pk, State.APPROVED), (request.pk, State.APPROVED)]
    assert len(audit_rows("approval.approve")) == 1


# --- the hub's lists --------------------------------------------------------------------------


@pytest.mark.django_db
def test_lists_are_scoped_by_side_filtered_and_counted(kind, tenant, merchant, submitter, reviewer):
    a = open_request(submitter, tenant, subject="thing:1")
    b = open_request(submitter, tenant, subject="thing:2")
    own = open_request(reviewer, tenant, subject="thing:3")  # the tenant asks itself
    approval_reject(actor=reviewer, request_id=b.pk, reason="No.")

    assert list(approval_list_to_decide(member=reviewer)) == [own, b, a]
    assert list(approval_list_to_decide(member=reviewer, state=State.PROCESSING)) == [own, a]
    assert list(approval_list_to_decide(member=reviewer, kind="other")) == []
    assert list(approval_list_requested(member=submitter)) == [b, a]
    assert list(approval_list_requested(member=reviewer)) == [own]
    colleague = MembershipFactory(workspace=merchant, role=Role.DEVELOPER)
    assert list(approval_list_requested(member=colleague, mine_only=True)) == []
    assert approval_list_to_decide(member=submitter).count() == 0
    # Waiting for the reviewer: ``a`` only (``b`` is decided, ``own`` is theirs).
    assert approval_pending_count(member=reviewer) == 1


@pytest.mark.django_db
def test_hub_lists_take_the_same_queries_for_1_and_50_rows(
    kind, tenant, submitter, reviewer, django_assert_num_queries
):
    def read_lists() -> None:
        for rows in (
            approval_list_to_decide(member=reviewer),
            approval_list_requested(member=submitter),
        ):
            for row in rows:
                # What a list row shows.
                assert row.requesting_workspace.name and row.deciding_workspace.name
                assert row.requested_by is not None
                _ = row.decided_by

    open_request(submitter, tenant, subject="thing:0")
    with django_assert_num_queries(2):
        read_lists()
    for n in range(1, 50):
        request = open_request(submitter, tenant, subject=f"thing:{n}")
        if n % 2:
            approval_approve(actor=reviewer, request_id=request.pk)
    with django_assert_num_queries(2):
        read_lists()


# --- fifty clicks at once (PostgreSQL: real row locks) ---------------------------------------


def test_fifty_concurrent_approvals_make_one_transition(request_factory_db):
    kind, request_id, reviewer_id = request_factory_db
    threads_count = 50
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            member = Membership.objects.select_related("workspace", "user").get(pk=reviewer_id)
            barrier.wait(timeout=60)
            approval_approve(actor=member, request_id=request_id)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ApprovalRequest.objects.get(pk=request_id).state == State.APPROVED
    assert kind.calls == [(request_id, State.APPROVED)]
    assert AuditEvent.objects.filter(verb="approval.approve").count() == 1


@pytest.fixture
def request_factory_db(transactional_db, kind):
    """An open request and a reviewer, committed (threads read them through their own
    connections). Row locks are what is tested: SQLite serialises writers instead."""
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "concurrent row locks need it (set DATABASE_URL to postgres://…)"
        )
    tenant = WorkspaceFactory(kind=Workspace.Kind.TENANT, name="Acme Super App")
    merchant = WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant)
    submitter = MembershipFactory(workspace=merchant, role=Role.DEVELOPER)
    reviewer = MembershipFactory(workspace=tenant, role=Role.REVIEWER)
    request = open_request(submitter, tenant)
    return kind, request.pk, reviewer.pk
