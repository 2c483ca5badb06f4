"""Settings → Webhooks pages: role matrix, the secret shown once, forms that keep their input,
the delivery log (constant queries) and a delivery's page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from workspaces.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from workspaces.services.webhooks import webhook_endpoint_create, webhook_secret
from workspaces.tests.factories import WorkspaceFactory
from workspaces.tests.matrix import EVERYONE, MANAGERS, assert_refused, login_as

pytestmark = pytest.mark.django_db

EVENT = "release.published"
SECRET_RE = re.compile(r'data-copy="(whsec_[0-9a-f]{64})"')


@pytest.fixture
def endpoint(admin, receiver):
    endpoint, _ = webhook_endpoint_create(
        actor=admin, url=receiver.url(), events=[EVENT], description="Deploy bot"
    )
    return endpoint


def _url(name, workspace, *args):
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


def _form(receiver, **extra):
    data = {
        "url": receiver.url("/new"),
        "description": "Release notifier",
        "events": [EVENT, "approval.decided"],
        "is_active": "on",
    }
    data.update(extra)
    return data


def _deliveries(endpoint, count: int, **fields) -> list[WebhookDelivery]:
    if fields.get("state") == "delivered":
        fields.setdefault("delivered_at", timezone.now())
    return WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                workspace=endpoint.workspace,
                endpoint=endpoint,
                event=EVENT,
                payload={"event": EVENT, "data": {"n": i}},
                **fields,
            )
            for i in range(count)
        ]
    )


# --- role matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_webhook_pages_are_for_owners_and_admins(client, tenant, endpoint, who):
    [delivery] = _deliveries(endpoint, 1)
    login_as(client, tenant, who)
    pages = [
        _url("webhooks", tenant),
        _url("webhook-create", tenant),
        _url("webhook-detail", tenant, endpoint.pk),
        _url("webhook-edit", tenant, endpoint.pk),
        _url("webhook-delivery", tenant, endpoint.pk, delivery.pk),
    ]
    for page in pages:
        response = client.get(page)
        if who in MANAGERS:
            assert response.status_code == 200, page
        else:
            assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_adding_an_endpoint_needs_change_workspace(client, tenant, receiver, who):
    login_as(client, tenant, who)
    response = client.post(_url("webhook-create", tenant), _form(receiver))
    created = WebhookEndpoint.objects.filter(workspace=tenant).first()
    if who in MANAGERS:
        assert response.status_code == 200
        assert created is not None and created.events == [EVENT, "approval.decided"]
    else:
        assert_refused(response, who)
        assert created is None


@pytest.mark.parametrize("who", EVERYONE)
def test_changing_an_endpoint_needs_change_workspace(client, tenant, endpoint, receiver, who):
    login_as(client, tenant, who)
    salt = endpoint.secret_salt
    responses = [
        client.post(_url("webhook-edit", tenant, endpoint.pk), _form(receiver, description="X")),
        client.post(_url("webhook-rotate-secret", tenant, endpoint.pk)),
        client.post(_url("webhook-test", tenant, endpoint.pk)),
        client.post(_url("webhook-delete", tenant, endpoint.pk)),
    ]
    if who in MANAGERS:
        assert [r.status_code for r in responses] == [302, 200, 302, 302]
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
        verbs = set(AuditEvent.objects.filter(verb__startswith="webhook.").values_list("verb"))
        assert {v for (v,) in verbs} >= {
            "webhook.update",
            "webhook.rotate_secret",
            "webhook.test",
            "webhook.delete",
        }
    else:
        for response in responses:
            assert_refused(response, who)
        endpoint.refresh_from_db()
        assert (endpoint.description, endpoint.secret_salt) == ("Deploy bot", salt)
        assert not WebhookDelivery.objects.exists()


def test_action_urls_only_accept_post(client, tenant, endpoint):
    login_as(client, tenant, "owner")
    for name in ("webhook-rotate-secret", "webhook-test", "webhook-delete"):
        assert client.get(_url(name, tenant, endpoint.pk)).status_code == 405


def test_another_workspaces_endpoint_is_404_even_for_an_owner(client, tenant, endpoint):
    [delivery] = _deliveries(endpoint, 1)
    other = WorkspaceFactory(kind="developer")
    login_as(client, other, "owner")
    for name in ("webhook-detail", "webhook-edit"):
        assert client.get(_url(name, other, endpoint.pk)).status_code == 404
    assert client.get(_url("webhook-delivery", other, endpoint.pk, delivery.pk)).status_code == 404
    for name in ("webhook-rotate-secret", "webhook-test", "webhook-delete"):
        assert client.post(_url(name, other, endpoint.pk)).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_delivery_of_another_endpoint_is_404(client, tenant, admin, endpoint, receiver):
    second, _ = webhook_endpoint_create(actor=admin, url=receiver.url("/2"), events=[EVENT])
    [delivery] = _deliveries(second, 1)
    login_as(client, tenant, "owner")
    url = _url("webhook-delivery", tenant, endpoint.pk, delivery.pk)
    assert client.get(url).status_code == 404


def test_the_settings_tabs_link_webhooks_for_managers_only(client, tenant):
    login_as(client, tenant, "admin")
    assert _url("webhooks", tenant) in client.get(_url("settings", tenant)).content.decode()
    client.logout()
    login_as(client, tenant, "developer")
    assert _url("webhooks", tenant) not in client.get(_url("settings", tenant)).content.decode()


# --- the secret is shown once ----------------------------------------------------------------


def test_a_new_endpoint_shows_its_secret_once(client, tenant, receiver):
    login_as(client, tenant, "admin")
    response = client.post(_url("webhook-create", tenant), _form(receiver))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "you won&#x27;t see it again" in page or "you won't see it again" in page
    (secret,) = SECRET_RE.findall(page)
    endpoint = WebhookEndpoint.objects.get(workspace=tenant)
    assert webhook_secret(endpoint) == secret
    for url in (_url("webhook-detail", tenant, endpoint.pk), _url("webhooks", tenant)):
        again = client.get(url).content.decode()
        assert secret not in again and endpoint.url in again


def test_rotating_shows_the_new_secret_once(client, tenant, endpoint):
    login_as(client, tenant, "owner")
    old = webhook_secret(endpoint)

    response = client.post(_url("webhook-rotate-secret", tenant, endpoint.pk))

    (new,) = SECRET_RE.findall(response.content.decode())
    endpoint.refresh_from_db()
    assert new != old and new == webhook_secret(endpoint)
    assert "no-store" in response["Cache-Control"]
    assert new not in client.get(_url("webhook-detail", tenant, endpoint.pk)).content.decode()


def test_the_destructive_actions_ask_first(client, tenant, endpoint):
    login_as(client, tenant, "owner")
    page = client.get(_url("webhook-detail", tenant, endpoint.pk)).content.decode()
    for name in ("webhook-rotate-secret", "webhook-delete"):
        form = page.split(f'action="{_url(name, tenant, endpoint.pk)}"', 1)[1].split(">", 1)[0]
        assert "data-confirm=" in form, name


# --- forms keep their input ------------------------------------------------------------------


def test_a_refused_url_keeps_the_input_and_names_the_field(client, tenant, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    login_as(client, tenant, "owner")
    response = client.post(
        _url("webhook-create", tenant),
        {"url": "https://10.0.0.8/hook", "description": "Internal", "events": ["approval.decided"]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "public internet" in form.errors["url"][0]
    page = response.content.decode()
    assert 'value="https://10.0.0.8/hook"' in page and 'value="Internal"' in page
    assert re.search(r'value="approval.decided"[^>]*checked', page)
    assert not WebhookEndpoint.objects.exists()


def test_choosing_no_event_is_refused(client, tenant, receiver):
    login_as(client, tenant, "owner")
    response = client.post(_url("webhook-create", tenant), _form(receiver, events=[]))
    assert response.context["form"].errors["events"] == ["Choose at least one event to send."]
    assert not WebhookEndpoint.objects.exists()


def test_editing_keeps_the_secret_and_can_turn_the_endpoint_off(client, tenant, endpoint, receiver):
    login_as(client, tenant, "owner")
    get = client.get(_url("webhook-edit", tenant, endpoint.pk)).content.decode()
    assert f'value="{endpoint.url}"' in get and 'value="Deploy bot"' in get
    salt = endpoint.secret_salt

    data = _form(receiver, url=endpoint.url, description="Still the bot", events=[EVENT])
    del data["is_active"]
    response = client.post(_url("webhook-edit", tenant, endpoint.pk), data)

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.is_active, endpoint.secret_salt) == (
        "Still the bot",
        False,
        salt,
    )


def test_deleting_goes_back_to_the_list_with_a_message(client, tenant, endpoint):
    login_as(client, tenant, "owner")
    response = client.post(_url("webhook-delete", tenant, endpoint.pk), follow=True)
    page = response.content.decode()
    assert f"Webhook endpoint {endpoint.url} deleted." in page
    assert "No webhook endpoints yet" in page


# --- test event, log, delivery page ----------------------------------------------------------


def test_send_test_event_delivers_a_ping_and_the_log_shows_it(
    client, tenant, endpoint, receiver, django_capture_on_commit_callbacks
):
    login_as(client, tenant, "owner")
    with django_capture_on_commit_callbacks(execute=True):  # the worker, after the commit
        response = client.post(_url("webhook-test", tenant, endpoint.pk))

    assert [r.headers["X-MPP-Event"] for r in receiver.requests] == ["ping"]
    page = client.get(response["Location"]).content.decode()
    assert "Test event queued" in page
    assert "<code>ping</code>" in page and "Delivered" in page and "HTTP 200" in page
    listing = client.get(_url("webhooks", tenant)).content.decode()
    assert "Delivered" in listing and "HTTP 200" in listing


def test_the_delivery_page_shows_the_payload_and_the_last_error(client, tenant, endpoint):
    [delivery] = _deliveries(
        endpoint,
        1,
        state="pending",
        attempts=3,
        last_status_code=500,
        last_error="HTTP 500 Internal Server Error: <b>boom</b>",
        last_duration_ms=12,
    )
    login_as(client, tenant, "owner")
    page = client.get(_url("webhook-delivery", tenant, endpoint.pk, delivery.pk)).content.decode()
    assert "Retrying" in page and "HTTP 500" in page and "in 12 ms" in page
    assert "&lt;b&gt;boom&lt;/b&gt;" in page  # escaped, never rendered
    assert "&quot;n&quot;: 0" in page
    assert str(delivery.uid) in page


def test_the_delivery_log_query_count_does_not_grow_with_rows(
    client, tenant, endpoint, django_assert_max_num_queries
):
    login_as(client, tenant, "owner")
    url = _url("webhook-detail", tenant, endpoint.pk)
    _deliveries(endpoint, 1, state="failed", attempts=8, last_error="Connection refused.")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _deliveries(endpoint, 29, state="delivered", attempts=1, last_status_code=204)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["deliveries"]) == 30
    assert response.content.decode().count("/deliveries/") == 30


def test_the_endpoint_list_query_count_does_not_grow_with_endpoints(
    client, tenant, admin, receiver, django_assert_max_num_queries
):
    login_as(client, tenant, "owner")
    url = _url("webhooks", tenant)
    first, _ = webhook_endpoint_create(actor=admin, url=receiver.url("/0"), events=[EVENT])
    _deliveries(first, 2, state="delivered", attempts=1, last_status_code=200)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(1, 15):
        more, _ = webhook_endpoint_create(actor=admin, url=receiver.url(f"/{i}"), events=[EVENT])
        _deliveries(more, 2, state="failed", attempts=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["endpoints"]) == 15


def test_the_log_is_paginated_newest_first(client, tenant, endpoint, settings):
    settings.PAGE_SIZE = 5
    rows = _deliveries(endpoint, 7)
    login_as(client, tenant, "owner")
    first = client.get(_url("webhook-detail", tenant, endpoint.pk))
    second = client.get(_url("webhook-detail", tenant, endpoint.pk), {"page": 2})
    assert [d.pk for d in first.context["deliveries"]] == [r.pk for r in rows[::-1][:5]]
    assert [d.pk for d in second.context["deliveries"]] == [r.pk for r in rows[::-1][5:]]
