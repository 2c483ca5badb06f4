"""A host app's message endpoint (Settings → Message delivery and the API): the URL rule, the
secret shown once and never stored, rotation, on/off, removal, audit rows; the test button
against a real HTTP server on 127.0.0.1 (signature checked as a receiver would); the role matrix
of the page and the API; a developer workspace has no such tab."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.subscriptions import api_urls
from miniprograms.subscriptions.endpoints import (
    message_endpoint_delete,
    message_endpoint_get,
    message_endpoint_list,
    message_endpoint_rotate_secret,
    message_endpoint_secret,
    message_endpoint_set,
    message_endpoint_set_active,
    message_endpoint_test,
)
from miniprograms.subscriptions.models import MessageEndpoint
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent, HostApp
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.matrix import EVERYONE, MANAGERS, assert_refused, login_as
from workspaces.tests.routes import routed_methods
from workspaces.tests.webhook_receiver import closed_port, start_receiver

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'data-copy="(mmsec_[0-9a-f]{64})"')


@pytest.fixture(scope="module")
def _server():
    """One server for the module (stopping one waits out its poll interval, 0.5 s)."""
    server = start_receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def receiver(_server):
    """The module's server, answering 200 and with nothing received yet."""
    _server.script = [200]
    _server.requests.clear()
    return _server


@pytest.fixture
def wallet(admin) -> HostApp:
    return host_app_create(actor=admin, name="Acme Wallet", platforms={"android": "com.acme.w"})[0]


@pytest.fixture
def endpoint(admin, wallet, receiver) -> MessageEndpoint:
    return message_endpoint_set(actor=admin, host_app=wallet, url=receiver.url("/messages"))[0]


def verbs() -> list[str]:
    return list(
        AuditEvent.objects.filter(verb__startswith="message_endpoint.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def signed_by(secret: str, timestamp: str, body: bytes) -> str:
    """What a receiver computes (the page's and the README's recipe)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# --- services ----------------------------------------------------------------------------------


def test_set_up_shows_the_secret_once_and_stores_only_a_salt(admin, wallet, receiver):
    endpoint, secret = message_endpoint_set(
        actor=admin, host_app=wallet, url=f"  {receiver.url('/messages')} "
    )

    assert secret is not None and secret.startswith("mmsec_")
    assert secret == message_endpoint_secret(endpoint)
    row = MessageEndpoint.objects.filter(pk=endpoint.pk).values().get()
    assert secret not in json.dumps(row, default=str)  # only the salt is kept
    assert row["url"] == receiver.url("/messages") and row["is_active"]
    assert message_endpoint_get(host_app=wallet) == endpoint

    # Changing the URL keeps the secret and shows none; the same URL again writes nothing.
    changed, again = message_endpoint_set(actor=admin, host_app=wallet, url=receiver.url("/v2"))
    assert again is None and message_endpoint_secret(changed) == secret
    assert message_endpoint_set(actor=admin, host_app=wallet, url=receiver.url("/v2"))[1] is None
    assert verbs() == ["message_endpoint.create", "message_endpoint.update"]
    update = AuditEvent.objects.get(verb="message_endpoint.update")
    assert update.before["url"].endswith("/messages") and update.after["url"].endswith("/v2")
    assert update.target_repr == "Acme Wallet" and update.workspace_id == wallet.workspace_id


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the URL"),
        ("http://93.184.216.34/messages", "https://"),
        ("https://10.0.0.5/messages", "public internet"),
        ("https://169.254.169.254/latest/meta-data/", "public internet"),
        ("https://user:pw@93.184.216.34/x", "user name and password"),
        ("https://93.184.216.34/x#part", "#fragment"),
    ],
)
def test_the_url_rule_refuses_with_a_reason(admin, wallet, settings, url, words):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    with pytest.raises(ValidationError) as refused:
        message_endpoint_set(actor=admin, host_app=wallet, url=url)
    [message] = refused.value.message_dict["url"]
    assert words in message and "webhook" not in message
    assert not MessageEndpoint.objects.exists() and verbs() == []


def test_a_public_https_url_is_accepted(admin, wallet, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    endpoint, _ = message_endpoint_set(
        actor=admin, host_app=wallet, url="https://93.184.216.34:8443/mpp?app=wallet"
    )
    assert endpoint.url == "https://93.184.216.34:8443/mpp?app=wallet"


def test_rotating_changes_the_secret_and_so_the_signature(admin, wallet, endpoint):
    old = message_endpoint_secret(endpoint)
    rotated, new = message_endpoint_rotate_secret(actor=admin, host_app=wallet)

    assert new != old and new == message_endpoint_secret(rotated)
    endpoint.refresh_from_db()
    assert message_endpoint_secret(endpoint) == new
    assert signed_by(new, "1", b"{}") != signed_by(old, "1", b"{}")
    assert verbs()[-1] == "message_endpoint.rotate_secret"


def test_turning_off_and_on_is_audited_once_per_change(admin, wallet, endpoint):
    message_endpoint_set_active(actor=admin, host_app=wallet, is_active=False)
    message_endpoint_set_active(actor=admin, host_app=wallet, is_active=False)  # no-op
    assert not message_endpoint_get(host_app=wallet).is_active
    message_endpoint_set_active(actor=admin, host_app=wallet, is_active=True)
    assert message_endpoint_get(host_app=wallet).is_active
    assert verbs()[1:] == ["message_endpoint.turn_off", "message_endpoint.turn_on"]


def test_removing_forgets_the_endpoint_and_a_new_one_gets_a_new_secret(admin, wallet, endpoint):
    old = message_endpoint_secret(endpoint)
    message_endpoint_delete(actor=admin, host_app=wallet)
    assert message_endpoint_get(host_app=wallet) is None
    removed = AuditEvent.objects.get(verb="message_endpoint.delete")
    assert removed.target_repr == "Acme Wallet" and removed.before["url"] == endpoint.url

    _, secret = message_endpoint_set(actor=admin, host_app=wallet, url=endpoint.url)
    assert secret is not None and secret != old


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_members_without_the_capability_change_nothing(tenant, wallet, endpoint, role):
    member = MembershipFactory(workspace=tenant, role=role)
    for call in (
        lambda: message_endpoint_set(actor=member, host_app=wallet, url="https://1.1.1.1/x"),
        lambda: message_endpoint_set_active(actor=member, host_app=wallet, is_active=False),
        lambda: message_endpoint_rotate_secret(actor=member, host_app=wallet),
        lambda: message_endpoint_delete(actor=member, host_app=wallet),
        lambda: message_endpoint_test(actor=member, host_app=wallet),
    ):
        with pytest.raises(CapabilityDenied):
            call()
    assert verbs() == ["message_endpoint.create"]


def test_another_tenants_host_app_is_not_found(wallet, endpoint):
    other = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with pytest.raises(HostApp.DoesNotExist):
        message_endpoint_set(actor=other, host_app=wallet, url="https://1.1.1.1/x")
    for service in (message_endpoint_rotate_secret, message_endpoint_delete, message_endpoint_test):
        with pytest.raises(MessageEndpoint.DoesNotExist):
            service(actor=other, host_app=wallet)


def test_the_list_has_every_host_app_with_its_endpoint_in_one_query(
    tenant, admin, wallet, endpoint, django_assert_num_queries
):
    host_app_create(actor=admin, name="Acme Pay", platforms={"ios": "com.acme.pay"})
    with django_assert_num_queries(1):
        rows = message_endpoint_list(workspace=tenant)
        assert [(r.host_app.name, r.endpoint and r.endpoint.url) for r in rows] == [
            ("Acme Pay", None),
            ("Acme Wallet", endpoint.url),
        ]


# --- the test button, against a real HTTP server -------------------------------------------------


def test_a_test_message_is_a_signed_post_the_receiver_can_verify(admin, wallet, endpoint, receiver):
    message_endpoint_set_active(actor=admin, host_app=wallet, is_active=False)  # sent even off

    outcome = message_endpoint_test(actor=admin, host_app=wallet)

    assert outcome.ok and outcome.status_code == 200 and outcome.error == ""
    assert outcome.duration_ms is not None and outcome.duration_ms >= 0
    [request] = receiver.requests
    assert request.path == "/messages"
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["X-MPP-Message-Id"] == outcome.message_id
    assert headers["X-MPP-Attempt"] == "1" and headers["User-Agent"] == "MPP-Messages/1.0"
    assert outcome.message_id.startswith("test-")
    expected = signed_by(
        message_endpoint_secret(endpoint), headers["X-MPP-Timestamp"], request.body
    )
    assert hmac.compare_digest(headers["X-MPP-Signature"], expected)
    assert headers["X-MPP-Signature"] != signed_by(
        message_endpoint_secret(endpoint), headers["X-MPP-Timestamp"], request.body + b" "
    )
    body = json.loads(request.body)
    assert body == {
        "id": outcome.message_id,
        "type": "test",
        "app_id": None,
        "template_id": None,
        "title": "Test message",
        "user_id": "test-user",
        "page": "",
        "keywords": [{"name": "Status", "value": "OK"}],
        "kind": "one_time",
        "created_at": body["created_at"],
    }
    audited = AuditEvent.objects.get(verb="message_endpoint.test")
    assert audited.after["message_id"] == outcome.message_id
    assert audited.after["status_code"] == 200


def test_a_rotated_secret_signs_the_next_test_message(admin, wallet, endpoint, receiver):
    old = message_endpoint_secret(endpoint)
    _, new = message_endpoint_rotate_secret(actor=admin, host_app=wallet)
    message_endpoint_test(actor=admin, host_app=wallet)
    [request] = receiver.requests
    timestamp = request.headers["X-MPP-Timestamp"]
    assert request.headers["X-MPP-Signature"] == signed_by(new, timestamp, request.body)
    assert request.headers["X-MPP-Signature"] != signed_by(old, timestamp, request.body)


def test_a_failing_endpoint_gives_its_answer_and_a_dead_one_an_error(
    admin, wallet, endpoint, receiver
):
    receiver.script = [500]
    failed = message_endpoint_test(actor=admin, host_app=wallet)
    assert not failed.ok and failed.status_code == 500
    assert failed.error.startswith("HTTP 500") and "receiver says no" in failed.error

    message_endpoint_set(
        actor=admin, host_app=wallet, url=f"http://127.0.0.1:{closed_port()}/messages"
    )
    dead = message_endpoint_test(actor=admin, host_app=wallet)
    assert not dead.ok and dead.status_code is None and dead.error == "Connection refused."


def test_a_url_no_longer_allowed_is_not_called(admin, wallet, endpoint, receiver, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    outcome = message_endpoint_test(actor=admin, host_app=wallet)
    assert outcome.status_code is None and outcome.duration_ms is None
    assert outcome.error.startswith("Not sent:")
    assert receiver.requests == []


# --- the Settings tab ----------------------------------------------------------------------------


def page_url(name, workspace, *args):
    return reverse(f"development:{name}", args=[workspace.slug, *args])


@pytest.mark.parametrize("who", EVERYONE)
def test_the_tab_is_for_those_who_manage_host_apps(client, tenant, wallet, endpoint, who):
    login_as(client, tenant, who)
    for url in (
        page_url("message-delivery", tenant),
        page_url("message-endpoint-edit", tenant, wallet.pk),
    ):
        response = client.get(url)
        if who in MANAGERS:
            assert response.status_code == 200, url
            assert endpoint.url in response.content.decode()
        else:
            assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_changing_the_endpoint_from_the_tab_needs_the_capability(
    client, tenant, wallet, endpoint, receiver, who
):
    login_as(client, tenant, who)
    salt = endpoint.secret_salt
    responses = [
        client.post(
            page_url("message-endpoint-edit", tenant, wallet.pk), {"url": receiver.url("/2")}
        ),
        client.post(page_url("message-endpoint-active", tenant, wallet.pk), {"is_active": "0"}),
        client.post(page_url("message-endpoint-rotate-secret", tenant, wallet.pk)),
        client.post(page_url("message-endpoint-test", tenant, wallet.pk)),
        client.post(page_url("message-endpoint-delete", tenant, wallet.pk)),
    ]
    if who in MANAGERS:
        assert [r.status_code for r in responses] == [302, 302, 200, 200, 302]
        assert verbs()[1:] == [
            "message_endpoint.update",
            "message_endpoint.turn_off",
            "message_endpoint.rotate_secret",
            "message_endpoint.test",
            "message_endpoint.delete",
        ]
        assert not MessageEndpoint.objects.exists()
    else:
        for response in responses:
            assert_refused(response, who)
        endpoint.refresh_from_db()
        assert (endpoint.url, endpoint.is_active, endpoint.secret_salt) == (
            receiver.url("/messages"),
            True,
            salt,
        )
        assert receiver.requests == []


def test_the_settings_tabs_link_message_delivery_for_managers_only(client, tenant):
    settings_url = reverse("workspaces:settings", args=[tenant.slug])
    login_as(client, tenant, "admin")
    assert page_url("message-delivery", tenant) in client.get(settings_url).content.decode()
    client.logout()
    login_as(client, tenant, "reviewer")
    assert page_url("message-delivery", tenant) not in client.get(settings_url).content.decode()


def test_the_tab_costs_the_same_queries_for_more_host_apps(client, tenant, admin, wallet, endpoint):
    client.force_login(admin.user)
    url = page_url("message-delivery", tenant)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("Acme Pay", "Acme Go"):
        app, _ = host_app_create(actor=admin, name=name, platforms={"ios": f"com.{name[5:]}"})
        message_endpoint_set(actor=admin, host_app=app, url=f"https://1.1.1.1/{name[5:]}")
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert response.content.decode().count('class="card message-endpoint"') == 3
    assert len(three) == len(one)


def test_a_developer_workspace_has_no_message_delivery_tab(client, tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = login_as(client, merchant, "owner")
    assert lead is not None
    settings_page = client.get(reverse("workspaces:settings", args=[merchant.slug]))
    assert "message-delivery" not in settings_page.content.decode()
    assert client.get(page_url("message-delivery", merchant)).status_code == 404


def test_another_workspaces_host_app_is_404_on_the_tab(client, wallet, endpoint):
    other = WorkspaceFactory(kind="tenant")
    login_as(client, other, "owner")
    assert client.get(page_url("message-endpoint-edit", other, wallet.pk)).status_code == 404
    for name in (
        "message-endpoint-rotate-secret",
        "message-endpoint-test",
        "message-endpoint-delete",
    ):
        assert client.post(page_url(name, other, wallet.pk)).status_code == 404
    assert MessageEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_setting_up_from_the_tab_shows_the_secret_once(client, tenant, wallet, receiver):
    login_as(client, tenant, "owner")
    response = client.post(
        page_url("message-endpoint-edit", tenant, wallet.pk), {"url": receiver.url("/messages")}
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Copy it now" in page and "see it again" in page
    (secret,) = SECRET_RE.findall(page)
    endpoint = MessageEndpoint.objects.get(host_app=wallet)
    assert secret == message_endpoint_secret(endpoint)
    again = client.get(page_url("message-delivery", tenant)).content.decode()
    assert secret not in again and endpoint.url in again


def test_rotating_from_the_tab_shows_the_new_secret_once(client, tenant, wallet, endpoint):
    login_as(client, tenant, "admin")
    old = message_endpoint_secret(endpoint)
    response = client.post(page_url("message-endpoint-rotate-secret", tenant, wallet.pk))
    (new,) = SECRET_RE.findall(response.content.decode())
    endpoint.refresh_from_db()
    assert new != old and new == message_endpoint_secret(endpoint)
    assert "no-store" in response["Cache-Control"]
    assert new not in client.get(page_url("message-delivery", tenant)).content.decode()


def test_the_test_button_shows_the_outcome(client, tenant, wallet, endpoint, receiver):
    login_as(client, tenant, "admin")
    receiver.script = [503]
    response = client.post(page_url("message-endpoint-test", tenant, wallet.pk))
    page = response.content.decode()
    assert "Test message not delivered." in page and "HTTP 503" in page
    assert response.context["focus"]["outcome"].message_id in page


def test_a_refused_url_keeps_the_input(client, tenant, wallet):
    login_as(client, tenant, "admin")
    response = client.post(
        page_url("message-endpoint-edit", tenant, wallet.pk), {"url": "https://10.0.0.8/m"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "public internet" in page and 'value="https://10.0.0.8/m"' in page
    assert not MessageEndpoint.objects.exists()


# --- the API -------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_url(name, workspace, host_app):
    return reverse(f"miniprograms-api:{name}", args=[workspace.slug, host_app.pk])


API_CALLS = [
    ("host-app-message-endpoint", "get"),
    ("host-app-message-endpoint", "put"),
    ("host-app-message-endpoint-rotate-secret", "post"),
    ("host-app-message-endpoint-test", "post"),
    ("host-app-message-endpoint", "delete"),
]


def test_the_matrix_covers_every_routed_method():
    routed = {r for r in routed_methods(api_urls.urlpatterns) if "message-endpoint" in r[0]}
    assert routed == set(API_CALLS)


@pytest.mark.parametrize("role", ["owner", "admin", "reviewer", "developer", "outsider"])
def test_api_role_matrix(tenant, owner, wallet, endpoint, receiver, role):
    if role == "owner":
        member = owner
    elif role == "outsider":
        member = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    else:
        member = MembershipFactory(workspace=tenant, role=role)
    client = api(member.user)
    body = {"url": receiver.url("/2")}
    codes = [
        getattr(client, method)(
            api_url(name, tenant, wallet), body if method == "put" else None
        ).status_code
        for name, method in API_CALLS
    ]
    if role in MANAGERS:
        assert codes == [200, 200, 200, 200, 204]
    elif role == "outsider":
        assert codes == [404] * len(API_CALLS)
    else:
        assert codes == [403] * len(API_CALLS)
    assert MessageEndpoint.objects.exists() == (role not in MANAGERS)


def test_api_set_up_change_rotate_test_and_remove(tenant, admin, wallet, receiver):
    client = api(admin.user)
    url = api_url("host-app-message-endpoint", tenant, wallet)
    assert client.get(url).status_code == 404

    created = client.put(url, {"url": receiver.url("/messages")}, format="json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    endpoint = MessageEndpoint.objects.get(host_app=wallet)
    assert secret == message_endpoint_secret(endpoint)
    assert created.json()["host_app_id"] == wallet.pk and created.json()["is_active"] is True

    changed = client.put(url, {"url": receiver.url("/v2"), "is_active": False}, format="json")
    assert changed.status_code == 200 and "secret" not in changed.json()
    assert changed.json()["url"] == receiver.url("/v2") and changed.json()["is_active"] is False
    read = client.get(url).json()
    assert "secret" not in read and secret not in json.dumps(read)

    rotated = client.post(api_url("host-app-message-endpoint-rotate-secret", tenant, wallet))
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (secret, None)

    tested = client.post(api_url("host-app-message-endpoint-test", tenant, wallet)).json()
    assert tested["delivered"] is True and tested["status_code"] == 200
    assert tested["message_id"] == receiver.requests[0].headers["X-MPP-Message-Id"]

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.post(api_url("host-app-message-endpoint-test", tenant, wallet)).status_code == 404


def test_api_refuses_a_private_url_in_the_error_shape(tenant, admin, wallet):
    response = api(admin.user).put(
        api_url("host-app-message-endpoint", tenant, wallet),
        {"url": "https://192.168.1.10/messages"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "public internet" in error["fields"]["url"][0] and error["request_id"]


def test_api_in_a_developer_workspace_is_404(tenant, wallet):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    url = reverse("miniprograms-api:host-app-message-endpoint", args=[merchant.slug, wallet.pk])
    assert api(lead.user).get(url).status_code == 404
