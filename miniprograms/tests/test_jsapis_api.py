"""``/api/v1/``: the JSAPI catalogue, features and history, access granted, and a mini
program's JSAPI permissions and applications. A role matrix over every routed method."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.jsapis import api_urls
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.services import jsapi_apply, jsapi_catalogue_ensure
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import Membership
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.routes import routed_methods

REASON = "The store locator page shows the nearest shops to the user."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name, *args):
    return reverse(f"miniprograms-api:{name}", args=list(args))


@pytest.fixture
def host_app(admin):
    return host_app_create(actor=admin, name="Acme Pay", platforms={"android": "com.acme.pay"})[0]


@pytest.fixture
def program(owner, host_app):
    return create_miniprogram(owner, host_app_ids=[host_app.pk])


@pytest.fixture
def catalogue(tenant):
    jsapi_catalogue_ensure(workspace=tenant)
    return {j.name: j for j in Jsapi.objects.filter(workspace=tenant)}


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
def test_catalogue_list_filters_and_detail(tenant, owner):
    client = api(owner.user)
    response = client.get(url("jsapi-list", tenant.slug), {"sensitive": "true", "search": "pay"})
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["paySignCenter", "tradePay"]
    trade = response.json()["results"][1]
    assert trade["platforms"] == ["android", "ios"] and trade["is_sensitive"] is True
    assert client.get(url("jsapi-detail", tenant.slug, trade["id"])).json()["name"] == "tradePay"


@pytest.mark.django_db
def test_feature_create_patch_and_history(tenant, admin, catalogue):
    client = api(admin.user)
    response = client.post(
        url("jsapi-feature-list", tenant.slug),
        {"name": "Store finder", "access": "activation", "jsapis": ["openLocation", "getLocation"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["jsapis"] == ["getLocation", "openLocation"]
    response = client.patch(
        url("jsapi-feature-detail", tenant.slug, created["id"]), {"access": "direct"}, format="json"
    )
    assert response.status_code == 200 and response.json()["access"] == "direct"
    assert response.json()["jsapis"] == ["getLocation", "openLocation"]
    history = client.get(url("jsapi-feature-history", tenant.slug, created["id"])).json()["results"]
    assert [h["verb"] for h in history] == ["jsapi_feature.update", "jsapi_feature.create"]
    assert history[0]["before"] == {"access": "activation"} and history[0]["after"] == {
        "access": "direct"
    }
    assert history[0]["actor"] == admin.user.email
    response = client.post(
        url("jsapi-feature-list", tenant.slug),
        {"name": "Nope", "access": "direct", "jsapis": ["getTeleport"]},
        format="json",
    )
    assert response.status_code == 400
    assert "getTeleport" in response.json()["error"]["fields"]["jsapis"][0]


@pytest.mark.django_db
def test_apply_approve_permissions_and_revoke(tenant, owner, program, host_app, catalogue):
    client = api(owner.user)
    response = client.post(
        url("miniprogram-jsapi-application-list", tenant.slug, program.app_id),
        {"host_app_id": host_app.pk, "jsapi": "getLocation", "reason": REASON},
        format="json",
    )
    assert response.status_code == 201, response.json()
    application = response.json()
    assert application["state"] == "processing" and application["name"] == "getLocation"
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    approval_approve(actor=reviewer, request_id=application["approval_id"])
    [host] = client.get(url("miniprogram-jsapi-permissions", tenant.slug, program.app_id)).json()
    assert host["host_app_id"] == host_app.pk and "getLocation" in host["allowed"]
    [row] = [r for r in host["sensitive"] if r["name"] == "getLocation"]
    assert row["status"] == "approved" and row["application_id"] == application["id"]
    access = api(reviewer.user).get(url("jsapi-access-list", tenant.slug), {"state": "approved"})
    assert [a["id"] for a in access.json()["results"]] == [application["id"]]
    response = api(reviewer.user).post(
        url("jsapi-access-revoke", tenant.slug, application["id"]),
        {"reason": "Contract ended."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    [host] = client.get(url("miniprogram-jsapi-permissions", tenant.slug, program.app_id)).json()
    assert "getLocation" not in host["allowed"]


@pytest.mark.django_db
def test_apply_errors_have_the_api_shape(tenant, owner, program, host_app, catalogue):
    client = api(owner.user)
    endpoint = url("miniprogram-jsapi-application-list", tenant.slug, program.app_id)
    response = client.post(
        endpoint, {"host_app_id": host_app.pk, "jsapi": "scan", "reason": REASON}, format="json"
    )
    assert response.status_code == 400
    assert "not sensitive" in response.json()["error"]["fields"]["subject"][0]
    assert response.json()["error"]["request_id"]
    response = client.post(
        endpoint, {"host_app_id": host_app.pk, "jsapi": "fly", "reason": REASON}, format="json"
    )
    assert (
        response.status_code == 400
        and "no such JSAPI" in response.json()["error"]["fields"]["jsapi"][0]
    )
    response = client.post(endpoint, {"host_app_id": host_app.pk, "reason": REASON}, format="json")
    assert response.status_code == 400
    assert not JsapiApplication.objects.exists()


@pytest.mark.django_db
def test_a_developer_workspace_has_no_catalogue_endpoints(tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    client = api(lead.user)
    for name in ("jsapi-list", "jsapi-feature-list", "jsapi-access-list"):
        assert client.get(url(name, merchant.slug)).status_code == 404


# --- the role matrix: every routed method --------------------------------------------------------

# (url name, method) → roles that succeed; every other role of the tenant 403 (404 for the
# unassigned Developer on a mini program's endpoints, and for an outsider everywhere).
MATRIX = {
    ("jsapi-list", "get"): {"owner", "admin", "reviewer", "developer", "unassigned"},
    ("jsapi-detail", "get"): {"owner", "admin", "reviewer", "developer", "unassigned"},
    ("jsapi-detail", "patch"): {"owner", "admin"},
    ("jsapi-feature-list", "get"): {"owner", "admin", "reviewer", "developer", "unassigned"},
    ("jsapi-feature-list", "post"): {"owner", "admin"},
    ("jsapi-feature-detail", "get"): {"owner", "admin", "reviewer", "developer", "unassigned"},
    ("jsapi-feature-detail", "patch"): {"owner", "admin"},
    ("jsapi-feature-history", "get"): {"owner", "admin", "reviewer", "developer", "unassigned"},
    ("jsapi-access-list", "get"): {"owner", "admin", "reviewer"},
    ("jsapi-access-revoke", "post"): {"owner", "admin", "reviewer"},
    ("miniprogram-jsapi-permissions", "get"): {"owner", "admin", "reviewer", "developer"},
    ("miniprogram-jsapi-application-list", "get"): {"owner", "admin", "reviewer", "developer"},
    ("miniprogram-jsapi-application-list", "post"): {"owner", "admin", "developer"},
    ("miniprogram-jsapi-application-withdraw", "post"): {"owner", "admin", "developer"},
}
MP_ROUTES = {n for n, _m in MATRIX if n.startswith("miniprogram-")}


def test_the_matrix_covers_every_route():
    assert routed_methods(api_urls.urlpatterns) == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), sorted(MATRIX))
@pytest.mark.parametrize(
    "role", ["owner", "admin", "reviewer", "developer", "unassigned", "outsider"]
)
def test_role_matrix(tenant, owner, program, host_app, catalogue, name, method, role):
    who = people(tenant, owner, program)
    feature = JsapiFeature.objects.get(workspace=tenant, name="Basic payment")
    # Each case needs a subject in the right state: an approved application (revoke), a
    # processing one of the acting person (withdraw: its submitter, or an admin).
    submitter = who["developer"] if role == "developer" else owner
    pending = jsapi_apply(
        actor=submitter,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getLocation"].pk,
        reason=REASON,
    )
    approved = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["tradePay"].pk,
        reason=REASON,
    )
    approval_approve(actor=who["reviewer"], request_id=approved.approval_id)
    args = {
        "jsapi-detail": [catalogue["scan"].pk],
        "jsapi-feature-detail": [feature.pk],
        "jsapi-feature-history": [feature.pk],
        "jsapi-access-revoke": [approved.pk],
        "miniprogram-jsapi-application-withdraw": [pending.pk],
    }.get(name, [])
    if name in MP_ROUTES:
        args = [program.app_id, *args]
    body = {
        "jsapi-detail": {"category": "Camera"},
        "jsapi-feature-list": {"name": "Scanning", "access": "direct", "jsapis": ["scan"]},
        "jsapi-feature-detail": {"description": "Changed."},
        "jsapi-access-revoke": {"reason": "Contract ended."},
        "miniprogram-jsapi-application-list": {
            "host_app_id": host_app.pk,
            "jsapi": "getPhoneNumber",
            "reason": REASON,
        },
    }.get(name, {})
    response = getattr(api(who[role].user), method)(
        url(name, tenant.slug, *args), body, format="json"
    )
    if role in MATRIX[(name, method)]:
        assert response.status_code in (200, 201), response.json()
    elif role == "outsider" or (role == "unassigned" and name in MP_ROUTES):
        assert response.status_code == 404
    else:
        assert response.status_code == 403, response.json()
    changed = {
        "jsapi-detail": lambda: Jsapi.objects.get(pk=catalogue["scan"].pk).category == "Camera",
        "jsapi-feature-list": lambda: JsapiFeature.objects.filter(name="Scanning").exists(),
        "jsapi-feature-detail": lambda: (
            JsapiFeature.objects.get(pk=feature.pk).description == "Changed."
        ),
        "jsapi-access-revoke": lambda: (
            JsapiApplication.objects.get(pk=approved.pk).state == "revoked"
        ),
        "miniprogram-jsapi-application-list": lambda: JsapiApplication.objects.filter(
            jsapi__name="getPhoneNumber"
        ).exists(),
        "miniprogram-jsapi-application-withdraw": lambda: (
            JsapiApplication.objects.get(pk=pending.pk).state == "withdrawn"
        ),
    }.get(name)
    if changed is not None and method != "get":
        assert changed() == (role in MATRIX[(name, method)])


@pytest.mark.django_db
def test_the_host_tenant_reads_a_merchant_programs_permissions_and_changes_nothing(
    tenant, owner, host_app, catalogue
):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="admin")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[host_app.pk])
    application = jsapi_apply(
        actor=lead,
        miniprogram=cafe,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getLocation"].pk,
        reason=REASON,
    )
    client = api(owner.user)
    assert (
        client.get(url("miniprogram-jsapi-permissions", tenant.slug, cafe.app_id)).status_code
        == 200
    )
    assert (
        client.get(url("miniprogram-jsapi-application-list", tenant.slug, cafe.app_id)).json()[
            "count"
        ]
        == 1
    )
    response = client.post(
        url("miniprogram-jsapi-application-withdraw", tenant.slug, cafe.app_id, application.pk),
        format="json",
    )
    assert response.status_code == 403
    assert Membership.objects.filter(workspace=merchant).count() == 1
    application.refresh_from_db()
    assert application.state == "processing"
