"""``/api/v1/``: a tenant's public message template library and a mini program's templates
(libraries to choose from, My Templates). A role matrix over every routed method, the error
shape, and a merchant's mini program choosing from its host tenant's library."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.subscriptions import api_urls
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.services import my_template_create, template_library_ensure
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.routes import routed_methods


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name, *args):
    return reverse(f"miniprograms-api:{name}", args=list(args))


@pytest.fixture
def library(tenant):
    template_library_ensure(workspace=tenant)
    return {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}


@pytest.fixture
def program(owner):
    return create_miniprogram(owner)


def add(actor, program, template, keywords):
    return my_template_create(
        actor=actor,
        miniprogram=program,
        public_template=template,
        keywords=keywords,
        library_workspace_ids=library_workspace_ids(miniprogram=program),
    )


def a_message(owner, mine):
    """One row of the mini program's delivery log, through a host app of the tenant."""
    from django.utils import timezone

    from miniprograms.subscriptions.models import Message

    wallet = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})[0]
    now = timezone.now()
    return Message.objects.create(
        miniprogram=mine.miniprogram,
        my_template=mine,
        host_app=wallet,
        template_id=mine.template_id,
        title="Flight status update",
        kind="long_term",
        open_user_id="open-u",
        user_id="u",
        data=[["Gate", "B12"]],
        next_attempt_at=now,
        created_at=now,
    )


def people(tenant, owner, program):
    found = {"owner": owner}
    for role in ("admin", "reviewer", "developer"):
        found[role] = MembershipFactory(workspace=tenant, role=role)
    miniprogram_developer_assign(
        actor=owner, miniprogram=program, user_id=found["developer"].user_id
    )
    found["unassigned"] = MembershipFactory(workspace=tenant, role="developer")
    found["outsider"] = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    return found


@pytest.mark.django_db
def test_pick_keywords_through_the_api(tenant, owner, program, library):
    client = api(owner.user)
    listing = client.get(
        url("miniprogram-public-template-list", tenant.slug, program.app_id), {"search": "flight"}
    ).json()
    [flight] = listing["results"]
    assert flight["title"] == "Flight status update" and flight["kind"] == "long_term"
    endpoint = url("miniprogram-message-template-list", tenant.slug, program.app_id)
    body = {"public_template_id": flight["id"], "keywords": ["Gate", "Status"]}
    created = client.post(endpoint, body, format="json")
    assert created.status_code == 201
    template_id = created.json()["template_id"]
    assert created.json()["keywords"] == ["Gate", "Status"]
    again = client.post(endpoint, {**body, "keywords": ["Status", "Gate"]}, format="json").json()
    assert "already has" in again["error"]["fields"]["keywords"][0]
    assert again["error"]["request_id"]
    repeat = client.post(endpoint, {**body, "keywords": ["Gate", "Gate"]}, format="json")
    assert "only once" in repeat.json()["error"]["fields"]["keywords"][0]
    detail = url("miniprogram-message-template-detail", tenant.slug, program.app_id, template_id)
    patched = client.patch(detail, {"keywords": ["Status", "Gate", "Seat"]}, format="json")
    assert patched.status_code == 200 and patched.json()["keywords"] == ["Status", "Gate", "Seat"]
    assert [t["template_id"] for t in client.get(endpoint).json()["results"]] == [template_id]
    assert client.delete(detail).status_code == 204
    assert client.get(detail).status_code == 404


@pytest.mark.django_db
def test_the_library_filters_and_an_admin_adds_and_retires(tenant, admin, library):
    client = api(admin.user)
    endpoint = url("public-template-list", tenant.slug)
    medical = client.get(endpoint, {"kind": "long_term", "category": "Medical"}).json()
    assert [t["title"] for t in medical["results"]] == [
        "Doctor appointment reminder",
        "Test results available",
    ]
    body = {
        "title": "Parking fee due",
        "category": "Transport",
        "kind": "long_term",
        "keywords": ["Plate number", "Car park", "Entry time", "Fee", "Due date"],
    }
    created = client.post(endpoint, body, format="json")
    assert created.status_code == 201
    few = client.post(endpoint, {**body, "title": "Other", "keywords": ["A"]}, format="json")
    assert "5 to 15" in few.json()["error"]["fields"]["keywords"][0]
    detail = url("public-template-detail", tenant.slug, created.json()["id"])
    assert client.patch(detail, {"is_retired": True}, format="json").json()["is_retired"]
    assert "Parking fee due" not in {t["title"] for t in client.get(endpoint).json()["results"]}
    with_retired = client.get(endpoint, {"include_retired": "true", "search": "parking"}).json()
    assert [t["title"] for t in with_retired["results"]] == ["Parking fee due"]


@pytest.mark.django_db
def test_a_merchant_chooses_from_its_host_tenants_library(tenant, admin):
    host_app = host_app_create(actor=admin, name="Acme Pay", platforms={"android": "com.a.p"})[0]
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[host_app.pk])
    client = api(lead.user)
    assert client.get(url("public-template-list", merchant.slug)).status_code == 404
    listing = client.get(url("miniprogram-public-template-list", merchant.slug, cafe.app_id))
    assert listing.json()["count"] >= 30  # seeded on first use
    assert {t["library"] for t in listing.json()["results"]} == {tenant.slug}
    order = PublicTemplate.objects.get(workspace=tenant, title="Order confirmed")
    created = client.post(
        url("miniprogram-message-template-list", merchant.slug, cafe.app_id),
        {"public_template_id": order.pk, "keywords": ["Amount"]},
        format="json",
    )
    assert created.status_code == 201
    # the host tenant reads it, and cannot write
    reader = api(admin.user)
    mine = url("miniprogram-message-template-list", tenant.slug, cafe.app_id)
    assert reader.get(mine).json()["count"] == 1
    refused = reader.post(mine, {"public_template_id": order.pk, "keywords": ["Store"]})
    assert refused.status_code == 403


# --- the role matrix: every routed method --------------------------------------------------------

EVERYONE = {"owner", "admin", "reviewer", "developer", "unassigned"}
READERS = {"owner", "admin", "reviewer", "developer"}
MATRIX = {
    ("public-template-list", "get"): EVERYONE,
    ("public-template-list", "post"): {"owner", "admin"},
    ("public-template-detail", "get"): EVERYONE,
    ("public-template-detail", "patch"): {"owner", "admin"},
    ("miniprogram-public-template-list", "get"): READERS,
    ("miniprogram-message-template-list", "get"): READERS,
    ("miniprogram-message-template-list", "post"): {"owner", "admin", "developer"},
    ("miniprogram-message-template-detail", "get"): READERS,
    ("miniprogram-message-template-detail", "patch"): {"owner", "admin", "developer"},
    ("miniprogram-message-template-detail", "delete"): {"owner", "admin", "developer"},
    ("miniprogram-message-list", "get"): READERS,
    ("miniprogram-message-detail", "get"): READERS,
    ("miniprogram-message-stats", "get"): READERS,
}
MP_ROUTES = {n for n, _m in MATRIX if n.startswith("miniprogram-")}


def test_the_matrix_covers_every_route():
    # The host apps' message endpoints have their own matrix (test_message_endpoints.py).
    routed = {r for r in routed_methods(api_urls.urlpatterns) if "message-endpoint" not in r[0]}
    assert routed == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), sorted(MATRIX))
@pytest.mark.parametrize(
    "role", ["owner", "admin", "reviewer", "developer", "unassigned", "outsider"]
)
def test_role_matrix(tenant, owner, program, library, name, method, role):
    who = people(tenant, owner, program)
    flight = library["Flight status update"]
    mine = add(owner, program, flight, ["Gate"])
    args = {
        "public-template-detail": [flight.pk],
        "miniprogram-message-template-detail": [mine.template_id],
    }.get(name, [])
    if name == "miniprogram-message-detail":
        args = [a_message(owner, mine).uid]
    if name in MP_ROUTES:
        args = [program.app_id, *args]
    body = {
        "public-template-list": {
            "title": "Parking fee due",
            "category": "Transport",
            "kind": "one_time",
            "keywords": ["A1", "B1", "C1", "D1", "E1"],
        },
        "public-template-detail": {"is_retired": True},
        "miniprogram-message-template-list": {
            "public_template_id": flight.pk,
            "keywords": ["Seat", "Gate"],
        },
        "miniprogram-message-template-detail": {"keywords": ["Status"]},
    }.get(name, {})
    response = getattr(api(who[role].user), method)(
        url(name, tenant.slug, *args), body, format="json"
    )
    if role in MATRIX[(name, method)]:
        assert response.status_code in (200, 201, 204), response.content
    elif role == "outsider" or (role == "unassigned" and name in MP_ROUTES):
        assert response.status_code == 404
    else:
        assert response.status_code == 403, response.content
    changed = {
        ("public-template-list", "post"): lambda: PublicTemplate.objects.filter(
            title="Parking fee due"
        ).exists(),
        ("public-template-detail", "patch"): lambda: (
            PublicTemplate.objects.get(pk=flight.pk).is_retired
        ),
        ("miniprogram-message-template-list", "post"): lambda: MyTemplate.objects.count() == 2,
        ("miniprogram-message-template-detail", "patch"): lambda: (
            MyTemplate.objects.get(pk=mine.pk).keywords == ["Status"]
        ),
        ("miniprogram-message-template-detail", "delete"): lambda: (
            not MyTemplate.objects.filter(pk=mine.pk).exists()
        ),
    }.get((name, method))
    if changed is not None:
        assert changed() == (role in MATRIX[(name, method)])
