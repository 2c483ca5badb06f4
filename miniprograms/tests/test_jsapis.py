"""The JSAPI catalogue, features and applications (issue 12): services, the approvals hub
kind ``jsapi_access`` and the runtime index (miniprograms/jsapis/)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from miniprograms.jsapis import runtime
from miniprograms.jsapis.catalogue import DEFAULT_ALLOWED, FEATURES, JSAPIS, SENSITIVE
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.selectors import jsapi_feature_history, jsapi_permissions
from miniprograms.jsapis.services import (
    APPROVAL_KIND,
    jsapi_application_revoke,
    jsapi_application_withdraw,
    jsapi_apply,
    jsapi_catalogue_ensure,
    jsapi_feature_create,
    jsapi_feature_update,
    jsapi_update,
)
from miniprograms.tests.factories import audit, create_miniprogram
from workspaces.extensions import approval_kind
from workspaces.models import ApprovalRequest
from workspaces.services.approvals import approval_approve, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

REASON = "The store locator page shows the nearest shops to the user."


@pytest.fixture
def host_app(admin):
    return host_app_create(actor=admin, name="Acme Pay", platforms={"android": "com.acme.pay"})[0]


@pytest.fixture
def reviewer(tenant):
    return MembershipFactory(workspace=tenant, role="reviewer")


@pytest.fixture
def program(owner, host_app):
    return create_miniprogram(owner, host_app_ids=[host_app.pk])


@pytest.fixture
def catalogue(tenant):
    jsapi_catalogue_ensure(workspace=tenant)
    return {j.name: j for j in Jsapi.objects.filter(workspace=tenant)}


def feature(tenant, name) -> JsapiFeature:
    return JsapiFeature.objects.get(workspace=tenant, name=name)


def allowed(program, host_app) -> list[str]:
    answer = runtime.index(miniprogram_ids=[program.pk])(program.pk, host_app.pk)
    assert answer is not None
    return answer["allowed"]


# --- the catalogue ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tenant_gets_the_seeded_catalogue_once(tenant):
    assert jsapi_catalogue_ensure(workspace=tenant) is True
    assert jsapi_catalogue_ensure(workspace=tenant) is False  # idempotent
    names = set(Jsapi.objects.filter(workspace=tenant).values_list("name", flat=True))
    assert names == {j.name for j in JSAPIS}
    assert len(names) >= 20
    assert {"getLocation", "tradePay", "scan", "getPhoneNumber", "setStorage"} <= names
    assert (
        set(
            Jsapi.objects.filter(workspace=tenant, is_sensitive=True).values_list("name", flat=True)
        )
        == SENSITIVE
    )
    assert JsapiFeature.objects.filter(workspace=tenant).count() == len(FEATURES)
    payment = feature(tenant, "Basic payment")
    assert payment.access == "activation"
    assert [j.name for j in payment.jsapis.all()] == ["tradePay"]
    assert len(audit("jsapi.catalogue_seed")) == 1


@pytest.mark.django_db
def test_a_developer_workspace_has_no_catalogue(tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    assert jsapi_catalogue_ensure(workspace=merchant) is False
    assert not Jsapi.objects.filter(workspace=merchant).exists()


@pytest.mark.django_db
def test_each_tenant_has_its_own_catalogue(tenant, catalogue, admin):
    other = WorkspaceFactory(kind="tenant")
    jsapi_catalogue_ensure(workspace=other)
    mine = catalogue["getLocation"]
    jsapi_update(actor=admin, jsapi=mine, changes={"is_sensitive": False})
    theirs = Jsapi.objects.get(workspace=other, name="getLocation")
    assert theirs.is_sensitive is True
    other_admin = MembershipFactory(workspace=other, role="admin")
    with pytest.raises(PermissionDenied):
        jsapi_update(actor=other_admin, jsapi=mine, changes={"description": "Pwned"})


@pytest.mark.django_db
def test_editing_a_jsapi_is_audited_with_before_and_after(
    admin, catalogue, django_capture_on_commit_callbacks
):
    jsapi = catalogue["getClipboard"]
    jsapi_update(
        actor=admin,
        jsapi=jsapi,
        changes={"description": "Read the clipboard text.", "is_sensitive": False, "on_ios": True},
    )
    jsapi.refresh_from_db()
    assert jsapi.description == "Read the clipboard text."
    assert jsapi.is_sensitive is False
    [event] = audit("jsapi.update")
    assert event.before == {
        "description": "Read the text on the system clipboard.",
        "is_sensitive": True,
    }
    assert event.after == {"description": "Read the clipboard text.", "is_sensitive": False}
    assert event.actor == admin.user


@pytest.mark.django_db
def test_a_jsapi_needs_a_platform_and_a_description(admin, catalogue):
    jsapi = catalogue["scan"]
    with pytest.raises(ValidationError) as exc:
        jsapi_update(
            actor=admin,
            jsapi=jsapi,
            changes={"on_android": False, "on_ios": False, "description": ""},
        )
    assert set(exc.value.message_dict) == {"on_android", "description"}
    jsapi.refresh_from_db()
    assert jsapi.on_android and jsapi.on_ios
    assert not audit("jsapi.update")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed_to"),
    [("owner", True), ("admin", True), ("reviewer", False), ("developer", False)],
)
def test_only_owner_and_admin_edit_the_catalogue(tenant, catalogue, role, allowed_to):
    member = MembershipFactory(workspace=tenant, role=role)
    jsapi = catalogue["scan"]
    if allowed_to:
        jsapi_update(actor=member, jsapi=jsapi, changes={"category": "Camera"})
        jsapi_feature_create(actor=member, name="Scanning", access="direct", jsapi_ids=[jsapi.pk])
    else:
        with pytest.raises(PermissionDenied):
            jsapi_update(actor=member, jsapi=jsapi, changes={"category": "Camera"})
        with pytest.raises(PermissionDenied):
            jsapi_feature_create(
                actor=member, name="Scanning", access="direct", jsapi_ids=[jsapi.pk]
            )


# --- features and their history --------------------------------------------------------------


@pytest.mark.django_db
def test_feature_history_says_who_changed_what(admin, owner, catalogue, tenant):
    created = jsapi_feature_create(
        actor=admin,
        name="Store finder",
        description="Find nearby shops.",
        access="activation",
        jsapi_ids=[catalogue["getLocation"].pk, catalogue["openLocation"].pk],
    )
    jsapi_feature_update(
        actor=owner,
        feature=created,
        name="Store finder",
        description="Find nearby shops.",
        access="direct",
        jsapi_ids=[catalogue["getLocation"].pk, catalogue["chooseLocation"].pk],
    )
    newest, first = list(jsapi_feature_history(feature=created))
    assert first.verb == "jsapi_feature.create" and first.actor == admin.user
    assert first.after["jsapis"] == ["getLocation", "openLocation"]
    assert newest.verb == "jsapi_feature.update" and newest.actor == owner.user
    assert newest.before == {"access": "activation", "jsapis": ["getLocation", "openLocation"]}
    assert newest.after == {"access": "direct", "jsapis": ["chooseLocation", "getLocation"]}


@pytest.mark.django_db
def test_an_unchanged_feature_save_writes_no_history(admin, tenant, catalogue):
    payment = feature(tenant, "Basic payment")
    jsapi_feature_update(
        actor=admin,
        feature=payment,
        name=payment.name,
        description=payment.description,
        access=payment.access,
        jsapi_ids=[catalogue["tradePay"].pk],
    )
    assert not jsapi_feature_history(feature=payment).exists()


@pytest.mark.django_db
def test_feature_rules(admin, tenant, catalogue):
    other = WorkspaceFactory(kind="tenant")
    jsapi_catalogue_ensure(workspace=other)
    foreign = Jsapi.objects.get(workspace=other, name="scan")
    with pytest.raises(ValidationError) as exc:
        jsapi_feature_create(actor=admin, name="x", access="sometimes", jsapi_ids=[])
    assert set(exc.value.message_dict) == {"name", "access", "jsapis"}
    with pytest.raises(ValidationError) as exc:
        jsapi_feature_create(actor=admin, name="Scanning", access="direct", jsapi_ids=[foreign.pk])
    assert "not in this catalogue" in exc.value.message_dict["jsapis"][0]
    with pytest.raises(ValidationError) as exc:
        jsapi_feature_create(
            actor=admin, name="basic PAYMENT", access="direct", jsapi_ids=[catalogue["scan"].pk]
        )
    assert "already a feature" in exc.value.message_dict["name"][0]


# --- applications through the approvals hub ---------------------------------------------------


@pytest.mark.django_db
def test_the_kind_is_registered():
    kind = approval_kind(APPROVAL_KIND)
    assert kind is not None and kind.label == "JSAPI access" and kind.detail is not None


@pytest.mark.django_db
def test_a_sensitive_jsapi_is_callable_only_after_approval(
    owner, reviewer, program, host_app, catalogue, django_capture_on_commit_callbacks
):
    assert "getLocation" not in allowed(program, host_app)
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getLocation"].pk,
        reason=REASON,
    )
    request = application.approval
    assert request.kind == APPROVAL_KIND
    assert request.deciding_workspace == host_app.workspace
    assert request.notes == REASON
    assert request.payload["application_id"] == application.pk
    assert "getLocation" not in allowed(program, host_app)
    assert audit("jsapi.apply")[0].after["subject"] == "getLocation"

    approval_approve(actor=reviewer, request_id=request.pk)
    application.refresh_from_db()
    assert application.state == JsapiApplication.State.APPROVED
    assert "getLocation" in allowed(program, host_app)


@pytest.mark.django_db
def test_a_rejected_application_opens_nothing_and_can_be_made_again(
    owner, reviewer, program, host_app, catalogue
):
    first = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getPhoneNumber"].pk,
        reason=REASON,
    )
    approval_reject(actor=reviewer, request_id=first.approval_id, reason="Say which page.")
    first.refresh_from_db()
    assert first.state == "rejected"
    assert "getPhoneNumber" not in allowed(program, host_app)
    again = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getPhoneNumber"].pk,
        reason=REASON,
    )
    assert again.state == "processing"


@pytest.mark.django_db
def test_one_live_application_per_subject(owner, program, host_app, catalogue):
    kwargs = {
        "actor": owner,
        "miniprogram": program,
        "host_app_id": host_app.pk,
        "jsapi_id": catalogue["tradePay"].pk,
        "reason": REASON,
    }
    jsapi_apply(**kwargs)
    with pytest.raises(ValidationError) as exc:
        jsapi_apply(**kwargs)
    assert "already approved or waiting" in exc.value.message_dict["subject"][0]
    assert JsapiApplication.objects.count() == 1
    assert ApprovalRequest.objects.filter(kind=APPROVAL_KIND).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("scan", "is not sensitive"),
        ("chooseImage", "through the feature “Camera and album”"),
        ("feature:Camera and album", "is direct"),
    ],
)
def test_what_needs_no_application_is_refused(
    owner, program, host_app, catalogue, tenant, subject, message
):
    if subject.startswith("feature:"):
        ids = {"feature_id": feature(tenant, subject.removeprefix("feature:")).pk}
    else:
        ids = {"jsapi_id": catalogue[subject].pk}
    with pytest.raises(ValidationError) as exc:
        jsapi_apply(actor=owner, miniprogram=program, host_app_id=host_app.pk, reason=REASON, **ids)
    assert message in exc.value.message_dict["subject"][0]
    assert not JsapiApplication.objects.exists()


@pytest.mark.django_db
def test_applying_needs_develop_a_target_and_a_reason(
    tenant, owner, program, host_app, catalogue, admin
):
    ids = {"jsapi_id": catalogue["getLocation"].pk}
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    with pytest.raises(PermissionDenied):
        jsapi_apply(
            actor=reviewer, miniprogram=program, host_app_id=host_app.pk, reason=REASON, **ids
        )
    other_app = host_app_create(actor=admin, name="Acme Wallet", platforms={"ios": "com.acme.w"})[0]
    with pytest.raises(ValidationError) as exc:
        jsapi_apply(
            actor=owner, miniprogram=program, host_app_id=other_app.pk, reason=REASON, **ids
        )
    assert "not released to this host app" in exc.value.message_dict["host_app"][0]
    with pytest.raises(ValidationError) as exc:
        jsapi_apply(actor=owner, miniprogram=program, host_app_id=host_app.pk, reason="pls", **ids)
    assert "10–500" in exc.value.message_dict["reason"][0]
    assert not JsapiApplication.objects.exists()


@pytest.mark.django_db
def test_an_activation_feature_opens_all_its_jsapis(
    owner, reviewer, program, host_app, tenant, catalogue
):
    profile = feature(tenant, "Member profile")
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        feature_id=profile.pk,
        reason=REASON,
    )
    approval_approve(actor=reviewer, request_id=application.approval_id)
    assert {"getOpenUserInfo", "getPhoneNumber", "getAddress"} <= set(allowed(program, host_app))
    assert "getLocation" not in allowed(program, host_app)


@pytest.mark.django_db
def test_the_applicant_withdraws(owner, program, host_app, catalogue):
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["getLocation"].pk,
        reason=REASON,
    )
    jsapi_application_withdraw(actor=owner, application=application)
    application.refresh_from_db()
    assert application.state == "withdrawn"
    assert application.approval.state == "withdrawn"
    jsapi_application_withdraw(actor=owner, application=application)  # a repeat: no-op


@pytest.mark.django_db
def test_the_tenant_revokes_an_approval_at_once(
    owner, reviewer, program, host_app, catalogue, tenant, django_capture_on_commit_callbacks
):
    from workspaces.extensions import register_runtime_changed

    changes = []
    register_runtime_changed("test-jsapis", lambda: changes.append(1))
    try:
        application = jsapi_apply(
            actor=owner,
            miniprogram=program,
            host_app_id=host_app.pk,
            jsapi_id=catalogue["tradePay"].pk,
            reason=REASON,
        )
        approval_approve(actor=reviewer, request_id=application.approval_id)
        assert changes, "an approval changes the runtime answer"
        changes.clear()
        developer = MembershipFactory(workspace=tenant, role="developer")
        with pytest.raises(PermissionDenied):
            jsapi_application_revoke(actor=developer, application=application, reason="No")
        with pytest.raises(ValidationError):
            jsapi_application_revoke(actor=reviewer, application=application, reason="")
        jsapi_application_revoke(actor=reviewer, application=application, reason="Contract ended.")
        assert changes
    finally:
        from workspaces import extensions

        extensions._ON_RUNTIME_CHANGED.pop("test-jsapis", None)
    application.refresh_from_db()
    assert application.state == "revoked" and application.revoke_reason == "Contract ended."
    assert "tradePay" not in allowed(program, host_app)
    [event] = audit("jsapi.revoke")
    assert event.workspace == tenant and event.after["subject"] == "tradePay"


@pytest.mark.django_db
def test_another_tenant_cannot_revoke(owner, reviewer, program, host_app, catalogue):
    application = jsapi_apply(
        actor=owner,
        miniprogram=program,
        host_app_id=host_app.pk,
        jsapi_id=catalogue["tradePay"].pk,
        reason=REASON,
    )
    approval_approve(actor=reviewer, request_id=application.approval_id)
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with pytest.raises(PermissionDenied):
        jsapi_application_revoke(actor=stranger, application=application, reason="Mine now")
    application.refresh_from_db()
    assert application.state == "approved"


@pytest.mark.django_db
def test_a_merchant_applies_and_its_tenant_decides(tenant, reviewer, host_app):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="admin")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[host_app.pk])
    jsapi_catalogue_ensure(workspace=tenant)
    location = Jsapi.objects.get(workspace=tenant, name="getLocation")
    application = jsapi_apply(
        actor=lead, miniprogram=cafe, host_app_id=host_app.pk, jsapi_id=location.pk, reason=REASON
    )
    assert application.approval.requesting_workspace == merchant
    assert application.approval.deciding_workspace == tenant
    approval_approve(actor=reviewer, request_id=application.approval_id)
    assert "getLocation" in allowed(cafe, host_app)
    [host] = jsapi_permissions(miniprogram=cafe, host_workspace=tenant)
    [row] = [r for r in host.sensitive if r.name == "getLocation"]
    assert row.status == "approved"


# --- the runtime index -------------------------------------------------------------------------


@pytest.mark.django_db
def test_runtime_answers_for_targets_only_and_defaults_before_the_catalogue_opens(
    tenant, program, host_app, admin
):
    assert not Jsapi.objects.filter(workspace=tenant).exists()
    jsapis_of = runtime.index(miniprogram_ids=[program.pk])
    assert jsapis_of(program.pk, host_app.pk) == {"allowed": list(DEFAULT_ALLOWED)}
    other = host_app_create(actor=admin, name="Acme Wallet", platforms={"ios": "com.acme.w"})[0]
    assert jsapis_of(program.pk, other.pk) is None
    jsapi_catalogue_ensure(workspace=tenant)
    assert allowed(program, host_app) == list(DEFAULT_ALLOWED)  # the same before and after
    assert "chooseImage" in DEFAULT_ALLOWED  # through the direct "Camera and album"
    assert "getLocation" not in DEFAULT_ALLOWED and "scan" in DEFAULT_ALLOWED


@pytest.mark.django_db
def test_runtime_index_reads_in_a_fixed_number_of_queries_and_shares_answers(
    tenant, owner, reviewer, host_app, catalogue
):
    programs = [
        create_miniprogram(owner, name=f"Shop {i}", host_app_ids=[host_app.pk]) for i in range(6)
    ]
    application = jsapi_apply(
        actor=owner,
        miniprogram=programs[0],
        host_app_id=host_app.pk,
        jsapi_id=catalogue["tradePay"].pk,
        reason=REASON,
    )
    approval_approve(actor=reviewer, request_id=application.approval_id)
    with CaptureQueriesContext(connection) as queries:
        jsapis_of = runtime.index(miniprogram_ids=[p.pk for p in programs])
    assert len(queries) == 4
    with CaptureQueriesContext(connection) as queries:
        answers = [jsapis_of(p.pk, host_app.pk) for p in programs]
    assert len(queries) == 0
    assert "tradePay" in answers[0]["allowed"]
    assert all("tradePay" not in a["allowed"] for a in answers[1:])
    assert all(a is answers[1] for a in answers[2:])  # equal answers: one dict
    assert answers[0]["allowed"] == sorted(answers[0]["allowed"])


@pytest.mark.django_db
def test_marking_a_jsapi_sensitive_closes_it_everywhere(admin, program, host_app, catalogue):
    assert "getSystemInfo" in allowed(program, host_app)
    jsapi_update(actor=admin, jsapi=catalogue["getSystemInfo"], changes={"is_sensitive": True})
    assert "getSystemInfo" not in allowed(program, host_app)


# --- demo data -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_holds_one_approved_and_one_pending_jsapi_application():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    states = dict(
        JsapiApplication.objects.values_list("jsapi__name", "state").order_by("created_at")
    )
    assert states == {"getLocation": "approved", "getPhoneNumber": "processing"}
    pending = JsapiApplication.objects.get(state="processing")
    assert pending.approval.state == "processing"
    assert pending.approval.deciding_workspace.slug == "acme"
    assert Jsapi.objects.filter(workspace__slug="globex").exists()


# --- webhooks and emails -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_application_notifies_the_deciders_and_the_decision_the_applicant(
    tenant,
    owner,
    reviewer,
    program,
    host_app,
    catalogue,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from workspaces.models import WebhookDelivery
    from workspaces.services.webhooks import webhook_endpoint_create

    webhook_endpoint_create(
        actor=owner,
        url="https://93.184.216.34/hook",
        events=["approval.requested", "approval.decided"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = jsapi_apply(
            actor=owner,
            miniprogram=program,
            host_app_id=host_app.pk,
            jsapi_id=catalogue["getLocation"].pk,
            reason=REASON,
        )
    to_deciders = [m for m in mailoutbox if "JSAPI access requested" in m.subject]
    recipients = sorted(a for m in to_deciders for a in m.to)
    assert reviewer.user.email in recipients and owner.user.email not in recipients
    assert REASON in to_deciders[0].body and "getLocation" in to_deciders[0].subject
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=reviewer, request_id=application.approval_id)
    [decided] = mailoutbox
    assert decided.to == [owner.user.email] and "approved" in decided.subject
    events = list(WebhookDelivery.objects.values_list("event", flat=True).order_by("pk"))
    assert events == ["approval.requested", "approval.decided"]
    payload = WebhookDelivery.objects.get(event="approval.decided").payload
    assert payload["data"]["jsapi_application"]["name"] == "getLocation"


@pytest.mark.django_db
def test_taking_the_program_offline_cancels_waiting_applications_there(
    owner, reviewer, program, host_app, catalogue
):
    from miniprograms.services.lifecycle import miniprogram_take_offline

    waiting = jsapi_apply(
        actor=owner,
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
    approval_approve(actor=reviewer, request_id=approved.approval_id)
    miniprogram_take_offline(
        actor=owner, miniprogram=program, host_app_id=host_app.pk, reason="Menu update"
    )
    waiting.refresh_from_db()
    approved.refresh_from_db()
    assert waiting.state == "cancelled" and waiting.approval.state == "cancelled"
    assert "Menu update" in waiting.approval.reason
    assert approved.state == "approved"
