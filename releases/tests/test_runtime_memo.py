"""What a resolve remembers per snapshot (issue 11, performance): grayscale admissions (a member
stays a member), each mini program's language choice and the signed answers — and that none of
them changes an answer."""

from __future__ import annotations

import random
from datetime import timedelta

import orjson
from django.utils import timezone

from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.services.members import miniprogram_testers_add
from releases.grayscale.services import TaskInput, grayscale_task_create
from releases.models import Release
from releases.release.services import release_submit
from releases.review.preview import preview_token_make
from releases.runtime import revision, signing, views
from releases.services.trial import trial_configure, version_pages
from releases.tests import runtime_world
from releases.tests.runtime_world import (
    PROD,
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
    links = revision.runtime_snapshot().links[world.wallet.pk]
    program = links[world.shop.app_id].program
    assert set(program.picked) == {"zh-CN", "zh", "en-GB", "fr", ""}
    assert {lang: launch(lang) for lang in first} == first  # from the memory: the same answers


# --- the signed answers (``views._memo``) --------------------------------------------------------


def _signed_ok(response) -> bytes:
    assert response.status_code == 200, response.content
    key = signing.signing_key()
    assert response[signing.KEY_ID_HEADER] == key.key_id
    assert signing.verify(response.content, response[signing.SIGNATURE_HEADER], key.public_b64)
    return response.content


def test_a_launch_deciding_the_same_reuses_the_signed_answer_byte_for_byte(
    client, world, monkeypatch
):
    signed: list[bytes] = []
    real_sign = signing.signing_key().private.sign
    key = signing.signing_key()

    class Counting:
        def sign(self, data: bytes) -> bytes:
            signed.append(data)
            return real_sign(data)

    monkeypatch.setattr(
        signing, "signing_key", lambda: signing.SigningKey(Counting(), key.public_raw, key.key_id)
    )

    def launch(**context) -> bytes:
        payload = body(world.shop.app_id, "nobody.here", language="zh-CN", **context)
        response = resolve(client, world.wallet, world.wallet_secret, payload)
        assert response.status_code == 200, response.content
        assert signing.verify(response.content, response[signing.SIGNATURE_HEADER], key.public_b64)
        return response.content

    first = launch(user_account="alice", device_id="d-1")
    # Another user on another device, the same decisions: the same bytes, signed once.
    assert launch(user_account="bob", device_id="d-2", network="wifi") == first
    assert len(signed) == 1
    memo = revision.runtime_snapshot().answers
    assert len(memo) == 1
    # Another language is another body: computed and signed again.
    other = launch(user_account="bob", language_extra="")  # unknown fields change nothing
    assert other == first and len(signed) == 1
    english = resolve(
        client, world.wallet, world.wallet_secret, body(world.shop.app_id, "nobody.here")
    )
    assert _signed_ok(english) != first
    assert len(signed) == 2 and len(memo) == 2
    # The body names nothing of the request: no user, device or request id.
    assert b"alice" not in first and b"d-1" not in first


def test_the_memory_of_answers_is_bounded_and_answers_past_it_stay_right(
    client, world, monkeypatch
):
    def launch(language: str) -> bytes:
        payload = body(world.shop.app_id, language=language)
        return _signed_ok(resolve(client, world.wallet, world.wallet_secret, payload))

    size = len(launch("en"))
    revision.runtime_snapshot_forget()
    monkeypatch.setattr(views, "MAX_MEMO_BYTES", 2 * size + size // 2)  # room for two
    answers = {language: launch(language) for language in ("en", "zh-Hans", "en-GB", "zh-CN")}
    snapshot = revision.runtime_snapshot()
    assert len(snapshot.answers) == 2
    assert snapshot.answers_bytes == sum(len(b) for b, _s, _k in snapshot.answers.values())
    assert snapshot.answers_bytes <= views.MAX_MEMO_BYTES
    # Remembered or not, every launch gets the same answer as the first time.
    assert {language: launch(language) for language in answers} == answers
    assert len(snapshot.answers) == 2


def test_the_memory_is_emptied_when_the_revision_moves(client, owner, world, tick):
    launch = lambda: _signed_ok(  # noqa: E731
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    before = orjson.loads(launch())
    assert len(revision.runtime_snapshot().answers) == 1
    miniprogram_set_shelf(actor=owner, miniprogram=world.shop, on_shelf=False, reason="Maintenance")
    tick()
    after = orjson.loads(launch())
    assert after["revision"] > before["revision"]
    assert after["results"][0]["status"] == "off_shelf"
    assert len(revision.runtime_snapshot().answers) == 1


def test_remembered_answers_are_the_answers_computed_afresh_over_varied_launches(
    client, owner, world, tick, monkeypatch, django_capture_on_commit_callbacks
):
    """Property: for launches varied over everything a launch can say — languages, SDK
    capability, environments, preset packages, testers, grayscale lists and limits, platforms,
    preview tokens, unknown apps — the answer with the memory of answers is byte for byte the
    answer without it, and the memory does get used."""
    v2 = built_version(owner, world.shop, "1.1.0", django_capture_on_commit_callbacks)
    release_online(world, world.v1, world.wallet, SANDBOX)
    (approved,) = release_submit(
        actor=owner, version=v2, host_app_ids=[world.wallet.pk], environment=SANDBOX
    )
    now = timezone.now()
    grayscale_task_create(
        actor=owner,
        target=approved.target,
        version=v2,
        data=TaskInput(
            name="Some",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            max_users=3,
            accounts="alice\nbob\ncarol\ndave\nerin",
            platforms={"android": ["12", ""]},
        ),
    )
    page = version_pages(v2)[-1]
    trial_configure(actor=owner, miniprogram=world.shop, version=v2, page_path=page, query="")
    miniprogram_testers_add(actor=owner, miniprogram=world.shop, accounts=["tess", "alice"])
    v3 = built_version(owner, world.shop, "1.2.0", django_capture_on_commit_callbacks)
    (under_review,) = release_submit(
        actor=owner, version=v3, host_app_ids=[world.wallet.pk], environment=PROD
    )
    token = preview_token_make(
        release=Release.objects.select_related("target__miniprogram", "version").get(
            pk=under_review.pk
        )
    )
    tick()
    rng = random.Random(11)
    launches = []
    for _ in range(120):
        items = []
        for app_id in rng.sample([world.shop.app_id, "unknown.app"], rng.choice((1, 2))):
            item: dict = {"app_id": app_id}
            preset = rng.choice(("", "1.0.0", "1.1.0", "0.9"))
            if preset:
                item["preset_version"] = preset
            if rng.random() < 0.2:
                item["preview_token"] = rng.choice((token, token + "x"))
            items.append(item)
        launches.append(
            (
                rng.choice((world.wallet, world.go)),
                body(
                    *items,
                    environment=rng.choice((PROD, SANDBOX)),
                    user_account=rng.choice(("", "alice", "bob", "carol", "dave", "tess", "zed")),
                    device_id=rng.choice(("", "d-1", "d-2")),
                    platform=rng.choice(("android", "ios", "")),
                    os_version=rng.choice(("11", "14", "")),
                    language=rng.choice(("", "en", "zh-CN", "zh-Hant-HK", "fr")),
                    subpackages=rng.random() < 0.5,
                ),
            )
        )

    def answers() -> list[bytes]:
        out = []
        for app, payload in launches:
            secret = world.wallet_secret if app == world.wallet else world.go_secret
            out.append(_signed_ok(resolve(client, app, secret, payload)))
        return out

    monkeypatch.setattr(views, "MAX_MEMO_BYTES", 0)  # nothing remembered: computed afresh
    fresh = answers()
    assert not revision.runtime_snapshot().answers
    monkeypatch.setattr(views, "MAX_MEMO_BYTES", 10 * 2**20)
    remembered = answers()  # the grayscale admissions made above hold (a member stays one)
    assert remembered == fresh
    memo = revision.runtime_snapshot().answers
    assert 5 < len(memo) < len(launches)  # reused, and not one answer for everything
    sources = {r["source"] for b in fresh for r in orjson.loads(b)["results"]}
    assert {"online", "grayscale", "trial", "preview"} <= sources
