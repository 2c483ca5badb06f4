"""The runtime API serves grayscale versions through the one targeting function (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from releases.grayscale.services import TaskInput, grayscale_task_create, grayscale_task_suspend
from releases.release.services import release_submit
from releases.tests import runtime_world
from releases.tests.runtime_world import (
    SANDBOX,
    body,
    built_version,
    only_result,
    release_online,
    resolve,
)

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def test_two_devices_get_two_versions_and_the_limit_holds(
    client, owner, world, tick, django_capture_on_commit_callbacks
):
    release_online(world, world.v1, world.wallet, SANDBOX)
    v2 = built_version(owner, world.shop, "1.1.0", django_capture_on_commit_callbacks)
    (approved,) = release_submit(
        actor=owner, version=v2, host_app_ids=[world.wallet.pk], environment=SANDBOX
    )
    now = timezone.now()
    task = grayscale_task_create(
        actor=owner,
        target=approved.target,
        version=v2,
        data=TaskInput(
            name="Early birds",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            max_users=1,
            accounts="alice\nbob",
            platforms={"android": ["12", ""]},
        ),
    )

    def launch(account, platform="android", os_version="14"):
        payload = body(
            world.shop.app_id,
            environment=SANDBOX,
            user_account=account,
            platform=platform,
            os_version=os_version,
        )
        return only_result(resolve(client, world.wallet, world.wallet_secret, payload))

    alice = launch("alice")
    assert (alice["version"], alice["source"]) == ("1.1.0", "grayscale")
    assert alice["artifact"]["sha256"] == v2.artifacts.get(kind="main").sha256
    assert launch("carol")["version"] == "1.0.0"  # not on the list
    assert launch("alice", os_version="11")["source"] == "online"  # Android 12 and up only
    assert launch("bob")["source"] == "online"  # on the list, but the limit of 1 is reached
    assert launch("alice")["source"] == "grayscale"  # once admitted, stays in the cohort

    grayscale_task_suspend(actor=owner, task_id=task.pk)
    tick()
    assert launch("alice")["source"] == "online"
