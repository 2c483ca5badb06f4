"""The approvals hub API: lists by box, one request, approve / reject / withdraw, each found
only from a side of it the caller's workspace is on (issue 10). The rules are the services'
(test_approvals.py); these tests check who reaches what and the answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from workspaces.extensions import register_approval_kind, unregister_approval_kind
from workspaces.models import ApprovalRequest, Membership, User, Workspace
from workspaces.services.approvals import approval_request_open
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

State = ApprovalRequest.State
KIND = "api_test_review"


@pytest.fixture
def kind():
    decided: list[tuple[int, str]] = []

    def on_decided(*, request: ApprovalRequest, state: str) -> None:
        decided.append((request.pk, state))

    register_approval_kind(KIND, label="API test review", on_decided=on_decided)
    yield decided
    unregister_approval_kind(KIND)


@pytest.fixture
def tenant(db) -> Workspace:
    return WorkspaceFactory(kind=Workspace.Kind.TENANT, name="Acme", slug="acme")


@pytest.fixture
def merchant(tenant) -> Workspace:
    return WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta", slug="zeta")


@pytest.fixture
def submitter(merchant) -> Membership:
    return MembershipFactory(workspace=merchant, role="developer")


@pytest.fixture
def reviewer(tenant) -> Membership:
    return MembershipFactory(workspace=tenant, role="reviewer")


def open_request(actor: Membership, deciding: Workspace, subject: str = "thing:1"):
    return approval_request_open(
        actor=actor,
        kind=KIND,
        deciding_workspace=deciding,
        subject_key=subject,
        summary=f"Zeta Mall for {subject}",
        notes="Please",
    )


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def hub(workspace: Workspace) -> str:
    return f"/api/v1/workspaces/{workspace.slug}/approvals"


def test_the_boxes_list_each_side_newest_first(kind, tenant, merchant, submitter, reviewer):
    first = open_request(submitter, tenant, "thing:1")
    second = open_request(submitter, tenant, "thing:2")
    developer = MembershipFactory(workspace=tenant, role="developer")

    to_decide = api(reviewer.user).get(hub(tenant))
    requested = api(submitter.user).get(hub(merchant), {"box": "requested"})
    not_a_decider = api(developer.user).get(hub(tenant), {"box": "to_decide"})
    merchant_to_decide = api(submitter.user).get(hub(merchant))

    assert to_decide.status_code == requested.status_code == 200
    assert [r["id"] for r in to_decide.json()["results"]] == [second.pk, first.pk]
    assert [r["id"] for r in requested.json()["results"]] == [second.pk, first.pk]
    row = to_decide.json()["results"][0]
    assert row["sides"] == ["deciding"] and row["kind_label"] == "API test review"
    assert row["requesting_workspace"] == {"slug": "zeta", "name": "Zeta"}
    assert not_a_decider.json()["count"] == merchant_to_decide.json()["count"] == 0


def test_filters_by_state_and_kind_and_refuses_a_bad_box(kind, tenant, submitter, reviewer):
    open_request(submitter, tenant, "thing:1")
    client = api(reviewer.user)

    assert client.get(hub(tenant), {"state": "processing"}).json()["count"] == 1
    assert client.get(hub(tenant), {"state": "approved"}).json()["count"] == 0
    assert client.get(hub(tenant), {"kind": "other_kind"}).json()["count"] == 0
    bad = client.get(hub(tenant), {"box": "everything"})
    assert bad.status_code == 400 and "box" in bad.json()["error"]["fields"]


def test_one_request_is_read_from_either_side_and_by_nobody_else(
    kind, tenant, merchant, submitter, reviewer
):
    request = open_request(submitter, tenant)
    third = WorkspaceFactory(kind=Workspace.Kind.TENANT, slug="third")
    stranger = MembershipFactory(workspace=third, role="owner")
    developer = MembershipFactory(workspace=tenant, role="developer")

    assert api(reviewer.user).get(f"{hub(tenant)}/{request.pk}").status_code == 200
    mine = api(submitter.user).get(f"{hub(merchant)}/{request.pk}")
    assert mine.status_code == 200 and mine.json()["sides"] == ["requesting"]
    # The other side's slug, a third workspace, a non-decider of the deciding side.
    assert api(submitter.user).get(f"{hub(tenant)}/{request.pk}").status_code == 404
    assert api(stranger.user).get(f"{hub(third)}/{request.pk}").status_code == 404
    assert api(stranger.user).get(f"{hub(tenant)}/{request.pk}").status_code == 404
    assert api(developer.user).get(f"{hub(tenant)}/{request.pk}").status_code == 403


def test_the_tenant_reviewer_approves_and_the_requester_cannot(
    kind, tenant, merchant, submitter, reviewer
):
    request = open_request(submitter, tenant)
    developer = MembershipFactory(workspace=tenant, role="developer")

    assert api(submitter.user).post(f"{hub(merchant)}/{request.pk}/approve").status_code == 404
    assert api(developer.user).post(f"{hub(tenant)}/{request.pk}/approve").status_code == 403
    assert kind == []

    response = api(reviewer.user).post(
        f"{hub(tenant)}/{request.pk}/approve", {"note": "Fine"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["reason"]) == ("approved", "Fine")
    assert body["decided_by"]["email"] == reviewer.user.email
    assert kind == [(request.pk, "approved")]


def test_a_tenant_asking_itself_cannot_decide_its_own_request(kind, tenant):
    owner = MembershipFactory(workspace=tenant, role="owner")
    request = open_request(owner, tenant)

    response = api(owner.user).post(f"{hub(tenant)}/{request.pk}/approve")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "You cannot decide a request you submitted."
    assert ApprovalRequest.objects.get().state == State.PROCESSING


def test_reject_needs_a_reason(kind, tenant, submitter, reviewer):
    request = open_request(submitter, tenant)
    url = f"{hub(tenant)}/{request.pk}/reject"
    client = api(reviewer.user)

    missing = client.post(url, {}, format="json")
    blank = client.post(url, {"reason": "  "}, format="json")

    assert missing.status_code == blank.status_code == 400
    assert "reason" in missing.json()["error"]["fields"]
    assert "reason" in blank.json()["error"]["fields"]
    assert ApprovalRequest.objects.get().state == State.PROCESSING

    rejected = client.post(url, {"reason": "The icon is blurry."}, format="json")
    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["reason"]) == (
        "rejected",
        "The icon is blurry.",
    )
    again = client.post(f"{hub(tenant)}/{request.pk}/approve", {}, format="json")
    assert again.status_code == 400 and "already rejected" in again.json()["error"]["message"]


def test_the_requester_withdraws_and_the_decider_cannot(
    kind, tenant, merchant, submitter, reviewer
):
    request = open_request(submitter, tenant)

    assert api(reviewer.user).post(f"{hub(tenant)}/{request.pk}/withdraw").status_code == 404
    response = api(submitter.user).post(f"{hub(merchant)}/{request.pk}/withdraw")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    assert kind == [(request.pk, "withdrawn")]


def test_the_list_costs_the_same_queries_for_one_row_and_twenty(kind, tenant, submitter, reviewer):
    client = api(reviewer.user)
    open_request(submitter, tenant, "thing:0")
    with CaptureQueriesContext(connection) as one:
        assert client.get(hub(tenant)).json()["count"] == 1
    for i in range(1, 20):
        open_request(MembershipFactory(workspace=submitter.workspace), tenant, f"thing:{i}")
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(hub(tenant)).json()["count"] == 20

    assert len(twenty) == len(one)
