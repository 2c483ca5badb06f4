"""A frozen SDK key (issue 11): every runtime call with it answers 403 ``key_frozen`` until an
Owner or Admin unfreezes it, from the host app page or the API."""

from __future__ import annotations

import os
import re
from pathlib import Path

import orjson
import pytest
from django.urls import reverse
from playwright.sync_api import expect
from rest_framework.test import APIClient

from releases.runtime import revision, signing
from releases.runtime.models import RuntimeRevision
from releases.runtime.schema import add_runtime_paths
from releases.tests import runtime_world
from releases.tests.runtime_world import body, only_result, resolve
from workspaces.models import AuditEvent, HostApp
from workspaces.services.hostapps import (
    SdkRefusal,
    host_app_authenticate,
    host_app_check_credentials,
    host_app_create,
    host_app_freeze_key,
    host_app_unfreeze_key,
)
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory
from workspaces.tests.matrix import EVERYONE, MANAGERS, ROLES, assert_refused, login_as

SHOTS = Path(os.environ.get("MPP_SHOTS", "/work/helpers/shots"))
world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def _error(response) -> dict:
    payload = orjson.loads(response.content)
    assert set(payload) == {"error"}
    assert payload["error"]["request_id"] == response["X-Request-ID"]
    return payload["error"]


def _login(client, tenant, owner, who: str) -> None:
    """``login_as``, but the world's Owner for "owner" (a workspace has one Owner)."""
    if who == "owner":
        client.force_login(owner.user)
    else:
        login_as(client, tenant, who)


def _page(name: str, app: HostApp) -> str:
    return reverse(f"workspaces:{name}", args=[app.workspace.slug, app.pk])


# --- the runtime answer --------------------------------------------------------------------------


def test_a_frozen_key_answers_403_key_frozen_and_unfreezing_restores_it(client, owner, world):
    assert only_result(resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)))

    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    frozen = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    assert frozen.status_code == 403
    error = _error(frozen)
    assert error["code"] == "key_frozen" and "frozen" in error["message"]
    assert "WWW-Authenticate" not in frozen  # not a credentials problem
    key = signing.public_keys()[0]["public_key"]
    assert signing.verify(frozen.content, frozen[signing.SIGNATURE_HEADER], key)
    # The other host app's key is untouched.
    assert only_result(resolve(client, world.go, world.go_secret, body(world.shop.app_id)))

    host_app_unfreeze_key(actor=owner, host_app_id=world.wallet.pk)
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["status"] == "ok" and result["version"] == "1.0.0"


def test_a_wrong_secret_on_a_frozen_key_is_still_unauthenticated(client, owner, world):
    """Only the right secret learns the key is frozen."""
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    wrong = resolve(client, world.wallet, world.go_secret, body(world.shop.app_id))
    assert wrong.status_code == 401
    assert _error(wrong)["code"] == "unauthenticated"


def test_a_remembered_credential_check_does_not_outlive_a_freeze(client, owner, world):
    ok = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    assert ok.status_code == 200  # the check is now remembered in this snapshot
    before = RuntimeRevision.objects.get().n
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    assert RuntimeRevision.objects.get().n == before + 1  # sdk_key_frozen_at is read
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 403
    )


def test_a_freeze_in_another_process_is_seen_within_the_check_window(
    client, owner, world, tick, monkeypatch
):
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 200
    )
    # As if another process had frozen it: this one is not told, it finds out at its next check.
    monkeypatch.setattr(revision, "runtime_snapshot_expire", lambda: None)
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    still = resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    assert still.status_code == 200  # within the check window (at most CHECK_SECONDS)
    tick()
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 403
    )
    host_app_unfreeze_key(actor=owner, host_app_id=world.wallet.pk)
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 403
    )
    tick()
    assert (
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id)).status_code
        == 200
    )


def test_the_schema_declares_key_frozen():
    operation = add_runtime_paths({}, None, None, True)["paths"]["/runtime/v1/resolve"]["post"]
    assert "key_frozen" in operation["responses"]["403"]["description"]
    assert "`key_frozen` (403" in operation["description"]


# --- the service ---------------------------------------------------------------------------------


def test_freezing_is_audited_once_and_idempotent(owner, world):
    app = host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    assert app.sdk_key_frozen and app.sdk_key_frozen_at is not None
    frozen_at = app.sdk_key_frozen_at
    before = RuntimeRevision.objects.get().n
    again = host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    assert again.sdk_key_frozen_at == frozen_at  # nothing changed, nothing bumped
    assert RuntimeRevision.objects.get().n == before
    host_app_unfreeze_key(actor=owner, host_app_id=world.wallet.pk)
    host_app_unfreeze_key(actor=owner, host_app_id=world.wallet.pk)
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="host_app.", verb__contains="freeze")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["host_app.freeze_key", "host_app.unfreeze_key"]
    assert not HostApp.objects.get(pk=world.wallet.pk).sdk_key_frozen


def test_authenticate_refuses_a_frozen_key_and_says_why(owner, world):
    wallet, secret = world.wallet, world.wallet_secret
    assert host_app_authenticate(app_key=wallet.app_key, secret=secret) == wallet
    assert host_app_check_credentials(app_key=wallet.app_key, secret=secret).ok

    host_app_freeze_key(actor=owner, host_app_id=wallet.pk)
    assert host_app_authenticate(app_key=wallet.app_key, secret=secret) is None
    check = host_app_check_credentials(app_key=wallet.app_key, secret=secret)
    assert not check.ok and check.host_app is None and check.refusal is SdkRefusal.FROZEN
    for key, wrong in ((wallet.app_key, world.go_secret), ("nosuchkey", secret), ("", "")):
        refused = host_app_check_credentials(app_key=key, secret=wrong)
        assert refused.refusal is SdkRefusal.INVALID and refused.host_app is None


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_managers_may_freeze(tenant, world, role):
    from workspaces.authz import CapabilityDenied

    member = MembershipFactory(workspace=tenant, role=role)
    with pytest.raises(CapabilityDenied):
        host_app_freeze_key(actor=member, host_app_id=world.wallet.pk)
    assert not HostApp.objects.get(pk=world.wallet.pk).sdk_key_frozen


# --- the host app page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_freezing_from_the_page_needs_manage_host_apps(client, tenant, owner, world, who):
    _login(client, tenant, owner, who)
    response = client.post(_page("host-app-freeze-key", world.wallet))
    app = HostApp.objects.get(pk=world.wallet.pk)
    if who in MANAGERS:
        assert response.status_code == 302
        assert response["Location"] == _page("host-app-detail", app)
        assert app.sdk_key_frozen
        assert AuditEvent.objects.filter(verb="host_app.freeze_key").count() == 1
    else:
        assert_refused(response, who)
        assert not app.sdk_key_frozen


@pytest.mark.parametrize("who", EVERYONE)
def test_unfreezing_from_the_page_needs_manage_host_apps(client, tenant, owner, world, who):
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    _login(client, tenant, owner, who)
    response = client.post(_page("host-app-unfreeze-key", world.wallet))
    app = HostApp.objects.get(pk=world.wallet.pk)
    if who in MANAGERS:
        assert response.status_code == 302
        assert not app.sdk_key_frozen
    else:
        assert_refused(response, who)
        assert app.sdk_key_frozen


def test_freeze_and_unfreeze_only_accept_post(client, tenant, owner, world):
    _login(client, tenant, owner, "owner")
    for name in ("host-app-freeze-key", "host-app-unfreeze-key"):
        assert client.get(_page(name, world.wallet)).status_code == 405


def test_the_page_shows_the_state_and_offers_the_action_to_managers_only(
    client, tenant, owner, world
):
    freeze, unfreeze = (
        _page(n, world.wallet) for n in ("host-app-freeze-key", "host-app-unfreeze-key")
    )
    detail = _page("host-app-detail", world.wallet)
    login_as(client, tenant, "admin")
    page = client.get(detail).content.decode()
    assert freeze in page and unfreeze not in page and "Freeze the SDK key?" in page  # confirm
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    page = client.get(detail).content.decode()
    assert unfreeze in page and freeze not in page and ">Frozen<" in page
    client.logout()
    login_as(client, tenant, "reviewer")
    page = client.get(detail).content.decode()
    assert ">Frozen<" in page and unfreeze not in page and freeze not in page


# --- the API -------------------------------------------------------------------------------------


def _api(member) -> APIClient:
    api = APIClient()
    api.force_authenticate(member.user)
    return api


@pytest.mark.parametrize("role", ROLES)
def test_the_api_freezes_and_unfreezes_for_managers_only(tenant, owner, world, role):
    member = owner if role == "owner" else MembershipFactory(workspace=tenant, role=role)
    base = f"/api/v1/workspaces/{tenant.slug}/host-apps/{world.wallet.pk}"
    frozen = _api(member).post(f"{base}/freeze-key")
    if role in MANAGERS:
        assert frozen.status_code == 200, frozen.content
        assert frozen.json()["sdk_key_frozen_at"] is not None
        thawed = _api(member).post(f"{base}/unfreeze-key")
        assert thawed.status_code == 200 and thawed.json()["sdk_key_frozen_at"] is None
        assert AuditEvent.objects.filter(verb="host_app.unfreeze_key").count() == 1
    else:
        assert frozen.status_code == 403
        assert frozen.json()["error"]["code"] == "permission_denied"
        host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
        assert _api(member).post(f"{base}/unfreeze-key").status_code == 403
        assert HostApp.objects.get(pk=world.wallet.pk).sdk_key_frozen


# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_freezing_from_the_page_asks_first_and_shows_the_state(
    chromium_browser, live_server, width
):
    owner = MembershipFactory(role="owner", workspace__kind="tenant", workspace__slug="acme")
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", owner.user.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/w/acme/$"))
        page.goto(reverse("workspaces:host-app-detail", args=["acme", app.pk]))
        expect(page.locator("[data-sdk-key-state]")).to_have_text("Active")
        page.get_by_role("button", name="Freeze key").click()
        dialog = page.locator("[data-confirm-dialog]")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Every launch of a mini program in this app fails")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"runtime-freeze-dialog-{width}.png"))
        dialog.locator("[data-confirm-dialog-action]").click()
        expect(page.locator("[data-sdk-key-state]")).to_contain_text("Frozen")
        expect(page.get_by_role("button", name="Unfreeze key")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"runtime-key-frozen-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
            "window.innerWidth"
        )
        assert HostApp.objects.get(pk=app.pk).sdk_key_frozen
        page.goto(reverse("workspaces:host-apps", args=["acme"]))
        expect(page.locator("[data-key-frozen]")).to_have_text("Frozen")
        page.screenshot(path=str(SHOTS / f"runtime-host-apps-frozen-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
            "window.innerWidth"
        )
    finally:
        context.close()


def test_the_host_app_list_marks_a_frozen_key(client, tenant, owner, world):
    client.force_login(owner.user)
    url = reverse("workspaces:host-apps", args=[tenant.slug])
    assert "data-key-frozen" not in client.get(url).content.decode()
    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    page = client.get(url).content.decode()
    assert page.count("data-key-frozen") == 1
