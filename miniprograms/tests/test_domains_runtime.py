"""Server domains in the runtime answer, end to end through ``/runtime/v1/resolve``: the lists
of the delivered version, and an edit visible within the snapshot's bound."""

from __future__ import annotations

import pytest

from miniprograms.domains.services import domain_config_save, domain_restriction_set
from releases.tests import runtime_world
from releases.tests.runtime_world import body, only_result, resolve

pytestmark = pytest.mark.django_db

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot
tick = runtime_world.tick


def _domains(client, world):
    result = only_result(
        resolve(client, world.wallet, world.wallet_secret, body(world.shop.app_id))
    )
    assert result["status"] == "ok" and result["version"] == "1.0.0"
    return result["domains"]


def test_the_answer_carries_the_effective_domains_and_follows_an_edit(client, world, tick):
    empty = {"request": [], "uploadFile": [], "downloadFile": [], "socket": [], "webview": []}
    assert _domains(client, world) == {"any": True, **empty}  # a tenant mini program
    domain_config_save(
        actor=world.owner, miniprogram=world.shop, lists={"request": "https://api.shop.test"}
    )
    domain_config_save(
        actor=world.owner,
        miniprogram=world.shop,
        version="1.0.0",
        lists={"socket": "wss://push.shop.test"},
    )
    domain_restriction_set(actor=world.owner, miniprogram=world.shop, restricted=True)
    tick()  # one check interval later every process sees the change
    assert _domains(client, world) == {
        **empty,
        "any": False,
        "request": ["https://api.shop.test"],
        "socket": ["wss://push.shop.test"],
    }
