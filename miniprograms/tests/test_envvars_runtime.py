"""Environment variables in the runtime answer (issue 12), end to end through
``POST /runtime/v1/resolve``: the launch's environment gets its variables (``env``), ``null``
when none are set, and an edit reaches the SDK within the snapshot's bound."""

from __future__ import annotations

import pytest

from miniprograms.envvars.services import envvars_replace
from releases.tests import runtime_world
from releases.tests.runtime_world import SANDBOX, body, only_result, release_online, resolve

pytestmark = pytest.mark.django_db

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def test_the_answer_carries_the_launch_environments_variables_and_follows_edits(
    client, owner, world, tick
):
    envvars_replace(
        actor=owner,
        miniprogram=world.shop,
        environment="production",
        variables=[("API_BASE_URL", "https://api.shop.example"), ("MODE", "live")],
    )
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["status"] == "ok"
    assert result["env"] == {"API_BASE_URL": "https://api.shop.example", "MODE": "live"}

    envvars_replace(
        actor=owner, miniprogram=world.shop, environment="production", variables=[("MODE", "ro")]
    )
    tick()  # within one check interval every process rebuilds its snapshot
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["env"] == {"MODE": "ro"}

    envvars_replace(actor=owner, miniprogram=world.shop, environment="production", variables=[])
    tick()
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["env"] is None  # nothing configured: null, as the schema says


def test_each_environment_gets_its_own_variables(client, owner, world, tick):
    release_online(world, world.v1, world.wallet, SANDBOX)
    envvars_replace(
        actor=owner, miniprogram=world.shop, environment="sandbox", variables=[("API", "s")]
    )
    envvars_replace(
        actor=owner, miniprogram=world.shop, environment="production", variables=[("API", "p")]
    )
    tick()
    sandbox = only_result(
        resolve(
            client,
            world.wallet,
            world.wallet_secret,
            body(world.shop.app_id, environment=SANDBOX),
        )
    )
    production = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert sandbox["env"] == {"API": "s"} and production["env"] == {"API": "p"}
