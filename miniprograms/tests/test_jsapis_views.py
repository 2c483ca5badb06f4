"""JSAPI pages: the tenant's catalogue, features and access granted; a mini program's
Development › JSAPI permissions (apply, withdraw); role matrices and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.services import jsapi_apply, jsapi_catalogue_ensure
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import audit, create_miniprogram
from workspaces.models import ApprovalRequest
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

REASON = "The store locator page shows the nearest shops to the user."


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


def member(workspace, role):
    if role == "owner":
        from workspaces.models import Membership

        return Membership.objects.get(workspace=workspace, role="owner")
    return MembershipFactory(workspace=workspace, role=role)


def tenant_url(name, tenant, *args):
    return reverse(f"development:{name}", args=[tenant.slug, *args])


def dev_url(name, program, *args):
    return reverse(f"miniprograms:{name}", args=[program.workspace.slug, program.app_id, *args])


# --- the tenant's catalogue pages --------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_is_seeded_on_first_visit_and_filters(client, tenant, owner):
    client.force_login(owner.user)
    response = client.get(tenant_url("jsapis", tenant))
    assert response.status_code == 200
    body = response.content.decode()
    assert "getLocation" in body and "tradePay" in body
    assert Jsapi.objects.filter(workspace=tenant).exists()
    response = client.get(tenant_url("jsapis", tenant), {"sensitive": "yes", "q": "pay"})
    names = [j.name for j in response.context["jsapis"]]
    assert names == ["paySignCenter", "tradePay"]
    response = client.get(
        tenant_url("jsapis", tenant), {"category": "Bluetooth", "platform": "ios"}
    )
    assert [j.name for j in response.context["jsapis"]] == [
        "connectBLEDevice",
        "openBluetoothAdapter",
        "startBeaconDiscovery",
        "startBluetoothDevicesDiscovery",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "read", "edit"),
    [("owner", 200, 200), ("admin", 200, 200), ("reviewer", 200, 403), ("developer", 200, 403)],
)
def test_catalogue_role_matrix(client, tenant, owner, catalogue, role, read, edit):
    client.force_login(member(tenant, role).user)
    jsapi = catalogue["getClipboard"]
    payment = JsapiFeature.objects.get(workspace=tenant, name="Basic payment")
    for url in (
        tenant_url("jsapis", tenant),
        tenant_url("jsapi", tenant, jsapi.pk),
        tenant_url("jsapi-features", tenant),
        tenant_url("jsapi-feature", tenant, payment.pk),
    ):
        assert client.get(url).status_code == read, url
    for url in (
        tenant_url("jsapi-edit", tenant, jsapi.pk),
        tenant_url("jsapi-feature-create", tenant),
        tenant_url("jsapi-feature-edit", tenant, payment.pk),
    ):
        assert client.get(url).status_code == edit, url
    response = client.post(
        tenant_url("jsapi-edit", tenant, jsapi.pk),
        {"category": "Device", "description": "Read the clipboard.", "on_android": "on"},
    )
    assert response.status_code == (302 if edit == 200 else 403)
    jsapi.refresh_from_db()
    assert (jsapi.description == "Read the clipboard.") == (edit == 200)
    assert (jsapi.is_sensitive is False) == (edit == 200)


@pytest.mark.django_db
def test_a_developer_workspace_has_no_catalogue_pages(client, tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    client.force_login(lead.user)
    for name in ("jsapis", "jsapi-features", "jsapi-feature-create", "jsapi-access"):
        assert client.get(tenant_url(name, merchant)).status_code == 404, name
    assert (
        "data-nav-jsapis"
        not in client.get(reverse("miniprograms:list", args=[merchant.slug])).content.decode()
    )


@pytest.mark.django_db
def test_the_sidebar_links_the_catalogue_for_tenants(client, tenant, owner):
    client.force_login(owner.user)
    body = client.get(reverse("miniprograms:list", args=[tenant.slug])).content.decode()
    assert f'href="{tenant_url("jsapis", tenant)}"' in body


@pytest.mark.django_db
def test_editing_keeps_input_on_error(client, tenant, admin, catalogue):
    client.force_login(admin.user)
    jsapi = catalogue["scan"]
    response = client.post(
        tenant_url("jsapi-edit", tenant, jsapi.pk),
        {"category": "Scanner", "description": "Scan codes", "is_sensitive": "on"},
    )
    assert response.status_code == 200
    assert "Choose at least one platform" in response.content.decode()
    assert 'value="Scanner"' in response.content.decode()
    jsapi.refresh_from_db()
    assert jsapi.category == "Media"


@pytest.mark.django_db
def test_catalogue_list_query_count_does_not_grow(
    client, tenant, owner, catalogue, django_assert_max_num_queries
):
    client.force_login(owner.user)
    url = tenant_url("jsapis", tenant)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "getLocation"})
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["jsapis"]) >= 25


@pytest.mark.django_db
def test_feature_list_query_count_does_not_grow(
    client, tenant, owner, catalogue, django_assert_max_num_queries
):
    from miniprograms.jsapis.services import jsapi_feature_create

    client.force_login(owner.user)
    url = tenant_url("jsapi-features", tenant)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    ids = [j.pk for j in catalogue.values()][:8]
    for i in range(10):
        jsapi_feature_create(actor=owner, name=f"Bundle {i}", access="direct", jsapi_ids=ids)
    with django_assert_max_num_queries(len(before)):
        response = client.get(url)
    assert len(response.context["features"]) == 15


# --- features: add, edit, history ----------------------------------------------------------------


@pytest.mark.django_db
def test_add_then_edit_a_feature_and_read_its_history(client, tenant, admin, catalogue):
    client.force_login(admin.user)
    response = client.post(
        tenant_url("jsapi-feature-create", tenant),
        {
            "name": "Store finder",
            "description": "Find nearby shops.",
            "access": "activation",
            "jsapis": [catalogue["getLocation"].pk, catalogue["openLocation"].pk],
        },
    )
    created = JsapiFeature.objects.get(workspace=tenant, name="Store finder")
    assert response.status_code == 302
    assert response["Location"] == tenant_url("jsapi-feature", tenant, created.pk)
    client.post(
        tenant_url("jsapi-feature-edit", tenant, created.pk),
        {
            "name": "Store finder",
            "description": "Find nearby shops.",
            "access": "direct",
            "jsapis": [catalogue["getLocation"].pk, catalogue["chooseLocation"].pk],
        },
    )
    body = client.get(tenant_url("jsapi-feature", tenant, created.pk)).content.decode()
    assert body.count("data-history-row") == 2
    assert "+ chooseLocation" in body and "− openLocation" in body
    assert "Activation needed" in body


@pytest.mark.django_db
def test_a_refused_feature_keeps_the_input(client, tenant, admin, catalogue):
    client.force_login(admin.user)
    response = client.post(
        tenant_url("jsapi-feature-create", tenant),
        {
            "name": "Basic Payment",
            "description": "Dup",
            "access": "direct",
            "jsapis": [catalogue["scan"].pk],
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "already a feature" in body and 'value="Basic Payment"' in body
    assert JsapiFeature.objects.filter(workspace=tenant).count() == 5


# --- a mini program's JSAPI permissions --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("owner", 200, True),
        ("admin", 200, True),
        ("reviewer", 200, False),
        ("developer", 200, True),
        ("unassigned", 404, False),
    ],
)
def test_permissions_role_matrix(
    client, tenant, owner, program, host_app, catalogue, role, read, write
):
    who = member(tenant, "developer" if role == "unassigned" else role)
    if role == "developer":
        miniprogram_developer_assign(actor=owner, miniprogram=program, user_id=who.user_id)
    client.force_login(who.user)
    response = client.get(dev_url("dev-jsapis", program))
    assert response.status_code == read
    if read == 200:
        assert response.context["dev_section"] == "jsapis"
        assert ("Apply" in response.content.decode()) == write
    apply_url = dev_url("dev-jsapis-apply", program, host_app.pk)
    expected_get = 200 if write else (404 if read == 404 else 403)
    assert client.get(apply_url).status_code == expected_get
    response = client.post(
        apply_url, {"subject": f"jsapi:{catalogue['getLocation'].pk}", "reason": REASON}
    )
    assert response.status_code == (302 if write else expected_get)
    assert JsapiApplication.objects.filter(miniprogram=program).exists() == write


@pytest.mark.django_db
def test_apply_then_withdraw_from_the_page(client, tenant, owner, program, host_app, catalogue):
    client.force_login(owner.user)
    page = dev_url("dev-jsapis", program)
    body = client.get(page).content.decode()
    assert "Not applied for" in body
    location = catalogue["getLocation"]
    response = client.get(
        dev_url("dev-jsapis-apply", program, host_app.pk), {"subject": f"jsapi:{location.pk}"}
    )
    assert f'value="jsapi:{location.pk}" selected' in response.content.decode()
    response = client.post(
        dev_url("dev-jsapis-apply", program, host_app.pk),
        {"subject": f"jsapi:{location.pk}", "reason": "short"},
    )
    assert response.status_code == 200 and "at least 10 characters" in response.content.decode()
    response = client.post(
        dev_url("dev-jsapis-apply", program, host_app.pk),
        {"subject": f"jsapi:{location.pk}", "reason": REASON},
    )
    assert response.status_code == 302
    application = JsapiApplication.objects.get()
    body = client.get(page).content.decode()
    assert 'data-state="processing"' in body
    response = client.post(dev_url("dev-jsapis-withdraw", program, application.pk))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "withdrawn"


@pytest.mark.django_db
def test_the_page_lists_each_host_app(client, tenant, owner, admin, catalogue):
    other = host_app_create(actor=admin, name="Acme Wallet", platforms={"ios": "com.acme.w"})[0]
    first = host_app_create(actor=admin, name="Acme Bank", platforms={"ios": "com.acme.b"})[0]
    program = create_miniprogram(owner, host_app_ids=[other.pk, first.pk])
    client.force_login(owner.user)
    response = client.get(dev_url("dev-jsapis", program))
    assert [h.host_app.name for h in response.context["hosts"]] == ["Acme Bank", "Acme Wallet"]
    assert response.context["current"].host_app == first
    response = client.get(dev_url("dev-jsapis", program), {"host_app": other.pk})
    assert response.context["current"].host_app == other


@pytest.mark.django_db
def test_no_host_app_yet_shows_an_empty_state(client, owner):
    program = create_miniprogram(owner)
    client.force_login(owner.user)
    body = client.get(dev_url("dev-jsapis", program)).content.decode()
    assert "Not released to any host app yet" in body


@pytest.mark.django_db
def test_permissions_page_query_count_does_not_grow(
    client, tenant, owner, program, host_app, catalogue, django_assert_max_num_queries
):
    client.force_login(owner.user)
    url = dev_url("dev-jsapis", program)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for name in ("getLocation", "tradePay", "getPhoneNumber", "getClipboard", "connectBLEDevice"):
        jsapi_apply(
            actor=owner,
            miniprogram=program,
            host_app_id=host_app.pk,
            jsapi_id=catalogue[name].pk,
            reason=REASON,
        )
    with django_assert_max_num_queries(len(before)):
        client.get(url)


@pytest.mark.django_db
def test_the_host_tenant_reads_a_merchant_programs_permissions_only(
    client, tenant, owner, host_app, catalogue
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
    client.force_login(owner.user)
    url = reverse("miniprograms:dev-jsapis", args=[tenant.slug, cafe.app_id])
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-state="processing"' in response.content.decode()
    assert "Withdraw" not in response.content.decode()
    assert (
        client.get(
            reverse("miniprograms:dev-jsapis-apply", args=[tenant.slug, cafe.app_id, host_app.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse(
                "miniprograms:dev-jsapis-withdraw", args=[tenant.slug, cafe.app_id, application.pk]
            )
        ).status_code
        == 403
    )
    application.refresh_from_db()
    assert application.state == "processing"


# --- access granted: the tenant revokes ---------------------------------------------------------


@pytest.fixture
def approved(tenant, owner, program, host_app, catalogue):
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["tradePay"].pk,
        reason=REASON,
    )
    approval_approve(actor=member(tenant, "reviewer"), request_id=application.approval_id)
    application.refresh_from_db()
    return application


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "code"), [("owner", 302), ("admin", 302), ("reviewer", 302), ("developer", 403)]
)
def test_revoke_role_matrix(client, tenant, approved, role, code):
    client.force_login(member(tenant, role).user)
    assert client.get(tenant_url("jsapi-access", tenant)).status_code == (
        200 if code == 302 else 403
    )
    response = client.post(
        tenant_url("jsapi-access-revoke", tenant, approved.pk), {"reason": "Contract ended."}
    )
    assert response.status_code == code
    approved.refresh_from_db()
    assert (approved.state == "revoked") == (code == 302)


@pytest.mark.django_db
def test_access_list_shows_approved_and_revoke_needs_a_reason(client, tenant, admin, approved):
    client.force_login(admin.user)
    body = client.get(tenant_url("jsapi-access", tenant)).content.decode()
    assert f'data-application="{approved.pk}"' in body and "tradePay" in body
    response = client.post(
        tenant_url("jsapi-access-revoke", tenant, approved.pk), {"reason": ""}, follow=True
    )
    assert "Say why" in response.content.decode()
    approved.refresh_from_db()
    assert approved.state == "approved"
    assert not audit("jsapi.revoke")


@pytest.mark.django_db
def test_the_approval_page_shows_the_application(
    client, tenant, owner, program, host_app, catalogue
):
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        feature_id=JsapiFeature.objects.get(workspace=tenant, name="Member profile").pk,
        reason=REASON,
    )
    reviewer = member(tenant, "reviewer")
    client.force_login(reviewer.user)
    body = client.get(
        reverse("workspaces:approval", args=[tenant.slug, application.approval_id])
    ).content.decode()
    assert "data-jsapi-application" in body and "getPhoneNumber" in body and REASON in body
    client.post(
        reverse("workspaces:approval-approve", args=[tenant.slug, application.approval_id]),
        {"note": ""},
    )
    application.refresh_from_db()
    assert application.state == "approved"
    assert ApprovalRequest.objects.get(pk=application.approval_id).state == "approved"
    body = client.get(
        reverse("workspaces:approval", args=[tenant.slug, application.approval_id])
    ).content.decode()
    assert tenant_url("jsapi-access-revoke", tenant, application.pk) in body


@pytest.mark.django_db
def test_access_list_query_count_does_not_grow(
    client, tenant, owner, host_app, catalogue, django_assert_max_num_queries
):
    client.force_login(owner.user)
    url = tenant_url("jsapi-access", tenant)
    names = ["getLocation", "tradePay", "getPhoneNumber", "getClipboard", "connectBLEDevice"]
    programs = [
        create_miniprogram(owner, name=f"Shop {i}", host_app_ids=[host_app.pk]) for i in range(3)
    ]
    jsapi_apply(
        actor=owner,
        miniprogram=programs[0],
        host_app_id=host_app.pk,
        jsapi_id=catalogue[names[0]].pk,
        reason=REASON,
    )
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url, {"state": ""}).context["applications"]) == 1
    for program in programs:
        for name in names[1:]:
            jsapi_apply(
                actor=owner,
                miniprogram=program,
                host_app_id=host_app.pk,
                jsapi_id=catalogue[name].pk,
                reason=REASON,
            )
    with django_assert_max_num_queries(len(one)):
        response = client.get(url, {"state": ""})
    assert len(response.context["applications"]) == 13
