"""The tenancy API under /api/v1/workspaces/…: same services, same capability checks.

The role matrix calls every workspace endpoint as owner, admin, reviewer, developer, a member of
another workspace and an anonymous client, and asserts the status *and* whether the row changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from django.core import mail
from django.core.management import call_command
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from workspaces import api_urls_tenancy as tenancy_urls
from workspaces.authz import Cap
from workspaces.extensions import register_approval_kind, unregister_approval_kind
from workspaces.models import (
    ApprovalRequest,
    AuditEvent,
    HostApp,
    Invitation,
    Membership,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
    WorkspaceSettings,
    WorkspaceUserObjectPermission,
)
from workspaces.services.approvals import approval_request_open
from workspaces.services.audit import audit_record
from workspaces.services.grants import grant_add
from workspaces.services.hostapps import (
    host_app_authenticate,
    host_app_create,
    host_app_freeze_key,
)
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.tokens import token_create
from workspaces.services.webhooks import webhook_endpoint_create, webhook_endpoint_test
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.tests.images import image_upload
from workspaces.tests.webhook_receiver import closed_port

pytestmark = pytest.mark.django_db

ROLES = ["owner", "admin", "reviewer", "developer"]
EVERYONE = ["owner", "admin", "reviewer", "developer", "outsider", "anonymous"]
MANAGERS = {"owner", "admin"}
MEMBERS = set(ROLES)
DECIDERS = {"owner", "admin", "reviewer"}
WEBHOOK_EVENT = "release.published"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error_of(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"]
    return body["error"]


APPROVAL_KIND = "tenancy_api_test"


@pytest.fixture
def approval_kind():
    """A kind of approval request whose decisions change nothing else."""
    register_approval_kind(APPROVAL_KIND, label="Tenancy test", on_decided=lambda **_: None)
    yield APPROVAL_KIND
    unregister_approval_kind(APPROVAL_KIND)


@pytest.fixture
def world(approval_kind):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    members = {
        role: MembershipFactory(
            workspace=tenant,
            role=role,
            user=UserFactory(email=f"{role}@acme.test", name=role.title()),
        )
        for role in ROLES
    }
    target = MembershipFactory(
        workspace=tenant,
        role=Membership.Role.DEVELOPER,
        user=UserFactory(email="target@acme.test", name="Tara Target"),
    )
    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(
        workspace=other, role="owner", user=UserFactory(email="out@globex.test")
    )
    (invitation,) = invitation_create_batch(
        actor=members["owner"],
        specs=[InviteSpec(name="Ivy", email="ivy@acme.test", role="developer")],
    )
    app, secret = host_app_create(
        actor=members["owner"], name="Acme Wallet", platforms={"android": "com.acme.wallet"}
    )
    # Objects of the other workspace, for "an id from elsewhere is a 404" checks.
    (other_invitation,) = invitation_create_batch(
        actor=outsider, specs=[InviteSpec(name="Gus", email="gus@globex.test", role="admin")]
    )
    other_app, _ = host_app_create(
        actor=outsider, name="Globex Pay", platforms={"ios": "com.globex.pay"}
    )
    # Object grants: the target developer may read the audit log; likewise in the other one.
    grant_add(actor=members["owner"], user_id=target.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    other_dev = MembershipFactory(workspace=other, role="developer")
    grant_add(actor=outsider, user_id=other_dev.user_id, cap=Cap.VIEW_AUDIT, obj=other)
    # Approval requests: one sent to acme to decide, one acme's owner sent to the other.
    to_decide = approval_request_open(
        actor=outsider,
        kind=approval_kind,
        deciding_workspace=tenant,
        subject_key="thing:1",
        summary="Globex asks Acme",
    )
    requested = approval_request_open(
        actor=members["owner"],
        kind=approval_kind,
        deciding_workspace=other,
        subject_key="thing:2",
        summary="Acme asks Globex",
    )
    # A webhook endpoint (to a closed local port: a test event fails fast) with one delivery.
    webhook, _ = webhook_endpoint_create(
        actor=members["owner"], url=f"http://127.0.0.1:{closed_port()}/hook", events=[WEBHOOK_EVENT]
    )
    return SimpleNamespace(
        webhook=webhook,
        webhook_delivery=webhook_endpoint_test(actor=members["owner"], endpoint_id=webhook.pk),
        to_decide=to_decide,
        requested=requested,
        tenant=tenant,
        members=members,
        target=target,
        other=other,
        outsider=outsider,
        invitation=invitation,
        app=app,
        secret=secret,
        other_member=outsider,
        other_invitation=other_invitation,
        other_app=other_app,
        grant=WorkspaceUserObjectPermission.objects.get(content_object=tenant),
        other_grant=WorkspaceUserObjectPermission.objects.get(content_object=other),
    )


def client_for(world, who: str) -> APIClient:
    if who == "anonymous":
        return api()
    if who == "outsider":
        return api(world.outsider.user)
    return api(world.members[who].user)


# --- the role matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[Any], str]
    allowed: frozenset[str]
    status: int = 200
    body: Callable[[Any], dict] | None = None
    # A snapshot of what the call may change; None for reads.
    state: Callable[[Any], Any] | None = None
    # What a member outside ``allowed`` gets (a 400 when a service rule says who may).
    denied: int = 403
    # Brings the world into the state the call acts on (e.g. a frozen key to unfreeze).
    setup: Callable[[Any], None] | None = None

    def __str__(self) -> str:
        return self.name


def _ws(suffix: str = "") -> Callable[[Any], str]:
    return lambda w: f"/api/v1/workspaces/{w.tenant.slug}{suffix}"


def _ws_webhook(suffix: str) -> Callable[[Any], str]:
    return lambda w: f"/api/v1/workspaces/{w.tenant.slug}/webhooks/{w.webhook.pk}{suffix}"


def _approval_state(name: str) -> Callable[[Any], str]:
    return lambda w: ApprovalRequest.objects.get(pk=getattr(w, name).pk).state


def _member(w) -> Membership | None:
    return Membership.objects.filter(pk=w.target.pk).values("role", "status").first()


CASES = [
    Case("workspace detail", "get", _ws(), frozenset(MEMBERS)),
    Case(
        "workspace settings update",
        "patch",
        _ws(),
        frozenset(MANAGERS),
        body=lambda w: {"about_url": "https://acme.test/about", "name": "Acme Inc"},
        state=lambda w: (
            Workspace.objects.get(pk=w.tenant.pk).name,
            WorkspaceSettings.objects.filter(workspace=w.tenant)
            .values_list("about_url", flat=True)
            .first(),
        ),
    ),
    Case("member list", "get", _ws("/members"), frozenset(MEMBERS)),
    Case(
        "member detail",
        "get",
        lambda w: f"/api/v1/workspaces/acme/members/{w.target.pk}",
        frozenset(MEMBERS),
    ),
    Case(
        "member role change",
        "patch",
        lambda w: f"/api/v1/workspaces/acme/members/{w.target.pk}",
        frozenset(MANAGERS),
        body=lambda w: {"role": "reviewer"},
        state=_member,
    ),
    Case(
        "member block",
        "patch",
        lambda w: f"/api/v1/workspaces/acme/members/{w.target.pk}",
        frozenset(MANAGERS),
        body=lambda w: {"status": "blocked"},
        state=_member,
    ),
    Case(
        "member remove",
        "delete",
        lambda w: f"/api/v1/workspaces/acme/members/{w.target.pk}",
        frozenset(MANAGERS),
        status=204,
        state=_member,
    ),
    Case(
        "transfer ownership",
        "post",
        lambda w: f"/api/v1/workspaces/acme/members/{w.target.pk}/transfer-ownership",
        frozenset({"owner"}),
        state=_member,
    ),
    Case("invitation list", "get", _ws("/invitations"), frozenset(MEMBERS)),
    Case(
        "invite",
        "post",
        _ws("/invitations"),
        frozenset(MANAGERS),
        status=201,
        body=lambda w: {
            "invitations": [{"name": "Neo", "email": "neo@acme.test", "role": "reviewer"}]
        },
        state=lambda w: Invitation.objects.filter(email="neo@acme.test").count(),
    ),
    Case(
        "invitation withdraw",
        "post",
        lambda w: f"/api/v1/workspaces/acme/invitations/{w.invitation.pk}/withdraw",
        frozenset(MANAGERS),
        state=lambda w: Invitation.objects.get(pk=w.invitation.pk).status,
    ),
    Case(
        "invitation resend",
        "post",
        lambda w: f"/api/v1/workspaces/acme/invitations/{w.invitation.pk}/resend",
        frozenset(MANAGERS),
        state=lambda w: Invitation.objects.get(pk=w.invitation.pk).token_hash,
    ),
    Case("host app list", "get", _ws("/host-apps"), frozenset(MEMBERS)),
    Case(
        "host app create",
        "post",
        _ws("/host-apps"),
        frozenset(MANAGERS),
        status=201,
        body=lambda w: {"name": "Acme Go", "platforms": {"ios": "com.acme.Go"}},
        state=lambda w: HostApp.objects.filter(workspace=w.tenant).count(),
    ),
    Case(
        "host app detail",
        "get",
        lambda w: f"/api/v1/workspaces/acme/host-apps/{w.app.pk}",
        frozenset(MEMBERS),
    ),
    Case(
        "host app update",
        "patch",
        lambda w: f"/api/v1/workspaces/acme/host-apps/{w.app.pk}",
        frozenset(MANAGERS),
        body=lambda w: {"name": "Acme Wallet 2"},
        state=lambda w: HostApp.objects.get(pk=w.app.pk).name,
    ),
    Case(
        "host app reset secret",
        "post",
        lambda w: f"/api/v1/workspaces/acme/host-apps/{w.app.pk}/reset-secret",
        frozenset(MANAGERS),
        state=lambda w: HostApp.objects.get(pk=w.app.pk).secret_hash,
    ),
    Case(
        "host app freeze key",
        "post",
        lambda w: f"/api/v1/workspaces/acme/host-apps/{w.app.pk}/freeze-key",
        frozenset(MANAGERS),
        state=lambda w: HostApp.objects.get(pk=w.app.pk).sdk_key_frozen_at,
    ),
    Case(
        "host app unfreeze key",
        "post",
        lambda w: f"/api/v1/workspaces/acme/host-apps/{w.app.pk}/unfreeze-key",
        frozenset(MANAGERS),
        state=lambda w: HostApp.objects.get(pk=w.app.pk).sdk_key_frozen_at,
        setup=lambda w: host_app_freeze_key(actor=w.members["owner"], host_app_id=w.app.pk),
    ),
    Case("developer workspace list", "get", _ws("/developer-workspaces"), frozenset(MEMBERS)),
    Case(
        "developer workspace create",
        "post",
        _ws("/developer-workspaces"),
        frozenset(MANAGERS),
        status=201,
        body=lambda w: {"name": "Bolt", "owner_email": "bo@bolt.test", "owner_name": "Bo"},
        state=lambda w: Workspace.objects.filter(tenant=w.tenant).count(),
    ),
    Case("audit list", "get", _ws("/audit-events"), frozenset(MANAGERS)),
    Case("grant list", "get", _ws("/grants"), frozenset(MANAGERS)),
    Case(
        "grant add",
        "post",
        _ws("/grants"),
        frozenset(MANAGERS),
        status=201,
        body=lambda w: {"membership_id": w.target.pk, "cap": Cap.MANAGE_HOST_APPS.value},
        state=lambda w: sorted(
            WorkspaceUserObjectPermission.objects.filter(
                content_object=w.tenant, user=w.target.user
            ).values_list("permission__codename", flat=True)
        ),
    ),
    Case(
        "grant revoke",
        "delete",
        lambda w: f"/api/v1/workspaces/acme/grants/{w.grant.pk}",
        frozenset(MANAGERS),
        status=204,
        state=lambda w: WorkspaceUserObjectPermission.objects.filter(pk=w.grant.pk).exists(),
    ),
    Case("approval list", "get", _ws("/approvals"), frozenset(MEMBERS)),
    Case(
        "approval detail",
        "get",
        lambda w: f"/api/v1/workspaces/acme/approvals/{w.to_decide.pk}",
        frozenset(DECIDERS),
    ),
    Case(
        "approval approve",
        "post",
        lambda w: f"/api/v1/workspaces/acme/approvals/{w.to_decide.pk}/approve",
        frozenset(DECIDERS),
        body=lambda w: {"note": "Fine"},
        state=_approval_state("to_decide"),
    ),
    Case(
        "approval reject",
        "post",
        lambda w: f"/api/v1/workspaces/acme/approvals/{w.to_decide.pk}/reject",
        frozenset(DECIDERS),
        body=lambda w: {"reason": "Not now"},
        state=_approval_state("to_decide"),
    ),
    Case(
        "approval withdraw",
        "post",
        lambda w: f"/api/v1/workspaces/acme/approvals/{w.requested.pk}/withdraw",
        frozenset(MANAGERS),  # the submitter (the owner) and an admin
        state=_approval_state("requested"),
        denied=400,  # the service's rule, not a capability
    ),
    # webhooks: every method, reads included, needs change_workspace (test_webhooks_api.py)
    Case("webhook list", "get", _ws("/webhooks"), frozenset(MANAGERS)),
    Case(
        "webhook create",
        "post",
        _ws("/webhooks"),
        frozenset(MANAGERS),
        status=201,
        body=lambda w: {"url": "https://93.184.216.34/hook", "events": [WEBHOOK_EVENT]},
        state=lambda w: WebhookEndpoint.objects.count(),
    ),
    Case("webhook detail", "get", _ws_webhook(""), frozenset(MANAGERS)),
    Case(
        "webhook update",
        "patch",
        _ws_webhook(""),
        frozenset(MANAGERS),
        body=lambda w: {"description": "Deploys"},
        state=lambda w: WebhookEndpoint.objects.get(pk=w.webhook.pk).description,
    ),
    Case(
        "webhook delete",
        "delete",
        _ws_webhook(""),
        frozenset(MANAGERS),
        status=204,
        state=lambda w: WebhookEndpoint.objects.filter(pk=w.webhook.pk).exists(),
    ),
    Case(
        "webhook rotate secret",
        "post",
        _ws_webhook("/rotate-secret"),
        frozenset(MANAGERS),
        state=lambda w: WebhookEndpoint.objects.get(pk=w.webhook.pk).secret_salt,
    ),
    Case(
        "webhook test",
        "post",
        _ws_webhook("/test"),
        frozenset(MANAGERS),
        status=202,
        state=lambda w: WebhookDelivery.objects.count(),
    ),
    Case("webhook deliveries", "get", _ws_webhook("/deliveries"), frozenset(MANAGERS)),
    Case(
        "webhook delivery detail",
        "get",
        lambda w: _ws_webhook(f"/deliveries/{w.webhook_delivery.pk}")(w),
        frozenset(MANAGERS),
    ),
]


def _expected(case: Case, who: str) -> int:
    if who == "anonymous":
        return 401
    if who == "outsider":
        return 404
    return case.status if who in case.allowed else case.denied


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(world, case, who, django_capture_on_commit_callbacks):
    if case.setup:
        case.setup(world)
    before = case.state(world) if case.state else None
    body = case.body(world) if case.body else None

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client_for(world, who), case.method)(
            case.path(world), body, format="json"
        )

    expected = _expected(case, who)
    assert response.status_code == expected, response.content
    if expected >= 400:
        error = error_of(response)
        assert (
            error["code"]
            == {
                400: "invalid",
                401: "not_authenticated",
                403: "permission_denied",
                404: "not_found",
            }[expected]
        )
        if expected == 403:
            # The denial names who could do it.
            assert "Owner" in error["message"]
    if case.state is not None:
        after = case.state(world)
        if expected < 300:
            assert after != before, "an allowed call must have its effect"
        else:
            assert after == before, "a refused call must change nothing"


def test_the_matrix_covers_every_workspace_endpoint_and_method(world):
    """Generated from the URL configuration: a new route or method must join CASES."""
    covered = {(resolve(case.path(world)).url_name, case.method) for case in CASES}
    expected = set()
    for pattern in tenancy_urls.urlpatterns:
        if "workspace_slug" not in str(pattern.pattern):
            continue
        methods = pattern.callback.view_class.http_method_names
        view = pattern.callback.view_class
        for method in methods:
            if method not in ("options", "head") and hasattr(view, method):
                expected.add((pattern.name, method))
    assert expected - covered == set()


@pytest.mark.parametrize("pattern", tenancy_urls.urlpatterns, ids=lambda p: p.name)
def test_options_describes_every_endpoint_without_error(world, pattern):
    route = str(pattern.pattern)
    for name, value in {
        "<slug:workspace_slug>": "acme",
        "<int:membership_id>": str(world.target.pk),
        "<int:invitation_id>": str(world.invitation.pk),
        "<int:host_app_id>": str(world.app.pk),
        "<int:grant_id>": str(world.grant.pk),
        "<int:request_id>": str(world.to_decide.pk),
        "<int:endpoint_id>": str(world.webhook.pk),
        "<int:delivery_id>": str(world.webhook_delivery.pk),
    }.items():
        route = route.replace(name, value)
    assert "<" not in route, route

    response = api(world.members["owner"].user).options(f"/api/v1/{route}")

    assert response.status_code == 200, response.content


# Every object-scoped endpoint, called by the owner of "acme" with an id from "globex".
FOREIGN = [
    ("get", "members/{other_member}", None),
    ("patch", "members/{other_member}", {"role": "reviewer"}),
    ("delete", "members/{other_member}", None),
    ("post", "members/{other_member}/transfer-ownership", None),
    ("post", "invitations/{other_invitation}/withdraw", None),
    ("post", "invitations/{other_invitation}/resend", None),
    ("get", "host-apps/{other_app}", None),
    ("patch", "host-apps/{other_app}", {"name": "Stolen"}),
    ("post", "host-apps/{other_app}/reset-secret", None),
    ("post", "host-apps/{other_app}/freeze-key", None),
    ("post", "host-apps/{other_app}/unfreeze-key", None),
    ("delete", "grants/{other_grant}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN)
def test_an_id_from_another_workspace_is_a_404_and_changes_nothing(world, method, template, body):
    ids = {
        "other_member": world.other_member.pk,
        "other_invitation": world.other_invitation.pk,
        "other_app": world.other_app.pk,
        "other_grant": world.other_grant.pk,
    }
    snapshot = (
        list(Membership.objects.filter(workspace=world.other).values()),
        list(Invitation.objects.filter(workspace=world.other).values()),
        list(HostApp.objects.filter(workspace=world.other).values()),
        list(WorkspaceUserObjectPermission.objects.filter(content_object=world.other).values()),
    )
    url = f"/api/v1/workspaces/acme/{template.format(**ids)}"

    response = getattr(api(world.members["owner"].user), method)(url, body, format="json")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert snapshot == (
        list(Membership.objects.filter(workspace=world.other).values()),
        list(Invitation.objects.filter(workspace=world.other).values()),
        list(HostApp.objects.filter(workspace=world.other).values()),
        list(WorkspaceUserObjectPermission.objects.filter(content_object=world.other).values()),
    )


def test_a_missing_workspace_and_a_blocked_membership_are_404(world):
    owner = api(world.members["owner"].user)
    assert owner.get("/api/v1/workspaces/nope").status_code == 404
    Membership.objects.filter(pk=world.members["admin"].pk).update(status="blocked")
    assert api(world.members["admin"].user).get("/api/v1/workspaces/acme").status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "host-apps", None),
        ("post", "host-apps", {"name": "X", "platforms": {"ios": "com.x"}}),
        ("get", "developer-workspaces", None),
        (
            "post",
            "developer-workspaces",
            {"name": "B", "owner_email": "b@b.test", "owner_name": "B"},
        ),
    ],
)
def test_tenant_only_endpoints_are_404_in_a_developer_workspace(method, suffix, body):
    dev = WorkspaceFactory(slug="bolt", kind=Workspace.Kind.DEVELOPER)
    owner = MembershipFactory(workspace=dev, role="owner")

    response = getattr(api(owner.user), method)(
        f"/api/v1/workspaces/bolt/{suffix}", body, format="json"
    )

    assert response.status_code == 404
    assert not HostApp.objects.filter(workspace=dev).exists()
    assert not Workspace.objects.filter(tenant=dev).exists()


# --- workspaces --------------------------------------------------------------------------------


def test_workspace_list_shows_the_callers_active_workspaces_with_role_and_tenant(world):
    user = world.members["reviewer"].user
    dev = WorkspaceFactory(name="Bolt", slug="bolt", kind="developer", tenant=world.tenant)
    MembershipFactory(workspace=dev, user=user, role="admin")
    closed = WorkspaceFactory(name="Closed", slug="closed")
    MembershipFactory(workspace=closed, user=user, role="admin", status="blocked")

    response = api(user).get("/api/v1/workspaces")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert response.json()["results"] == [
        {
            "slug": "acme",
            "name": "Acme",
            "kind": "tenant",
            "role": "reviewer",
            "role_label": "Reviewer",
            "tenant": None,
        },
        {
            "slug": "bolt",
            "name": "Bolt",
            "kind": "developer",
            "role": "admin",
            "role_label": "Developer Admin",
            "tenant": "acme",
        },
    ]


def test_workspace_list_and_create_need_credentials(world):
    assert api().get("/api/v1/workspaces").status_code == 401
    response = api().post("/api/v1/workspaces", {"name": "X", "kind": "tenant"}, format="json")
    assert response.status_code == 401
    assert not Workspace.objects.filter(name="X").exists()


def test_a_real_bearer_token_reaches_the_workspace(world):
    _, raw = token_create(user=world.members["developer"].user, name="CI")
    client = APIClient()

    response = client.get("/api/v1/workspaces/acme", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["role"] == "developer"

    forbidden = client.get(
        "/api/v1/workspaces/acme/audit-events", headers={"Authorization": f"Bearer {raw}"}
    )
    assert forbidden.status_code == 403


def test_creating_a_workspace_makes_the_caller_its_owner():
    user = UserFactory()

    response = api(user).post(
        "/api/v1/workspaces",
        {"name": "Zeta Super App", "kind": "tenant", "default_language": "zh-hans"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    workspace = Workspace.objects.get(slug=body["slug"])
    assert (workspace.name, workspace.kind, workspace.default_language) == (
        "Zeta Super App",
        "tenant",
        "zh-hans",
    )
    assert Membership.objects.get(workspace=workspace).user == user
    assert body["role"] == "owner" and body["tenant"] is None
    assert AuditEvent.objects.filter(workspace=workspace, verb="workspace.create").exists()


def test_creating_a_workspace_validates_its_fields():
    response = api(UserFactory()).post(
        "/api/v1/workspaces", {"name": "", "kind": "empire"}, format="json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"name", "kind"}
    assert not Workspace.objects.exists()


def test_workspace_detail_includes_settings_without_files(world):
    response = api(world.members["developer"].user).get("/api/v1/workspaces/acme")

    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["role_label"], body["default_language"]) == (
        "acme",
        "Developer",
        "en",
    )
    assert set(body["settings"]) == {
        "service_email",
        "email_preference",
        "preferred_domain",
        "about_url",
        "terms_url",
        "terms_text",
        "privacy_policy",
        "logo_url",
        "favicon_url",
        "updated_at",
    }
    assert body["settings"]["logo_url"] is None and body["settings"]["favicon_url"] is None


def test_settings_patch_changes_only_what_is_sent_and_is_audited(world):
    WorkspaceSettings.objects.create(workspace=world.tenant, terms_text="Be nice.")
    response = api(world.members["admin"].user).patch(
        "/api/v1/workspaces/acme",
        {"service_email": "help@acme.test", "email_preference": "important"},
        format="json",
    )

    assert response.status_code == 200, response.content
    settings = response.json()["settings"]
    assert settings["service_email"] == "help@acme.test"
    assert settings["email_preference"] == "important"
    assert settings["terms_text"] == "Be nice."
    assert response.json()["name"] == "Acme"
    event = AuditEvent.objects.get(verb="workspace.update_settings")
    assert event.actor_label == "admin@acme.test"
    assert event.after == {"email_preference": "important", "service_email": "help@acme.test"}


def test_renaming_the_workspace_shows_in_the_answer_and_the_list(world):
    client = api(world.members["owner"].user)

    response = client.patch("/api/v1/workspaces/acme", {"name": "Acme Inc"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Inc" and response.json()["slug"] == "acme"
    assert client.get("/api/v1/workspaces").json()["results"][0]["name"] == "Acme Inc"


def test_settings_service_errors_are_400_with_fields(world):
    response = api(world.members["owner"].user).patch(
        "/api/v1/workspaces/acme",
        {"about_url": "not a url", "preferred_domain": "x.test/path"},
        format="json",
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) & {"about_url", "preferred_domain"}
    row = WorkspaceSettings.objects.filter(workspace=world.tenant).first()
    assert row is None or row.about_url == ""


def test_logo_upload_by_multipart_and_clearing_it(world):
    owner = api(world.members["owner"].user)

    response = owner.patch(
        "/api/v1/workspaces/acme", {"logo": image_upload(size=(128, 128))}, format="multipart"
    )

    assert response.status_code == 200, response.content
    logo_url = response.json()["settings"]["logo_url"]
    assert logo_url.startswith("http://testserver/") and "workspace-assets/" in logo_url
    assert owner.get("/api/v1/workspaces/acme").json()["settings"]["logo_url"] == logo_url

    cleared = owner.patch("/api/v1/workspaces/acme", {"clear_logo": True}, format="json")
    assert cleared.status_code == 200
    assert cleared.json()["settings"]["logo_url"] is None


def test_a_bad_favicon_is_reported_on_its_field(world):
    response = api(world.members["owner"].user).patch(
        "/api/v1/workspaces/acme",
        {"favicon": image_upload(size=(32, 32), fmt="JPEG", name="f.jpg")},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["favicon"]
    row = WorkspaceSettings.objects.filter(workspace=world.tenant).first()
    assert row is None or not row.favicon


# --- members ----------------------------------------------------------------------------------


def test_member_list_filters_by_status_and_search(world):
    Membership.objects.filter(pk=world.target.pk).update(status="blocked")
    client = api(world.members["developer"].user)

    everyone = client.get("/api/v1/workspaces/acme/members").json()
    blocked = client.get("/api/v1/workspaces/acme/members", {"status": "blocked"}).json()
    found = client.get("/api/v1/workspaces/acme/members", {"q": "TARA"}).json()

    assert everyone["count"] == 5
    assert everyone["results"][0]["role"] == "owner"
    assert [m["email"] for m in blocked["results"]] == ["target@acme.test"]
    assert [m["email"] for m in found["results"]] == ["target@acme.test"]
    assert set(found["results"][0]) == {
        "id",
        "name",
        "email",
        "role",
        "role_label",
        "status",
        "joined_at",
    }
    bad = client.get("/api/v1/workspaces/acme/members", {"status": "sideways"})
    assert bad.status_code == 400 and list(error_of(bad)["fields"]) == ["status"]


def test_the_owner_cannot_be_demoted_blocked_or_removed(world):
    admin = api(world.members["admin"].user)
    owner_id = world.members["owner"].pk
    url = f"/api/v1/workspaces/acme/members/{owner_id}"

    for response in (
        admin.patch(url, {"role": "developer"}, format="json"),
        admin.patch(url, {"status": "blocked"}, format="json"),
        admin.delete(url),
    ):
        assert response.status_code == 400
        error = error_of(response)
        assert "owner cannot be" in error["message"] and "fields" not in error
    assert Membership.objects.get(pk=owner_id).role == "owner"
    assert Membership.objects.get(pk=owner_id).status == "active"


def test_role_change_refuses_owner_and_an_empty_body(world):
    owner = api(world.members["owner"].user)
    url = f"/api/v1/workspaces/acme/members/{world.target.pk}"

    assert owner.patch(url, {"role": "owner"}, format="json").status_code == 400
    empty = owner.patch(url, {}, format="json")
    assert empty.status_code == 400 and "new role or a status" in error_of(empty)["message"]
    assert Membership.objects.get(pk=world.target.pk).role == "developer"


def test_a_role_and_status_change_is_all_or_nothing(world):
    admin = world.members["admin"]

    response = api(admin.user).patch(
        f"/api/v1/workspaces/acme/members/{admin.pk}",
        {"role": "developer", "status": "blocked"},
        format="json",
    )

    assert response.status_code == 400
    assert "cannot block yourself" in error_of(response)["message"]
    assert Membership.objects.get(pk=admin.pk).role == "admin"


def test_anyone_may_leave_but_not_remove_others(world):
    reviewer = world.members["reviewer"]
    client = api(reviewer.user)

    assert client.delete(f"/api/v1/workspaces/acme/members/{world.target.pk}").status_code == 403
    assert client.delete(f"/api/v1/workspaces/acme/members/{reviewer.pk}").status_code == 204
    assert not Membership.objects.filter(pk=reviewer.pk).exists()
    assert Membership.objects.filter(pk=world.target.pk).exists()


def test_transfer_ownership_swaps_owner_and_admin(world):
    response = api(world.members["owner"].user).post(
        f"/api/v1/workspaces/acme/members/{world.target.pk}/transfer-ownership"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert Membership.objects.get(pk=world.target.pk).role == "owner"
    assert Membership.objects.get(pk=world.members["owner"].pk).role == "admin"


# --- invitations ------------------------------------------------------------------------------

INVITATION_KEYS = {
    "id",
    "name",
    "email",
    "role",
    "role_label",
    "app_ids",
    "status",
    "invited_by",
    "expires_at",
    "sent_count",
    "last_sent_at",
    "accepted_at",
    "created_at",
}


def test_inviting_sends_emails_and_never_returns_the_link_token(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    people = [
        {"name": "Neo", "email": "Neo@Acme.test", "role": "reviewer"},
        {"name": "Max", "email": "max@acme.test", "role": "developer"},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.members["admin"].user).post(
            "/api/v1/workspaces/acme/invitations", {"invitations": people}, format="json"
        )

    assert response.status_code == 201, response.content
    created = response.json()["invitations"]
    assert [(i["email"], i["role"], i["status"]) for i in created] == [
        ("neo@acme.test", "reviewer", "pending"),
        ("max@acme.test", "developer", "pending"),
    ]
    assert all(set(i) == INVITATION_KEYS for i in created)
    assert created[0]["invited_by"] == {"name": "Admin", "email": "admin@acme.test"}
    assert len(mail.outbox) == 2
    tokens = [re.search(r"/invitations/([^/\s]+)/", m.body).group(1) for m in mail.outbox]
    listing = api(world.members["owner"].user).get("/api/v1/workspaces/acme/invitations")
    for token in tokens:
        assert token not in response.content.decode()
        assert token not in listing.content.decode()
    for invitation in Invitation.objects.filter(email__in=["neo@acme.test", "max@acme.test"]):
        assert invitation.token_hash not in response.content.decode()
        assert invitation.token_hash not in listing.content.decode()


def test_more_than_ten_invitations_is_a_400_with_a_message(world):
    people = [{"name": f"P{i}", "email": f"p{i}@acme.test", "role": "developer"} for i in range(11)]

    response = api(world.members["owner"].user).post(
        "/api/v1/workspaces/acme/invitations", {"invitations": people}, format="json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert "at most 10" in error["message"] and "11" in error["message"]
    assert not Invitation.objects.filter(email__startswith="p", workspace=world.tenant).exists()


def test_ten_invitations_are_fine(world):
    people = [{"name": f"P{i}", "email": f"p{i}@acme.test", "role": "developer"} for i in range(10)]
    response = api(world.members["owner"].user).post(
        "/api/v1/workspaces/acme/invitations", {"invitations": people}, format="json"
    )
    assert response.status_code == 201
    assert len(response.json()["invitations"]) == 10


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ([], "at least one"),
        (
            [
                {"name": "A", "email": "a@acme.test", "role": "developer"},
                {"name": "A", "email": "A@acme.test", "role": "admin"},
            ],
            "more than once",
        ),
        ([{"name": "T", "email": "target@acme.test", "role": "admin"}], "Already a member"),
        ([{"name": "I", "email": "ivy@acme.test", "role": "admin"}], "Already invited"),
    ],
)
def test_invitation_batches_are_all_or_nothing_with_the_services_message(world, people, message):
    before = Invitation.objects.count()
    response = api(world.members["owner"].user).post(
        "/api/v1/workspaces/acme/invitations", {"invitations": people}, format="json"
    )
    assert response.status_code == 400
    assert message in error_of(response)["message"]
    assert Invitation.objects.count() == before


def test_a_developer_workspace_has_no_reviewers_to_invite():
    dev = WorkspaceFactory(slug="bolt", kind=Workspace.Kind.DEVELOPER)
    owner = MembershipFactory(workspace=dev, role="owner")
    response = api(owner.user).post(
        "/api/v1/workspaces/bolt/invitations",
        {"invitations": [{"name": "R", "email": "r@bolt.test", "role": "reviewer"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be made Reviewer" in error_of(response)["message"]
    assert not Invitation.objects.filter(workspace=dev).exists()


def test_withdraw_then_resend_is_refused_and_the_list_hides_closed_ones(world):
    owner = api(world.members["owner"].user)
    base = f"/api/v1/workspaces/acme/invitations/{world.invitation.pk}"

    withdrawn = owner.post(f"{base}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    resend = owner.post(f"{base}/resend")
    assert resend.status_code == 400 and "withdrawn" in error_of(resend)["message"]

    assert owner.get("/api/v1/workspaces/acme/invitations").json()["count"] == 0
    everything = owner.get("/api/v1/workspaces/acme/invitations", {"include_closed": "true"})
    assert [i["status"] for i in everything.json()["results"]] == ["withdrawn"]


def test_resending_an_expired_invitation_renews_it(world):
    Invitation.objects.filter(pk=world.invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    owner = api(world.members["owner"].user)
    listed = owner.get("/api/v1/workspaces/acme/invitations").json()["results"]
    assert [i["status"] for i in listed] == ["expired"]

    response = owner.post(f"/api/v1/workspaces/acme/invitations/{world.invitation.pk}/resend")

    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["sent_count"] == 2


# --- host apps --------------------------------------------------------------------------------


def test_the_sdk_secret_is_returned_at_creation_and_reset_only(world):
    owner = api(world.members["owner"].user)

    created = owner.post(
        "/api/v1/workspaces/acme/host-apps",
        {
            "name": "Acme Go",
            "description": "Rides",
            "platforms": {"android": "com.acme.go", "harmonyos": "com.acme.go.hm"},
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert body["platforms"] == {
        "android": "com.acme.go",
        "ios": None,
        "harmonyos": "com.acme.go.hm",
    }
    assert host_app_authenticate(app_key=body["app_key"], secret=secret).pk == body["id"]
    detail = owner.get(f"/api/v1/workspaces/acme/host-apps/{body['id']}")
    listing = owner.get("/api/v1/workspaces/acme/host-apps")
    assert "secret" not in detail.json()
    assert all("secret" not in app for app in listing.json()["results"])
    for response in (detail, listing):
        assert secret not in response.content.decode()
    app = HostApp.objects.get(pk=body["id"])
    assert app.secret_hash not in detail.content.decode()

    reset = owner.post(f"/api/v1/workspaces/acme/host-apps/{body['id']}/reset-secret")

    assert reset.status_code == 200
    new = reset.json()["secret"]
    assert new != secret
    assert host_app_authenticate(app_key=body["app_key"], secret=secret) is None
    assert host_app_authenticate(app_key=body["app_key"], secret=new).pk == body["id"]
    assert new not in owner.get(f"/api/v1/workspaces/acme/host-apps/{body['id']}").content.decode()


def test_host_app_create_by_multipart_with_an_icon(world):
    response = api(world.members["admin"].user).post(
        "/api/v1/workspaces/acme/host-apps",
        {"name": "Acme Pix", "platforms.ios": "com.acme.Pix", "icon": image_upload(size=(96, 96))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["platforms"]["ios"] == "com.acme.Pix"
    assert body["icon_url"] and "workspace-assets/" in body["icon_url"]
    assert body["secret"]


def test_host_app_patch_merges_platforms(world):
    owner = api(world.members["owner"].user)
    url = f"/api/v1/workspaces/acme/host-apps/{world.app.pk}"

    response = owner.patch(url, {"platforms": {"ios": "com.acme.Wallet"}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["platforms"] == {
        "android": "com.acme.wallet",
        "ios": "com.acme.Wallet",
        "harmonyos": None,
    }
    removed = owner.patch(url, {"platforms": {"android": None}}, format="json")
    assert removed.json()["platforms"]["android"] is None
    assert removed.json()["name"] == "Acme Wallet"

    last = owner.patch(url, {"platforms": {"ios": ""}}, format="json")
    assert last.status_code == 400 and "at least one platform" in error_of(last)["message"]
    assert set(
        HostApp.objects.get(pk=world.app.pk).platforms.values_list("platform", flat=True)
    ) == {"ios"}


def test_host_app_name_clash_is_a_field_error(world):
    response = api(world.members["owner"].user).post(
        "/api/v1/workspaces/acme/host-apps",
        {"name": "acme wallet", "platforms": {"ios": "x.y"}},
        format="json",
    )
    assert response.status_code == 400
    assert "already exists" in error_of(response)["fields"]["name"][0]


# --- developer workspaces ---------------------------------------------------------------------


def test_creating_a_developer_workspace_invites_its_owner(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.members["admin"].user).post(
            "/api/v1/workspaces/acme/developer-workspaces",
            {"name": "Bolt Shop", "owner_email": "Bo@Bolt.test", "owner_name": "Bo"},
            format="json",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    workspace = Workspace.objects.get(slug=body["slug"])
    assert workspace.tenant == world.tenant and workspace.kind == "developer"
    assert body["owner"] is None and body["member_count"] == 0
    assert body["pending_owner_invitation"]["email"] == "bo@bolt.test"
    assert [m.to for m in mail.outbox] == [["bo@bolt.test"]]

    listing = api(world.members["reviewer"].user).get(
        "/api/v1/workspaces/acme/developer-workspaces"
    )
    assert [w["slug"] for w in listing.json()["results"]] == [body["slug"]]
    # The tenant's staff are not members of the merchant's workspace.
    assert (
        api(world.members["admin"].user).get(f"/api/v1/workspaces/{body['slug']}").status_code
        == 404
    )


# --- audit ------------------------------------------------------------------------------------


def test_audit_events_filter_by_actor_verb_target_and_dates(world):
    owner = api(world.members["owner"].user)
    AuditEvent.objects.filter(workspace=world.tenant).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    owner.patch(
        f"/api/v1/workspaces/acme/members/{world.target.pk}", {"status": "blocked"}, format="json"
    )

    url = "/api/v1/workspaces/acme/audit-events"
    everything = owner.get(url).json()
    assert everything["results"][0]["verb"] == "membership.block"
    assert everything["results"][0]["before"]["status"] == "active"
    assert {e["verb"] for e in everything["results"]} >= {"invitation.create", "host_app.create"}

    today = timezone.now().date().isoformat()
    assert [e["verb"] for e in owner.get(url, {"since": today}).json()["results"]] == [
        "membership.block"
    ]
    assert [e["verb"] for e in owner.get(url, {"verb": "host_app"}).json()["results"]] == [
        "host_app.create"
    ]
    assert owner.get(url, {"actor": "nobody@"}).json()["count"] == 0
    assert owner.get(url, {"target": "Acme Wallet"}).json()["count"] == 1
    old = (timezone.now() - timedelta(days=5)).date().isoformat()
    assert "membership.block" not in {
        e["verb"] for e in owner.get(url, {"until": old}).json()["results"]
    }
    bad = owner.get(url, {"since": today, "until": old})
    assert bad.status_code == 400 and list(error_of(bad)["fields"]) == ["until"]
    assert owner.get(url, {"since": "yesterday"}).status_code == 400


def test_audit_events_of_another_workspace_never_show(world):
    audit_record(actor=world.outsider.user, verb="secret.thing", workspace=world.other)
    response = api(world.members["owner"].user).get("/api/v1/workspaces/acme/audit-events")
    assert "secret.thing" not in {e["verb"] for e in response.json()["results"]}


# --- query counts -----------------------------------------------------------------------------


def _add_members(workspace, start, n):
    users = User.objects.bulk_create(
        [User(email=f"bulk{i}@acme.test", name=f"Bulk {i}") for i in range(start, start + n)]
    )
    Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=u, role="developer") for u in users]
    )


def _add_events(workspace, start, n):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(workspace=workspace, actor_label=f"x{i}@acme.test", verb="x.y")
            for i in range(start, start + n)
        ]
    )


@pytest.mark.parametrize(
    ("suffix", "grow"), [("members", _add_members), ("audit-events", _add_events)]
)
def test_list_query_count_is_constant_as_rows_grow(suffix, grow, django_assert_max_num_queries):
    workspace = WorkspaceFactory(slug="big")
    owner = MembershipFactory(workspace=workspace, role="owner")
    client = api(owner.user)
    url = f"/api/v1/workspaces/big/{suffix}"
    grow(workspace, 0, 1)
    with django_assert_max_num_queries(4):
        small = client.get(url, {"page_size": 200})
    assert 1 <= small.json()["count"] <= 2

    grow(workspace, 1, 199)

    with django_assert_max_num_queries(4):
        large = client.get(url, {"page_size": 200})
    assert large.json()["count"] >= 200 and len(large.json()["results"]) == 200


# --- OpenAPI ----------------------------------------------------------------------------------


def test_the_schema_generates_without_warnings_and_documents_every_endpoint(tmp_path):
    GENERATOR_STATS.reset()
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text())
    tags = {
        (method, url): op["tags"]
        for url, ops in schema["paths"].items()
        # The tenancy API's own paths (mini programs, hosted ones too, and the development
        # settings a tenant keeps — JSAPIs, domain policy, message templates, host apps' message
        # endpoints — are documented by miniprograms/tests).
        if url.startswith("/api/v1/workspaces")
        and not any(
            part in url
            for part in (
                "miniprograms",
                "jsapi",
                "domain-",
                "public-templates",
                "message-endpoint",
                "/analytics",  # the workspace's figures and alerts: analytics/tests
            )
        )
        for method, op in ops.items()
    }
    assert len(tags) == 40
    assert set().union(*tags.values()) == {
        "workspaces",
        "members",
        "invitations",
        "host apps",
        "audit",
        "grants",
        "approvals",
        "webhooks",
    }
    components = schema["components"]["schemas"]
    assert "secret" not in components["WebhookEndpoint"]["properties"]
    assert "secret" in components["WebhookEndpointWithSecret"]["properties"]
    assert "secret" not in components["HostApp"]["properties"]
    assert "secret" in components["HostAppWithSecret"]["properties"]
    assert not {"token", "token_hash"} & set(components["Invitation"]["properties"])


def test_the_schema_endpoint_serves_json(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/workspaces/{workspace_slug}/members" in response.json()["paths"]
