"""What a resolve remembers per snapshot (issue 11, performance): grayscale admissions (a member
stays a member) and each mini program's language choice — and that neither changes an answer."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from releases.grayscale.services import TaskInput, grayscale_task_create
from releases.release.services import release_submit
from releases.runtime import revision, views
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


def test_an_admitted_user_is_not_asked_for_again_and_a_refused_one_is(
    client, owner, world, tick, monkeypatch, django_capture_on_commit_callbacks
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
        ),
    )
    tick()
    asked: list[tuple[int, str, int]] = []
    real_admit = views.grayscale_admit

    def counting(task_id: int, user_key: str, max_users: int) -> bool:
        asked.append((task_id, user_key, max_users))
        return real_admit(task_id, user_key, max_users)

    monkeypatch.setattr(views, "grayscale_admit", counting)

    def launch(account: str) -> str:
        payload = body(world.shop.app_id, environment=SANDBOX, user_account=account)
        return only_result(resolve(client, world.wallet, world.wallet_secret, payload))["source"]

    assert [launch("alice") for _ in range(3)] == ["grayscale"] * 3
    assert [launch("bob") for _ in range(2)] == ["online"] * 2  # the limit of 1 is reached
    users = [user for _t, user, _m in asked]
    assert users.count("alice") == 1  # admitted once, then remembered
    assert users.count("bob") == 2  # a refusal is asked again
    assert revision.runtime_snapshot().admitted == {(task.pk, asked[0][1], 1)}


def test_the_language_choice_is_remembered_and_the_same_as_without(client, world):
    def launch(language: str) -> dict:
        payload = body(world.shop.app_id, language=language)
        return only_result(resolve(client, world.wallet, world.wallet_secret, payload))["profile"]

    first = {lang: launch(lang) for lang in ("zh-CN", "zh", "en-GB", "fr", "")}
    assert first["zh-CN"]["language"] == first["zh"]["language"] == "zh-Hans"
    assert first["en-GB"]["language"] == first["fr"]["language"] == first[""]["language"]
    (program,) = [link.program for link in revision.runtime_snapshot().links.values()][:1]
    assert set(program.picked) == {"zh-CN", "zh", "en-GB", "fr", ""}
    assert {lang: launch(lang) for lang in first} == first  # from the memory: the same answers
