"""``/api/v1/workspaces/{slug}/webhooks``: the same services as the console, the same refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from workspaces.models import WebhookDelivery, WebhookEndpoint
from workspaces.services.webhooks import webhook_endpoint_create, webhook_secret
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

EVENT = "release.published"
ROLES = ["owner", "admin", "reviewer", "developer"]
MANAGERS = {"owner", "admin"}


@pytest.fixture
def team(tenant):
    return {role: MembershipFactory(workspace=tenant, role=role) for role in ROLES}


@pytest.fixture
def endpoint(team, receiver):
    endpoint, _ = webhook_endpoint_create(
        actor=team["admin"], url=receiver.url(), events=[EVENT], description="Deploy bot"
    )
    return endpoint


@pytest.fixture
def delivery(endpoint):
    return WebhookDelivery.objects.create(
        workspace=endpoint.workspace,
        endpoint=endpoint,
        event=EVENT,
        payload={"event": EVENT, "data": {"version": "1.2.0"}},
        state="failed",
        attempts=8,
        last_error="Connection refused.",
    )


def api(member=None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.force_authenticate(member.user)
    return client


def client_for(team, who: str) -> APIClient:
    if who == "anonymous":
        return api()
    if who == "outsider":
        return api(MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner"))
    return api(team[who])


BASE = "/api/v1/workspaces/acme/webhooks"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[Any], str]
    status: int
    body: Callable[[Any], dict] | None = None
    state: Callable[[Any], Any] | None = None

    def __str__(self) -> str:
        return self.name


def _endpoint_state(ctx) -> Any:
    return list(WebhookEndpoint.objects.order_by("pk").values())


CASES = [
    Case("list", "get", lambda c: BASE, 200),
    Case(
        "create",
        "post",
        lambda c: BASE,
        201,
        body=lambda c: {"url": c["receiver"].url("/new"), "events": [EVENT]},
        state=_endpoint_state,
    ),
    Case("detail", "get", lambda c: f"{BASE}/{c['endpoint'].pk}", 200),
    Case(
        "update",
        "patch",
        lambda c: f"{BASE}/{c['endpoint'].pk}",
        200,
        body=lambda c: {"description": "Changed"},
        state=_endpoint_state,
    ),
    Case("delete", "delete", lambda c: f"{BASE}/{c['endpoint'].pk}", 204, state=_endpoint_state),
    Case(
        "rotate secret",
        "post",
        lambda c: f"{BASE}/{c['endpoint'].pk}/rotate-secret",
        200,
        state=_endpoint_state,
    ),
    Case(
        "test",
        "post",
        lambda c: f"{BASE}/{c['endpoint'].pk}/test",
        202,
        state=lambda c: WebhookDelivery.objects.count(),
    ),
    Case("deliveries", "get", lambda c: f"{BASE}/{c['endpoint'].pk}/deliveries", 200),
    Case(
        "delivery detail",
        "get",
        lambda c: f"{BASE}/{c['endpoint'].pk}/deliveries/{c['delivery'].pk}",
        200,
    ),
]


@pytest.mark.parametrize("who", [*ROLES, "outsider", "anonymous"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(team, endpoint, delivery, receiver, case, who):
    ctx = {"endpoint": endpoint, "delivery": delivery, "receiver": receiver}
    before = case.state(ctx) if case.state else None

    response = getattr(client_for(team, who), case.method)(
        case.path(ctx), case.body(ctx) if case.body else None, format="json"
    )

    expected = {"anonymous": 401, "outsider": 404}.get(who, case.status if who in MANAGERS else 403)
    assert response.status_code == expected, response.content
    if expected == 403:
        assert "workspaces.change_workspace" in response.json()["error"]["message"]
    if case.state is not None:
        assert (case.state(ctx) != before) == (expected < 300)


def test_create_answers_the_secret_once_and_reads_never_do(team, receiver):
    client = api(team["owner"])
    created = client.post(
        BASE,
        {"url": receiver.url(), "events": [EVENT, "approval.decided"], "description": "CI"},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == webhook_secret(endpoint)
    assert body["events"] == [EVENT, "approval.decided"]
    assert body["is_active"] is True and body["last_delivery"] is None
    for url in (BASE, f"{BASE}/{endpoint.pk}"):
        answer = client.get(url)
        assert body["secret"] not in answer.content.decode()
        assert "secret" not in (answer.json().get("results") or [answer.json()])[0]


def test_rotate_answers_a_new_secret(team, endpoint):
    old = webhook_secret(endpoint)
    response = api(team["admin"]).post(f"{BASE}/{endpoint.pk}/rotate-secret")
    endpoint.refresh_from_db()
    assert response.json()["secret"] == webhook_secret(endpoint) != old


def test_patch_changes_only_what_is_sent(team, endpoint):
    response = api(team["owner"]).patch(
        f"{BASE}/{endpoint.pk}", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.description, endpoint.events) == (
        False,
        "Deploy bot",
        [EVENT],
    )


def test_refusals_are_400_with_the_services_words(team, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    client = api(team["owner"])

    plain = client.post(BASE, {"url": "http://93.184.216.34/x", "events": [EVENT]}, format="json")
    private = client.post(BASE, {"url": "https://10.0.0.1/x", "events": [EVENT]}, format="json")
    unknown = client.post(
        BASE, {"url": "https://93.184.216.34/x", "events": ["nope"]}, format="json"
    )
    empty = client.post(BASE, {"url": "https://93.184.216.34/x", "events": []}, format="json")

    assert [r.status_code for r in (plain, private, unknown, empty)] == [400] * 4
    assert "https://" in plain.json()["error"]["fields"]["url"][0]
    assert "public internet" in private.json()["error"]["fields"]["url"][0]
    assert "events" in unknown.json()["error"]["fields"]
    assert "events" in empty.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_test_queues_a_ping_that_is_delivered(
    team, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(team["owner"]).post(f"{BASE}/{endpoint.pk}/test")

    assert response.status_code == 202
    assert response.json()["event"] == "ping"
    assert response.json()["payload"]["data"]["endpoint"]["id"] == endpoint.pk
    [request] = receiver.requests
    assert request.headers["X-MPP-Delivery"] == response.json()["delivery_id"]
    listed = api(team["owner"]).get(f"{BASE}/{endpoint.pk}/deliveries").json()
    assert listed["count"] == 1
    [row] = listed["results"]
    assert (row["state"], row["attempts"], row["last_status_code"]) == ("delivered", 1, 200)
    assert "payload" not in row
    shown = api(team["owner"]).get(f"{BASE}/{endpoint.pk}").json()
    assert shown["last_delivery"]["state"] == "delivered"
    assert shown["last_delivery"]["status_code"] == 200


def test_delivery_detail_has_the_payload(team, endpoint, delivery):
    body = api(team["owner"]).get(f"{BASE}/{endpoint.pk}/deliveries/{delivery.pk}").json()
    assert body["payload"] == {"event": EVENT, "data": {"version": "1.2.0"}}
    assert (body["state"], body["last_error"]) == ("failed", "Connection refused.")


def test_ids_of_another_workspace_are_404_and_change_nothing(team, receiver):
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    theirs, _ = webhook_endpoint_create(actor=stranger, url=receiver.url(), events=[EVENT])
    theirs_delivery = WebhookDelivery.objects.create(
        workspace=stranger.workspace, endpoint=theirs, event=EVENT
    )
    client = api(team["owner"])
    for method, path in [
        ("get", f"{BASE}/{theirs.pk}"),
        ("patch", f"{BASE}/{theirs.pk}"),
        ("delete", f"{BASE}/{theirs.pk}"),
        ("post", f"{BASE}/{theirs.pk}/rotate-secret"),
        ("post", f"{BASE}/{theirs.pk}/test"),
        ("get", f"{BASE}/{theirs.pk}/deliveries"),
        ("get", f"{BASE}/{theirs.pk}/deliveries/{theirs_delivery.pk}"),
    ]:
        response = getattr(client, method)(path, {"description": "x"}, format="json")
        assert response.status_code == 404, (method, path)
    theirs.refresh_from_db()
    assert theirs.description == "" and WebhookDelivery.objects.count() == 1


def test_a_delivery_of_another_endpoint_is_404(team, endpoint, receiver):
    second, _ = webhook_endpoint_create(actor=team["owner"], url=receiver.url("/2"), events=[EVENT])
    other = WebhookDelivery.objects.create(workspace=second.workspace, endpoint=second, event=EVENT)
    response = api(team["owner"]).get(f"{BASE}/{endpoint.pk}/deliveries/{other.pk}")
    assert response.status_code == 404


def test_an_event_registered_after_start_up_is_offered_by_the_api(team, receiver, monkeypatch):
    """Other apps add their events with ``webhook_event_register`` (analytics: the alerts); the
    API's choices are read per request, so an event registered late is never refused."""
    from workspaces.services import webhooks

    monkeypatch.setattr(webhooks, "WEBHOOK_EVENTS", dict(webhooks.WEBHOOK_EVENTS))
    client = api(team["admin"])
    body = {"url": receiver.url(), "events": ["parcel.delivered"]}
    assert client.post(BASE, body, format="json").status_code == 400
    webhooks.webhook_event_register("parcel.delivered", "A parcel was delivered")
    webhooks.webhook_event_register("parcel.delivered", "A parcel was delivered")  # again: same
    created = client.post(BASE, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["events"] == ["parcel.delivered"]
    assert "alert.firing" in webhooks.webhook_event_codes()  # analytics registered its own


@pytest.mark.parametrize(
    "code, sentence",
    [
        ("release.published", "Something else"),  # taken, with another sentence
        ("ping", "A test"),  # not "<noun>.<verb>"
        ("Release.Published", "Shouting"),
        ("release.", "Half a code"),
    ],
)
def test_a_conflicting_or_malformed_event_registration_is_refused(code, sentence, monkeypatch):
    from workspaces.services import webhooks

    monkeypatch.setattr(webhooks, "WEBHOOK_EVENTS", dict(webhooks.WEBHOOK_EVENTS))
    with pytest.raises(ValueError):
        webhooks.webhook_event_register(code, sentence)
