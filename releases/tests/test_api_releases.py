"""The releases API: the targets matrix, submit, withdraw, publish, rollback and a target's
history, through the HTTP client (issue 10). The rules are the services' (tested in
test_release_services.py); these tests check who reaches what, the answers and the journey."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from miniprograms.models import MiniProgram
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget, Version
from releases.release.services import TWO_ROLLBACKS
from releases.tests.factories import upload_version
from workspaces.models import Membership, User, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

S = Release.State


def ready_version(actor: Membership, mp: MiniProgram, number: str) -> Version:
    """A version through the upload service, then marked ready (the pipeline is tested
    elsewhere)."""
    version = upload_version(actor, mp, number)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(mp: MiniProgram) -> str:
    return f"/api/v1/workspaces/{mp.workspace.slug}/miniprograms/{mp.app_id}"


def submit(user: User, mp: MiniProgram, number: str, host_app_ids: list[int], env: str):
    return api(user).post(
        f"{base(mp)}/versions/{number}/releases",
        {"host_app_ids": host_app_ids, "environment": env, "notes": "Spring sale"},
        format="json",
    )


@pytest.fixture
def wallet(owner):
    app, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return app


@pytest.fixture
def shop(owner, wallet):
    return create_miniprogram(owner, host_app_ids=[wallet.pk])


@pytest.fixture
def merchant(tenant):
    workspace = WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Shop")
    return MembershipFactory(workspace=workspace, role="owner")


def test_an_assigned_developer_submits_and_other_roles_and_workspaces_do_not(
    owner, tenant, wallet, shop
):
    version = ready_version(owner, shop, "1.0.0")
    developer = MembershipFactory(workspace=tenant, role="developer")
    unassigned = MembershipFactory(workspace=tenant, role="developer")
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=developer.user_id)
    third = workspace_create(owner=UserFactory(), name="Third Co", kind="tenant")
    stranger = Membership.objects.get(workspace=third)

    assert submit(reviewer.user, shop, "1.0.0", [wallet.pk], "test").status_code == 403
    assert submit(unassigned.user, shop, "1.0.0", [wallet.pk], "test").status_code == 404
    assert submit(stranger.user, shop, "1.0.0", [wallet.pk], "test").status_code == 404
    assert not Release.objects.exists()

    response = submit(developer.user, shop, "1.0.0", [wallet.pk], "test")

    assert response.status_code == 201, response.content
    [body] = response.json()
    assert (body["state"], body["version"], body["notes"]) == ("approved", "1.0.0", "Spring sale")
    assert body["submitted_by"]["email"] == developer.user.email
    assert body["approval_request_id"] is None
    assert Release.objects.get().version == version
    # A stranger reads nothing of it either.
    assert api(stranger.user).get(f"{base(shop)}/releases").status_code == 404


def test_a_service_refusal_is_a_400_with_its_sentence(owner, wallet, shop):
    ready_version(owner, shop, "1.0.0")
    assert submit(owner.user, shop, "1.0.0", [wallet.pk], "test").status_code == 201

    again = submit(owner.user, shop, "1.0.0", [wallet.pk], "test")
    unknown = submit(owner.user, shop, "1.0.0", [wallet.pk + 999], "test")
    bad_env = submit(owner.user, shop, "1.0.0", [wallet.pk], "moon")
    missing = submit(owner.user, shop, "9.9.9", [wallet.pk], "test")

    assert again.status_code == 400
    assert "already has a release in progress" in again.json()["error"]["message"]
    assert unknown.status_code == 400 and "host_app_ids" in unknown.json()["error"]["fields"]
    assert bad_env.status_code == 400 and "environment" in bad_env.json()["error"]["fields"]
    assert missing.status_code == 404
    assert Release.objects.count() == 1


def test_releases_and_targets_are_found_only_inside_their_mini_program(owner, wallet, shop):
    other = create_miniprogram(owner, name="Other Shop", host_app_ids=[wallet.pk])
    ready_version(owner, shop, "1.0.0")
    [body] = submit(owner.user, shop, "1.0.0", [wallet.pk], "test").json()
    target_id = body["target_id"]
    client = api(owner.user)

    assert client.post(f"{base(other)}/releases/{body['id']}/publish").status_code == 404
    assert client.get(f"{base(other)}/targets/{target_id}/history").status_code == 404
    assert client.post(f"{base(other)}/targets/{target_id}/rollback", {}).status_code == 404
    assert client.post(f"{base(other)}/releases/{body['id']}/withdraw").status_code == 404
    assert Release.objects.get().state == S.APPROVED


def test_withdraw_a_production_release_under_review(owner, wallet, shop):
    ready_version(owner, shop, "1.0.0")
    [body] = submit(owner.user, shop, "1.0.0", [wallet.pk], "production").json()
    assert body["state"] == "under_review" and body["approval_request_id"]

    response = api(owner.user).post(f"{base(shop)}/releases/{body['id']}/withdraw")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    again = api(owner.user).post(f"{base(shop)}/releases/{body['id']}/withdraw")
    assert again.status_code == 200 and again.json()["state"] == "withdrawn"


def test_a_developer_cannot_publish_or_roll_back(owner, tenant, wallet, shop):
    developer = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=developer.user_id)
    ready_version(owner, shop, "1.0.0")
    [body] = submit(developer.user, shop, "1.0.0", [wallet.pk], "test").json()
    client = api(developer.user)

    published = client.post(f"{base(shop)}/releases/{body['id']}/publish")
    rolled = client.post(f"{base(shop)}/targets/{body['target_id']}/rollback", {}, format="json")

    assert published.status_code == rolled.status_code == 403
    assert "miniprograms.manage_miniprogram" in published.json()["error"]["message"]
    assert Release.objects.get().state == S.APPROVED


def online_of(client: APIClient, mp: MiniProgram) -> dict[str, Any]:
    response = client.get(f"{base(mp)}/releases")
    assert response.status_code == 200, response.content
    [target] = [t for t in response.json()["results"] if t["environment"] == "production"]
    return target


def test_the_journey_merchant_submits_tenant_reviews_merchant_publishes_and_rolls_back(
    owner, tenant, wallet, merchant
):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    mp = create_miniprogram(merchant, host_app_ids=[wallet.pk])
    ready_version(merchant, mp, "1.0.0")
    ready_version(merchant, mp, "1.1.0")
    client = api(merchant.user)
    hub = f"/api/v1/workspaces/{tenant.slug}/approvals"

    def release(number: str) -> dict[str, Any]:
        response = submit(merchant.user, mp, number, [wallet.pk], "production")
        assert response.status_code == 201, response.content
        [body] = response.json()
        assert body["state"] == "under_review"
        # The merchant cannot decide its own request: it is not on the deciding side.
        own_hub = f"/api/v1/workspaces/{mp.workspace.slug}/approvals"
        request_id = body["approval_request_id"]
        assert client.post(f"{own_hub}/{request_id}/approve", {}).status_code == 404
        # The tenant's reviewer finds it in the hub and approves it.
        listed = api(reviewer.user).get(hub, {"state": "processing"}).json()["results"]
        assert [r["id"] for r in listed] == [request_id]
        approved = api(reviewer.user).post(
            f"{hub}/{request_id}/approve", {"note": "Looks good"}, format="json"
        )
        assert approved.status_code == 200, approved.content
        assert approved.json()["state"] == "approved"
        published = client.post(f"{base(mp)}/releases/{body['id']}/publish")
        assert published.status_code == 200, published.content
        assert published.json()["state"] == "released"
        return body

    first = release("1.0.0")
    target = online_of(client, mp)
    assert (target["host_app"]["name"], target["online"]["version"]) == ("Acme Wallet", "1.0.0")
    assert target["open_release"] is None and target["id"] == first["target_id"]

    release("1.1.0")
    assert online_of(client, mp)["online"]["version"] == "1.1.0"

    rollback = client.post(
        f"{base(mp)}/targets/{target['id']}/rollback", {"note": "Crash on start"}, format="json"
    )
    assert rollback.status_code == 201, rollback.content
    assert (rollback.json()["kind"], rollback.json()["version"]) == ("rollback", "1.0.0")
    assert online_of(client, mp)["online"]["version"] == "1.0.0"

    twice = client.post(f"{base(mp)}/targets/{target['id']}/rollback", {}, format="json")
    assert twice.status_code == 400
    assert twice.json()["error"]["message"] == TWO_ROLLBACKS

    history = client.get(f"{base(mp)}/targets/{target['id']}/history")
    assert history.status_code == 200
    assert [(r["kind"], r["state"], r["version"]) for r in history.json()["results"]] == [
        ("rollback", "released", "1.0.0"),
        ("full", "archived", "1.1.0"),
        ("full", "archived", "1.0.0"),
    ]
    assert ReleaseTarget.objects.count() == 1
