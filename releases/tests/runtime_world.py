"""A small world for the runtime API tests: a tenant with two host apps (and their SDK secrets),
a mini program online on one of them, and helpers that call ``POST /runtime/v1/resolve``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from miniprograms.models import MiniProgram
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget, Version
from releases.release.services import release_publish, release_submit
from releases.runtime import revision
from releases.tests.factories import upload_version
from workspaces.models import HostApp, Membership
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory

PROD = ReleaseTarget.Environment.PRODUCTION
SANDBOX = ReleaseTarget.Environment.SANDBOX
RESOLVE = "/runtime/v1/resolve"


@dataclass
class World:
    owner: Membership
    reviewer: Membership
    wallet: HostApp
    wallet_secret: str
    go: HostApp
    go_secret: str
    shop: MiniProgram
    v1: Version


def built_version(owner: Membership, mp: MiniProgram, number: str, capture: Any) -> Version:
    """A version through upload, scan and build (real artifacts: complete, main, subpackage)."""
    version = upload_version(owner, mp, number, capture=capture)
    assert version.status == Version.Status.READY, version.failure_code
    return version


def release_online(
    world: World, version: Version, app: HostApp, environment: str = PROD
) -> Release:
    (release,) = release_submit(
        actor=world.owner, version=version, host_app_ids=[app.pk], environment=environment
    )
    if release.approval_id:
        approval_approve(actor=world.reviewer, request_id=release.approval_id)
    return release_publish(actor=world.owner, release_id=release.pk)


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """Each test starts without a snapshot (the process-wide one would outlive its rows)."""
    revision.runtime_snapshot_forget()
    yield
    revision.runtime_snapshot_forget()


@pytest.fixture
def tick(monkeypatch):
    """Freeze the snapshot's clock; ``tick()`` moves it on by one check interval (the window
    within which every process sees a committed change)."""
    now = [1000.0]
    monkeypatch.setattr(revision, "clock", lambda: now[0])

    def advance() -> None:
        now[0] += revision.CHECK_SECONDS

    return advance


@pytest.fixture
def world(owner, tenant, django_capture_on_commit_callbacks) -> World:
    wallet, wallet_secret = host_app_create(
        actor=owner, name="Acme Wallet", platforms={"android": "a.w"}
    )
    go, go_secret = host_app_create(actor=owner, name="Acme Go", platforms={"ios": "a.go"})
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    shop = create_miniprogram(
        owner,
        host_app_ids=[wallet.pk, go.pk],
        name="Shop",
        languages=[
            {
                "language": "zh-Hans",
                "name": "商店",
                "tagline": "提前下单，无需排队等候",
                "description": "提前在线订购咖啡和糕点，到店即可直接取走，无需排队等候。",
            }
        ],
    )
    world = World(
        owner=owner,
        reviewer=reviewer,
        wallet=wallet,
        wallet_secret=wallet_secret,
        go=go,
        go_secret=go_secret,
        shop=shop,
        v1=built_version(owner, shop, "1.0.0", django_capture_on_commit_callbacks),
    )
    release_online(world, world.v1, wallet)
    return world


def headers(app: HostApp, secret: str) -> dict[str, str]:
    return {"HTTP_X_MPP_APP_KEY": app.app_key, "HTTP_AUTHORIZATION": f"Bearer {secret}"}


def body(*app_ids: str, environment: str = PROD, **context: Any) -> bytes:
    return orjson.dumps(
        {
            "environment": environment,
            "context": context,
            "miniprograms": [
                item if isinstance(item, dict) else {"app_id": item} for item in app_ids
            ],
        }
    )


def resolve(client, app: HostApp, secret: str, payload: bytes, **extra: str):
    return client.post(
        RESOLVE, data=payload, content_type="application/json", **headers(app, secret), **extra
    )


def only_result(response) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    (result,) = orjson.loads(response.content)["results"]
    return result
