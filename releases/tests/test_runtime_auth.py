"""The runtime API's SDK authentication, signatures, ETags and the revision (issue 11)."""

from __future__ import annotations

import base64

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from miniprograms.services.lifecycle import miniprogram_set_shelf, miniprogram_take_offline
from miniprograms.services.members import miniprogram_tester_remove, miniprogram_testers_add
from releases.runtime import revision, signing
from releases.runtime.models import RuntimeRevision
from releases.services.trial import trial_clear, trial_configure, version_pages
from releases.tests import runtime_world
from releases.tests.runtime_world import RESOLVE, body, headers, only_result, resolve
from workspaces.services.hostapps import host_app_reset_secret, host_app_update

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def error(response) -> dict:
    payload = orjson.loads(response.content)
    assert set(payload) == {"error"}
    assert payload["error"]["request_id"] == response["X-Request-ID"]
    return payload["error"]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"HTTP_X_MPP_APP_KEY": "nosuchkey"},
        {"HTTP_AUTHORIZATION": "Bearer whatever"},
        {"HTTP_X_MPP_APP_KEY": "nosuchkey", "HTTP_AUTHORIZATION": "Bearer whatever"},
    ],
)
def test_missing_or_unknown_credentials_are_unauthenticated(client, world, extra):
    response = client.post(
        RESOLVE, data=body(world.shop.app_id), content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert error(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_or_another_apps_secret_is_refused(client, world):
    for secret in ("x" * 40, world.go_secret, world.wallet_secret.lower(), ""):
        response = resolve(client, world.wallet, secret, body(world.shop.app_id))
        assert response.status_code == 401, secret
    basic = client.post(
        RESOLVE,
        data=body(world.shop.app_id),
        content_type="application/json",
        HTTP_X_MPP_APP_KEY=world.wallet.app_key,
        HTTP_AUTHORIZATION=f"Basic {world.wallet_secret}",
    )
    assert basic.status_code == 401


def test_a_secret_reset_takes_effect_at_once(client, owner, world):
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 200
    )
    _app, new_secret = host_app_reset_secret(actor=owner, host_app_id=world.wallet.pk)
    # The successful check of the old secret was remembered: the reset forgot it.
    old = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    assert old.status_code == 401
    assert resolve(client, world.wallet, new_secret, body(world.shop.app_id)).status_code == 200


def test_a_secret_reset_in_another_process_is_seen_within_the_check_window(
    client, owner, world, tick, monkeypatch
):
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 200
    )
    before = RuntimeRevision.objects.get().n
    # As if another process had reset it: this one is not told, it finds out at its next check.
    monkeypatch.setattr(revision, "runtime_snapshot_expire", lambda: None)
    host_app_reset_secret(actor=owner, host_app_id=world.wallet.pk)
    assert RuntimeRevision.objects.get().n == before + 1
    still = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    assert still.status_code == 200  # within the check window (at most CHECK_SECONDS)
    tick()
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 401
    )


def test_a_host_app_edit_that_the_runtime_does_not_read_keeps_the_revision(owner, world):
    before = RuntimeRevision.objects.get().n
    host_app_update(
        actor=owner,
        host_app_id=world.wallet.pk,
        name="Acme Wallet 2",
        platforms={"android": "a.w"},
    )
    assert RuntimeRevision.objects.get().n == before


def test_the_bump_is_one_update_in_the_callers_transaction_and_rolls_back_with_it(db):
    start = revision.runtime_revision_current()
    with transaction.atomic():
        revision.runtime_revision_bump()
        revision.runtime_revision_bump()
        assert revision.runtime_revision_current() == start + 2
    try:
        with transaction.atomic():
            revision.runtime_revision_bump()
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert revision.runtime_revision_current() == start + 2


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"{not json", "bad_request"),
        (b"[]", "bad_request"),
        (orjson.dumps({"miniprograms": []}), "bad_request"),
        (
            orjson.dumps({"environment": "staging", "miniprograms": [{"app_id": "1"}]}),
            "bad_request",
        ),
        (orjson.dumps({"miniprograms": [{"app_id": 5}]}), "bad_request"),
        (
            orjson.dumps({"environment": ["production"], "miniprograms": [{"app_id": "1"}]}),
            "bad_request",
        ),
        (orjson.dumps({"miniprograms": [{"app_id": "1"}], "context": []}), "bad_request"),
        (orjson.dumps({"miniprograms": ["1"]}), "bad_request"),
        (
            orjson.dumps({"miniprograms": [{"app_id": "1"}], "context": {"subpackages": "yes"}}),
            "bad_request",
        ),
        (
            orjson.dumps({"miniprograms": [{"app_id": "1"}], "context": {"guid": "g" * 129}}),
            "bad_request",
        ),
        (orjson.dumps({"miniprograms": [{"app_id": str(n)} for n in range(51)]}), "too_many_apps"),
    ],
)
def test_request_errors_are_in_the_api_error_shape(client, world, payload, code):
    response = resolve(client, world.wallet, world.wallet_secret, payload)
    assert response.status_code == 400
    got = error(response)
    assert got["code"] == code and got["message"]


def test_fifty_apps_are_allowed(client, world):
    payload = orjson.dumps({"miniprograms": [{"app_id": world.shop.app_id}] * 50})
    response = resolve(client, world.wallet, world.wallet_secret, payload)
    assert len(orjson.loads(response.content)["results"]) == 50


def test_only_post_resolves(client, world):
    response = client.get(RESOLVE, **headers(world.wallet, world.wallet_secret))
    assert response.status_code == 405 and error(response)["code"] == "method_not_allowed"


def verify(response, public_key_b64: str) -> bool:
    algorithm, _, signature = response["X-MPP-Signature"].partition("=")
    assert algorithm == "ed25519"
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
    try:
        key.verify(base64.b64decode(signature), response.content)
    except Exception:  # noqa: BLE001 — cryptography's InvalidSignature
        return False
    return True


def test_every_answer_is_signed_and_verifies_with_the_published_key(client, world):
    keys = client.get("/runtime/v1/keys")
    assert keys.status_code == 200
    (published,) = orjson.loads(keys.content)["keys"]
    assert published["algorithm"] == "ed25519"
    answer = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    refused = resolve(client, world.wallet, "wrong", body(world.shop.app_id))
    for response in (answer, refused, keys):
        assert response["X-MPP-Key-Id"] == published["key_id"]
        assert verify(response, published["public_key"])
    # A body altered on the way (one byte) no longer verifies.
    answer.content = answer.content.replace(b"1.0.0", b"1.0.1")
    assert not verify(answer, published["public_key"])


def test_the_signing_key_comes_from_the_setting_when_given(settings):
    raw = bytes(range(32))
    settings.RUNTIME_SIGNING_KEY = base64.b64encode(raw).decode()
    key = signing.signing_key()
    assert key.public_raw != signing._load("", settings.SECRET_KEY).public_raw
    assert signing.verify(b"body", signing.sign(b"body"), key.public_b64)
    assert not signing.verify(b"other", signing.sign(b"body"), key.public_b64)


def test_if_none_match_answers_304_until_the_revision_or_the_inputs_change(
    client, owner, world, tick
):
    payload = body(world.shop.app_id, user_account="u1")
    first = resolve(client, world.wallet, world.wallet_secret, payload)
    etag = first["ETag"]
    again = resolve(client, world.wallet, world.wallet_secret, payload, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    other_user = body(world.shop.app_id, user_account="u2")
    changed = resolve(
        client, world.wallet, world.wallet_secret, other_user, HTTP_IF_NONE_MATCH=etag
    )
    assert changed.status_code == 200 and changed["ETag"] != etag
    # The same inputs through another host app's key are another answer.
    theirs = resolve(client, world.go, world.go_secret, payload, HTTP_IF_NONE_MATCH=etag)
    assert theirs.status_code == 200

    miniprogram_set_shelf(actor=owner, miniprogram=world.shop, on_shelf=False, reason="Audit")
    tick()
    moved = resolve(client, world.wallet, world.wallet_secret, payload, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag
    assert only_result(moved)["status"] == "off_shelf"


def test_each_write_the_runtime_reads_moves_the_revision(owner, world):
    def moved(change) -> bool:
        before = revision.runtime_revision_current()
        change()
        return revision.runtime_revision_current() > before

    shop = world.shop
    page = version_pages(world.v1)[0]
    assert moved(lambda: miniprogram_testers_add(actor=owner, miniprogram=shop, accounts=["t1"]))
    tester = shop.testers.get()
    assert moved(
        lambda: miniprogram_tester_remove(actor=owner, miniprogram=shop, tester_id=tester.pk)
    )
    assert moved(
        lambda: trial_configure(actor=owner, miniprogram=shop, version=world.v1, page_path=page)
    )
    assert moved(lambda: trial_clear(actor=owner, miniprogram=shop))
    assert moved(
        lambda: miniprogram_set_shelf(actor=owner, miniprogram=shop, on_shelf=False, reason="x")
    )
    assert moved(lambda: miniprogram_set_shelf(actor=owner, miniprogram=shop, on_shelf=True))
    assert moved(
        lambda: miniprogram_take_offline(actor=owner, miniprogram=shop, host_app_id=world.go.pk)
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["environment", "context", "miniprograms", "app_id", "subpackages", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@hypothesis_settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(payload=JSON)
def test_any_json_body_is_answered_200_or_400_never_a_server_error(client, world, payload):
    response = resolve(client, world.wallet, world.wallet_secret, orjson.dumps(payload))
    assert response.status_code in (200, 400), response.content
