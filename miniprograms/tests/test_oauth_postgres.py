"""An authCode is consumed once, even when exchanges race (PostgreSQL: two connections at once;
run with DATABASE_URL=postgres://…)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from conftest import require_service
from miniprograms.secrets.models import OAuthAccessToken, OAuthCode
from miniprograms.secrets.oauth import OAuthError, access_token_exchange, auth_code_issue
from miniprograms.secrets.services import appsecret_generate
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create

RACERS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_of_concurrent_exchanges_of_one_code_exactly_one_wins(owner, round_):
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "concurrent exchanges need it (set DATABASE_URL to postgres://…)"
        )
    wallet, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    shop = create_miniprogram(owner, name="Shop", host_app_ids=[wallet.pk])
    _row, secret = appsecret_generate(actor=owner, miniprogram=shop)
    code = auth_code_issue(host_app=wallet, app_id=shop.app_id, user_id="u-1").auth_code

    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race() -> None:
        try:
            barrier.wait()
            try:
                access_token_exchange(app_id=shop.app_id, app_secret=secret, auth_code=code)
                outcome = "token"
            except OAuthError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["code_used"] * (RACERS - 1) + ["token"]
    assert OAuthCode.objects.get().used_at is not None
    # The winner's token is revoked by the losers' replays (RFC 6749 §4.1.2): that is the
    # rule for a code presented twice, concurrent or not.
    assert OAuthAccessToken.objects.get().revoked_at is not None
