"""The runtime API's answers (issue 11): online, artifacts per SDK, profile languages, errors."""

from __future__ import annotations

import hashlib

import orjson

from miniprograms.development.runtime import runtime_settings
from miniprograms.services.lifecycle import miniprogram_set_shelf, miniprogram_take_offline
from miniprograms.services.members import miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release
from releases.release.services import release_submit, release_withdraw
from releases.review.preview import preview_token_make
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
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def test_the_online_version_with_the_subpackaged_form_when_the_sdk_loads_subpackages(client, world):
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["status"] == "ok"
    assert (result["version"], result["source"]) == ("1.0.0", "online")
    artifact = result["artifact"]
    assert artifact["kind"] == "main"
    assert [s["root"] for s in artifact["subpackages"]] == ["packageA/"]
    main = world.v1.artifacts.get(kind="main")
    assert (artifact["sha256"], artifact["size"]) == (main.sha256, main.size)
    assert artifact["url"].endswith(f"/runtime/v1/artifacts/{main.sha256}.zip")
    # The development settings as miniprograms.development.runtime gives them (see
    # test_runtime_settings.py for the wiring).
    settings = runtime_settings(miniprogram_ids=[world.shop.pk])
    assert result["domains"] == settings.domains(world.shop.pk, world.wallet.pk, "1.0.0")
    assert result["jsapis"] == settings.jsapis(world.shop.pk, world.wallet.pk)
    assert result["env"] == settings.env(world.shop.pk, PROD)


def test_the_complete_package_when_the_sdk_does_not_load_subpackages(client, world):
    result = only_result(
        resolve(
            client, world.wallet, world.wallet_secret, body(world.shop.app_id, subpackages=False)
        )
    )
    complete = world.v1.artifacts.get(kind="complete")
    assert result["artifact"]["kind"] == "complete"
    assert result["artifact"]["sha256"] == complete.sha256
    assert result["artifact"]["subpackages"] == []


def test_the_profile_follows_the_device_language_with_the_fallback(client, world):
    def name(language):
        return only_result(
            resolve(
                client,
                world.wallet,
                world.wallet_secret,
                body(world.shop.app_id, language=language),
            )
        )["profile"]

    chinese = name("zh-CN")  # a region alias of zh-Hans
    assert (chinese["language"], chinese["name"]) == ("zh-Hans", "商店")
    assert name("zh-Hant-HK")["name"] == "商店"  # same primary language, other script
    english = name("fr-FR")  # not written: the default language
    assert (english["language"], english["name"]) == ("en", "Shop")
    assert name("")["name"] == "Shop"
    assert english["logo"].startswith("http") and "/runtime/v1/logos/" in english["logo"]


def test_each_refusal_has_its_own_code(client, owner, world, tick):
    other = create_miniprogram(owner, host_app_ids=[world.go.pk], name="Other")
    results = {
        r["app_id"]: r
        for r in orjson.loads(
            resolve(
                client,
                world.wallet,
                world.wallet_secret,
                body(world.shop.app_id, other.app_id, "1234567890123456"),
            ).content
        )["results"]
    }
    assert results[world.shop.app_id]["status"] == "ok"
    assert results[other.app_id]["status"] == "unknown_app"  # not released to this host app
    assert results["1234567890123456"]["status"] == "unknown_app"
    assert results[other.app_id]["version"] is None and results[other.app_id]["message"]

    # Linked to Acme Go, but nothing online there; nothing in sandbox on the wallet either.
    assert (
        only_result(resolve(client, world.go, world.go_secret, body(world.shop.app_id)))["status"]
        == "not_released"
    )
    assert (
        only_result(
            resolve(
                client,
                world.wallet,
                world.wallet_secret,
                body(world.shop.app_id, environment=SANDBOX),
            )
        )["status"]
        == "not_released"
    )

    miniprogram_take_offline(
        actor=owner, miniprogram=world.shop, host_app_id=world.wallet.pk, reason="Paused"
    )
    tick()
    assert (
        only_result(resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)))[
            "status"
        ]
        == "offline"
    )

    miniprogram_set_shelf(actor=owner, miniprogram=world.shop, on_shelf=False, reason="Audit")
    tick()
    for app, secret in ((world.wallet, world.wallet_secret), (world.go, world.go_secret)):
        assert (
            only_result(resolve(client, app, secret, body(world.shop.app_id)))["status"]
            == "off_shelf"
        )


def test_a_whitelisted_tester_gets_the_trial_version_in_production_only(
    client, owner, world, django_capture_on_commit_callbacks
):
    v2 = built_version(owner, world.shop, "1.1.0", django_capture_on_commit_callbacks)
    release_online(world, v2, world.wallet, SANDBOX)
    page = version_pages(v2)[-1]
    trial_configure(actor=owner, miniprogram=world.shop, version=v2, page_path=page, query="a=1")
    miniprogram_testers_add(actor=owner, miniprogram=world.shop, accounts=["tess@example.com"])

    def answer(account, environment=PROD):
        return only_result(
            resolve(
                client,
                world.wallet,
                world.wallet_secret,
                body(world.shop.app_id, environment=environment, user_account=account),
            )
        )

    trial = answer("tess@example.com")
    assert (trial["version"], trial["source"], trial["page"]) == ("1.1.0", "trial", f"{page}?a=1")
    assert (answer("someone@example.com")["version"], answer("")["source"]) == ("1.0.0", "online")
    # Outside production whitelists do not apply: the tester gets what is online there.
    assert answer("tess@example.com", SANDBOX)["source"] == "online"


def test_a_reviewer_preview_token_opens_the_version_under_review_for_that_request_only(
    client, owner, world, tick, django_capture_on_commit_callbacks
):
    v2 = built_version(owner, world.shop, "2.0.0", django_capture_on_commit_callbacks)
    (release,) = release_submit(
        actor=owner, version=v2, host_app_ids=[world.wallet.pk], environment=PROD
    )
    release = Release.objects.select_related("target__miniprogram", "version").get(pk=release.pk)
    token = preview_token_make(release=release)

    def answer(app, secret, token):
        item = {"app_id": world.shop.app_id, "preview_token": token}
        return only_result(resolve(client, app, secret, body(item)))

    previewed = answer(world.wallet, world.wallet_secret, token)
    assert (previewed["version"], previewed["source"]) == ("2.0.0", "preview")
    assert answer(world.wallet, world.wallet_secret, "")["source"] == "online"
    assert answer(world.wallet, world.wallet_secret, token + "x")["version"] == "1.0.0"
    # The token names the wallet: another host app's key cannot use it.
    assert answer(world.go, world.go_secret, token)["status"] == "not_released"
    # Once the review is over (withdrawn), the token opens nothing.
    release_withdraw(actor=owner, release_id=release.pk)
    tick()
    assert answer(world.wallet, world.wallet_secret, token)["source"] == "online"


def test_a_preset_offline_package_is_stale_unless_it_is_the_version_to_load(client, world):
    def stale(preset):
        item = {"app_id": world.shop.app_id, "preset_version": preset}
        return only_result(resolve(client, world.wallet, world.wallet_secret, body(item)))[
            "preset_stale"
        ]

    assert (stale("1.0.0"), stale("0.9.0"), stale(""), stale("1.0.1")) == (
        False,
        True,
        False,
        True,
    )


def test_one_host_app_key_never_resolves_another_tenants_mini_programs(client, world):
    other_owner = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant", name="Other", slug="other"), role="owner"
    )
    their_app, their_secret = host_app_create(
        actor=other_owner, name="Other Wallet", platforms={"android": "o.w"}
    )
    theirs = create_miniprogram(other_owner, host_app_ids=[their_app.pk], name="Theirs")
    mine = world.shop.app_id
    assert (
        only_result(resolve(client, world.wallet, world.wallet_secret, body(theirs.app_id)))[
            "status"
        ]
        == "unknown_app"
    )
    assert (
        only_result(resolve(client, their_app, their_secret, body(mine)))["status"] == "unknown_app"
    )
    assert (
        only_result(resolve(client, their_app, their_secret, body(theirs.app_id)))["status"]
        == "not_released"
    )
    # Their key with our host app's key header is not a valid credential either.
    response = client.post(
        "/runtime/v1/resolve",
        data=body(mine),
        content_type="application/json",
        HTTP_X_MPP_APP_KEY=world.wallet.app_key,
        HTTP_AUTHORIZATION=f"Bearer {their_secret}",
    )
    assert response.status_code == 401


def test_twenty_apps_resolve_with_no_query_once_the_snapshot_is_warm(
    client, owner, world, tick, django_assert_num_queries
):
    app_ids = [world.shop.app_id] + [
        create_miniprogram(owner, host_app_ids=[world.wallet.pk], name=f"Shop {n}").app_id
        for n in range(19)
    ]
    payload = body(*app_ids, user_account="u1", language="zh-Hans")
    assert resolve(client, world.wallet, world.wallet_secret, payload).status_code == 200
    with django_assert_num_queries(0):
        response = resolve(client, world.wallet, world.wallet_secret, payload)
    results = orjson.loads(response.content)["results"]
    assert len(results) == 20
    assert [r["status"] for r in results] == ["ok"] + ["not_released"] * 19
    tick()  # a second later: one revision check, no rebuild
    with django_assert_num_queries(1):
        resolve(client, world.wallet, world.wallet_secret, payload)


def test_the_artifact_and_logo_urls_download_with_immutable_cache_headers(client, world):
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    main = world.v1.artifacts.get(kind="main")
    path = result["artifact"]["url"].split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}")
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == main.sha256
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{main.sha256}"'
    again = client.get(f"/{path}", HTTP_IF_NONE_MATCH=f'"{main.sha256}"')
    assert again.status_code == 304
    logo = client.get("/" + result["profile"]["logo"].split("://", 1)[1].split("/", 1)[1])
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["Cache-Control"] == "public, max-age=31536000, immutable"
    # Only what the snapshot delivers: the uploaded package itself, or a made-up digest, is not.
    assert client.get(f"/runtime/v1/artifacts/{world.v1.package_sha256}.zip").status_code == 404
    assert client.get(f"/runtime/v1/artifacts/{'0' * 64}.zip").status_code == 404
    assert client.get(f"/runtime/v1/artifacts/{main.sha256}.json").status_code == 404
