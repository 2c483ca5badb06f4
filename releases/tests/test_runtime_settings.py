"""The development settings in the runtime answer (issues 11 and 12): the ``domains``,
``jsapis`` and ``env`` slots come from ``miniprograms.development.runtime``, read once per
snapshot build, for the version delivered, the calling host app and the environment asked."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from miniprograms.domains import runtime as domains_runtime
from miniprograms.envvars import runtime as envvars_runtime
from miniprograms.jsapis import runtime as jsapis_runtime
from releases.runtime import revision
from releases.tests import runtime_world
from releases.tests.runtime_world import PROD, SANDBOX, body, only_result, release_online, resolve

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot

DOMAINS = {"any": False, "request": ["https://api.shop.test"], "uploadFile": [], "socket": []}
JSAPIS = {"allowed": ["getLocation", "scanCode"]}
ENV = {"API_URL": "https://api.shop.test", "MODE": "production"}


@pytest.fixture
def settings_index(monkeypatch):
    """Development settings for the world's shop: domains for version 1.0.0 on Acme Wallet,
    JSAPIs on Acme Wallet, variables in production; nothing anywhere else. Counts the builds'
    calls of each index."""
    given: dict[str, dict[tuple, Any]] = {"domains": {}, "jsapis": {}, "env": {}}
    calls = {"domains": 0, "jsapis": 0, "env": 0}

    def index_of(name: str):
        def index(*, miniprogram_ids):
            calls[name] += 1
            ids = set(miniprogram_ids)
            return lambda *key: given[name].get(key) if key[0] in ids else None

        return index

    monkeypatch.setattr(domains_runtime, "index", index_of("domains"))
    monkeypatch.setattr(jsapis_runtime, "index", index_of("jsapis"))
    monkeypatch.setattr(envvars_runtime, "index", index_of("env"))
    return given, calls


def _slots(client, app, secret, app_id, environment=PROD) -> tuple[Any, Any, Any, str]:
    result = only_result(resolve(client, app, secret, body(app_id, environment=environment)))
    assert result["status"] == "ok", result
    return result["domains"], result["jsapis"], result["env"], result["version"]


def test_each_slot_is_filled_for_its_version_host_app_and_environment(
    client, world, settings_index
):
    given, calls = settings_index
    shop = world.shop.pk
    release_online(world, world.v1, world.go)  # production on both host apps
    release_online(world, world.v1, world.wallet, SANDBOX)
    given["domains"][(shop, world.wallet.pk, "1.0.0")] = DOMAINS
    given["domains"][(shop, world.go.pk, "9.9.9")] = DOMAINS  # a version Go does not deliver
    given["jsapis"][(shop, world.wallet.pk)] = JSAPIS
    given["env"][(shop, PROD)] = ENV

    wallet = _slots(client, world.wallet, world.wallet_secret, world.shop.app_id)
    assert wallet == (DOMAINS, JSAPIS, ENV, "1.0.0")
    go = _slots(client, world.go, world.go_secret, world.shop.app_id)
    assert go == (None, None, ENV, "1.0.0")  # env is per mini program and environment
    sandbox = _slots(client, world.wallet, world.wallet_secret, world.shop.app_id, SANDBOX)
    assert sandbox == (DOMAINS, JSAPIS, None, "1.0.0")
    assert calls == {"domains": 1, "jsapis": 1, "env": 1}  # once per build, not per request


def test_nothing_configured_leaves_the_slots_null(client, world, settings_index):
    assert _slots(client, world.wallet, world.wallet_secret, world.shop.app_id) == (
        None,
        None,
        None,
        "1.0.0",
    )


def test_a_refused_mini_program_has_null_slots(client, world, settings_index):
    given, _calls = settings_index
    given["env"][(world.shop.pk, PROD)] = ENV
    given["jsapis"][(world.shop.pk, world.go.pk)] = JSAPIS
    result = only_result(resolve(client, world.go, world.go_secret, body(world.shop.app_id)))
    assert result["status"] == "not_released"
    assert (result["domains"], result["jsapis"], result["env"]) == (None, None, None)


def test_identical_settings_are_encoded_once(world, settings_index):
    given, _calls = settings_index
    shop = world.shop.pk
    given["env"][(shop, PROD)] = {"B": "2", "A": "1"}
    given["env"][(shop, SANDBOX)] = {"A": "1", "B": "2"}  # equal, another dict
    given["jsapis"][(shop, world.wallet.pk)] = {"allowed": []}
    given["jsapis"][(shop, world.go.pk)] = {"allowed": []}
    snapshot = revision.runtime_snapshot()
    assert snapshot.env[(shop, PROD)] is snapshot.env[(shop, SANDBOX)]
    # snapshot keys: (host app, mini program)
    assert snapshot.jsapis[(world.wallet.pk, shop)] is snapshot.jsapis[(world.go.pk, shop)]
    assert (shop, "uat") not in snapshot.env  # nothing kept where nothing is set
    assert orjson.loads(orjson.dumps(snapshot.env[(shop, PROD)])) == {"A": "1", "B": "2"}


def test_the_delivered_version_chooses_the_domains(
    client, owner, world, settings_index, django_capture_on_commit_callbacks
):
    """The domains follow the version the answer delivers (here a trial version for a tester)."""
    from miniprograms.services.members import miniprogram_testers_add
    from releases.services.trial import trial_configure, version_pages
    from releases.tests.runtime_world import built_version

    given, _calls = settings_index
    v2 = built_version(owner, world.shop, "1.1.0", django_capture_on_commit_callbacks)
    page = version_pages(v2)[0]
    trial_configure(actor=owner, miniprogram=world.shop, version=v2, page_path=page)
    miniprogram_testers_add(actor=owner, miniprogram=world.shop, accounts=["tess@example.com"])
    given["domains"][(world.shop.pk, world.wallet.pk, "1.1.0")] = DOMAINS
    tester = only_result(
        resolve(
            client,
            world.wallet,
            world.wallet_secret,
            body(world.shop.app_id, user_account="tess@example.com"),
        )
    )
    assert (tester["source"], tester["version"], tester["domains"]) == ("trial", "1.1.0", DOMAINS)
    other = _slots(client, world.wallet, world.wallet_secret, world.shop.app_id)
    assert other[0] is None and other[3] == "1.0.0"
