"""The client IP behind trusted proxies (console/clientip.py), and the sign-in lockout using it."""

from __future__ import annotations

import ipaddress

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from console.clientip import client_ip, client_ip_from
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
LB = "10.0.0.2"  # the load balancer every request comes from when proxies are trusted


def _request(remote: str | None, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote} if remote is not None else {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    return request


def test_axes_asks_the_one_client_ip_function():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "console.clientip.client_ip"


def test_by_default_no_proxy_is_trusted_and_a_forged_header_is_ignored(settings):
    settings.MPP_TRUSTED_PROXY_COUNT, settings.MPP_TRUSTED_PROXIES = 0, []
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    assert client_ip(_request("198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(None, "203.0.113.9")) is None


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),  # the balancer appended the client
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged left part is not believed
        (1, None, LB),  # a request that reached the app directly
        (1, "  ", LB),
        (2, "203.0.113.9, 172.16.0.4", "203.0.113.9"),  # CDN then balancer
        (2, "172.16.0.4", "172.16.0.4"),  # fewer hops than proxies: the farthest one known
        (1, "not-an-ip", LB),  # garbage is never returned
        (1, "6.6.6.6, garbage, 203.0.113.9", "203.0.113.9"),
        (1, "203.0.113.9:51234", "203.0.113.9"),  # a port is dropped
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_with_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    count, forwarded, expected
):
    assert client_ip_from(remote_addr=LB, forwarded_for=forwarded, proxy_count=count) == expected


def test_trusted_proxy_networks_are_skipped_whatever_the_count(settings):
    settings.MPP_TRUSTED_PROXY_COUNT, settings.MPP_TRUSTED_PROXIES = 0, ["10.0.0.0/8", "fd00::/8"]
    request = _request(LB, "6.6.6.6, 203.0.113.9, 10.1.2.3")
    assert client_ip(request) == "203.0.113.9"
    assert client_ip(_request("198.51.100.7", "6.6.6.6")) == "198.51.100.7"  # not our proxy
    networks = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client_ip_from(remote_addr="fd00::1", forwarded_for="1.2.3.4", networks=networks) == (
        "fd00::1"  # an IPv6 hop is never inside an IPv4 network
    )


# --- the sign-in lockout (django-axes) keys on this address -----------------------------------


def _fail_five_times(client, *, forwarded: str) -> None:
    for user in UserFactory.create_batch(5):  # different accounts: only the IP lock applies
        client.post(
            LOGIN,
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=forwarded,
        )


def _sign_in(client, user, *, forwarded: str):
    return client.post(
        LOGIN,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_ip_lock(client, settings):
    settings.MPP_TRUSTED_PROXY_COUNT = 0
    _fail_five_times(client, forwarded="203.0.113.1")

    response = _sign_in(client, UserFactory(), forwarded="203.0.113.99")  # a new forged address

    assert response.status_code == 429
    assert client.session.get(SESSION_KEY) is None


@pytest.mark.django_db
def test_behind_one_proxy_two_clients_are_locked_out_separately(client, settings):
    settings.MPP_TRUSTED_PROXY_COUNT = 1
    _fail_five_times(client, forwarded="203.0.113.1")

    locked = _sign_in(client, UserFactory(), forwarded="203.0.113.1")
    other = UserFactory()
    neighbour = _sign_in(client, other, forwarded="203.0.113.2")

    assert locked.status_code == 429
    assert neighbour.status_code == 302
    assert client.session.get(SESSION_KEY) == str(other.pk)


def test_a_malformed_trusted_proxy_setting_is_reported_by_name(settings):
    settings.MPP_TRUSTED_PROXIES = ["10.0.0.0/8", "load-balancer"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: “load-balancer”"):
        client_ip(_request(LB, "203.0.113.9"))
