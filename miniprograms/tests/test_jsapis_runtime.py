"""End to end: the runtime API's ``jsapis`` slot follows the catalogue, an approval in the hub
and a revocation, within the snapshot's bound (``tick``: one check interval)."""

from __future__ import annotations

import pytest

from miniprograms.jsapis.catalogue import DEFAULT_ALLOWED
from miniprograms.jsapis.models import Jsapi
from miniprograms.jsapis.services import (
    jsapi_application_revoke,
    jsapi_apply,
    jsapi_catalogue_ensure,
    jsapi_update,
)
from releases.tests import runtime_world
from releases.tests.runtime_world import body, only_result, resolve
from workspaces.services.approvals import approval_approve

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def allowed(client, world) -> list[str]:
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["status"] == "ok", result
    return result["jsapis"]["allowed"]


@pytest.mark.django_db
def test_the_runtime_answer_follows_approval_and_revocation(
    client, world, tenant, tick, django_capture_on_commit_callbacks
):
    assert allowed(client, world) == list(DEFAULT_ALLOWED)  # before the catalogue is opened
    jsapi_catalogue_ensure(workspace=tenant)
    location = Jsapi.objects.get(workspace=tenant, name="getLocation")
    with django_capture_on_commit_callbacks(execute=True):
        application = jsapi_apply(
            actor=world.owner,
            miniprogram=world.shop,
            host_app_id=world.wallet.pk,
            jsapi_id=location.pk,
            reason="The store locator page shows the nearest shops.",
        )
    tick()
    assert "getLocation" not in allowed(client, world)

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=world.reviewer, request_id=application.approval_id)
    tick()
    assert "getLocation" in allowed(client, world)

    with django_capture_on_commit_callbacks(execute=True):
        jsapi_application_revoke(
            actor=world.reviewer, application=application, reason="Contract ended."
        )
    tick()
    assert "getLocation" not in allowed(client, world)

    with django_capture_on_commit_callbacks(execute=True):
        jsapi_update(
            actor=world.owner,
            jsapi=Jsapi.objects.get(workspace=tenant, name="scan"),
            changes={"is_sensitive": True},
        )
    tick()
    assert "scan" not in allowed(client, world)
