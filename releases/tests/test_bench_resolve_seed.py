"""The seeding of bench/resolve.py, run with tiny sizes so it cannot rot (bench/ is not under
pytest's testpaths, and the benchmark itself is never timed by a test)."""

from __future__ import annotations

import random

import orjson

from bench.resolve import ENVIRONMENTS, request_pool, seed, seed_miniprograms
from miniprograms.models import MiniProgram, MiniProgramHostApp
from releases.models import (
    Artifact,
    GrayscaleTargetList,
    GrayscaleTask,
    Release,
    ReleaseTarget,
    Version,
)
from workspaces import keys
from workspaces.models import HostApp


def test_seed_makes_the_rows_the_benchmark_needs(db):
    seeded = seed(miniprograms=3, host_apps=2, grayscale_tasks=2, list_size=5)

    assert len(seeded.app_ids) == 3
    assert MiniProgram.objects.filter(app_id__in=seeded.app_ids).count() == 3
    assert MiniProgramHostApp.objects.filter(miniprogram__app_id__in=seeded.app_ids).count() == 6
    assert Version.objects.filter(miniprogram__app_id__in=seeded.app_ids).count() == 6
    assert Artifact.objects.filter(version__miniprogram__app_id__in=seeded.app_ids).count() == 30
    assert ReleaseTarget.objects.filter(miniprogram__app_id__in=seeded.app_ids).count() == 24
    online = Release.objects.filter(
        target__miniprogram__app_id__in=seeded.app_ids, state=Release.State.RELEASED
    )
    assert online.count() == 24
    assert set(
        online.filter(target__environment="production").values_list("version__number", flat=True)
    ) == {"1.0.0"}
    assert set(
        online.exclude(target__environment="production").values_list("version__number", flat=True)
    ) == {"1.1.0"}

    # The SDK credentials work against the stored hashes.
    assert len(seeded.host_apps) == 2
    for pk, app_key, secret in seeded.host_apps:
        app = HostApp.objects.get(pk=pk)
        assert app.app_key == app_key
        assert keys.keyed_hash_matches(secret, app.secret_hash)

    # Grayscale: delivering tasks offering 1.1.0 in production, the first with an account list.
    tasks = GrayscaleTask.objects.order_by("id")
    assert tasks.count() == 2
    assert {t.state for t in tasks} == {GrayscaleTask.State.DELIVERING}
    assert {t.version.number for t in tasks} == {"1.1.0"}
    assert {t.target.environment for t in tasks} == {"production"}
    assert set(seeded.grayscale_app_ids) == {t.target.miniprogram.app_id for t in tasks}
    accounts = GrayscaleTargetList.objects.get(task=tasks[0])
    assert accounts.kind == GrayscaleTargetList.Kind.ACCOUNT
    assert accounts.count == len(accounts.value_set()) > 0
    assert seeded.grayscale.startswith("grayscale: 2 delivering tasks, 1 with 5-account lists")
    # The pool's listed users are on the list of their program's task.
    assert seeded.listed
    task_app_id = tasks[0].target.miniprogram.app_id
    assert {app_id for app_id, _account in seeded.listed} == {task_app_id}
    assert {account for _app_id, account in seeded.listed} <= accounts.value_set()


def test_more_miniprograms_can_be_added_for_the_snapshot_measurement(db):
    seeded = seed(miniprograms=2, host_apps=1, grayscale_tasks=0, list_size=1)
    workspace_id = MiniProgram.objects.get(app_id=seeded.app_ids[0]).workspace_id

    added = seed_miniprograms(
        workspace_id=workspace_id,
        host_app_ids=[seeded.host_apps[0][0]],
        count=3,
        start=len(seeded.app_ids),
        batch=2,
    )

    assert len(set(seeded.app_ids + added)) == 5
    assert ReleaseTarget.objects.filter(miniprogram__workspace_id=workspace_id).count() == 5 * len(
        ENVIRONMENTS
    )


def test_request_pool_varies_the_launches(db):
    seeded = seed(miniprograms=25, host_apps=2, grayscale_tasks=3, list_size=3)

    pool = request_pool(seeded, size=30, rng=random.Random(1))

    bodies = [orjson.loads(body) for _key, _secret, body in pool]
    assert {key for key, _secret, _body in pool} == {key for _pk, key, _s in seeded.host_apps}
    assert all(len(b["miniprograms"]) == 20 for b in bodies)
    assert all({m["app_id"] for m in b["miniprograms"]} <= set(seeded.app_ids) for b in bodies)
    assert all(
        set(seeded.grayscale_app_ids) & {m["app_id"] for m in b["miniprograms"]} for b in bodies
    )
    # Some launches are by a user on the account list of a program they ask for.
    pairs = set(seeded.listed)
    assert any(
        (m["app_id"], b["context"]["user_account"]) in pairs
        for b in bodies
        for m in b["miniprograms"]
    )
    assert len({b["context"]["device_id"] for b in bodies}) > 1
    assert len({b["context"]["platform"] for b in bodies}) > 1
