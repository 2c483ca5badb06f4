"""Tenant isolation, swept over the URL configuration itself (not a hand-written list of pages).

Every URL pattern whose route takes a workspace slug or an object id is built to point at
workspace B's objects and requested — with every HTTP method its view handles — by the Owner of
another workspace A (so their role is never what stops them): console pages with a session, the
API with a session and with a personal token. Each request must answer 404 and leave B as it was.
Patterns with object ids are also requested under A's own slug (B's object id in A's URL),
which catches a lookup that forgot to scope by workspace.

The walk of ``get_resolver()`` is the source of truth: a new pattern with URL kwargs makes
``test_every_pattern_with_url_kwargs_is_swept_or_exempt`` fail until it is added to
``REGISTRY`` (or, with a reason, to ``EXEMPT``), and a registry entry for a pattern that no
longer exists fails too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.forms.logo_hold import logo_hold
from miniprograms.models import (
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
    MiniProgramTester,
    MiniProgramUserObjectPermission,
)
from miniprograms.secrets.models import AppSecret
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import PackageJob, Release, ReleaseTarget, TrialVersion, Version
from releases.release.services import release_submit
from releases.services.trial import trial_configure
from releases.services.versions import version_upload
from releases.tests.packages import zip_bytes
from workspaces.authz import Cap
from workspaces.models import (
    ApiToken,
    ApprovalRequest,
    AuditEvent,
    HostApp,
    HostAppPlatform,
    Invitation,
    Membership,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
    WorkspaceSettings,
    WorkspaceUserObjectPermission,
)
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.grants import grant_add
from workspaces.services.hostapps import host_app_create
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.settings import workspace_settings_update
from workspaces.services.tokens import token_create
from workspaces.services.webhooks import webhook_endpoint_create, webhook_endpoint_test
from workspaces.services.workspaces import membership_add, workspace_create
from workspaces.tests.factories import UserFactory
from workspaces.tests.images import image_upload

# --- the URL map, walked ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" ("<unnamed …>" when the pattern has no name)
    route: str
    kwargs: frozenset[str]
    methods: tuple[str, ...]  # lower-case handlers the view defines (get, post, put, patch, delete)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _pattern_kwargs(pattern) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:  # RoutePattern: path("<int:x>/")
        return set(converters)
    return set(pattern.pattern.regex.groupindex)  # RegexPattern: re_path(r"(?P<x>…)")


def _view_methods(callback) -> tuple[str, ...]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None)  # a DRF ViewSet routed by a router
    if actions:
        return tuple(m for m in HTTP_METHODS if m in actions)
    if view_class is None:  # a function view: try the two a browser can send
        return ("get", "post")
    allowed = getattr(view_class, "http_method_names", HTTP_METHODS)
    return tuple(m for m in HTTP_METHODS if m in allowed and callable(getattr(view_class, m, None)))


def walk(
    resolver: URLResolver | None = None,
    prefix: str = "",
    namespace: str = "",
    inherited: frozenset[str] = frozenset(),
) -> Iterator[Route]:
    """Every concrete pattern of the project, with the URL kwargs accumulated from includes."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        kwargs = inherited | _pattern_kwargs(pattern)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, route, ns, frozenset(kwargs))
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                # Unnamed patterns cannot be reversed or registered; keep their namespace so
                # a namespace exemption ("admin:") still applies to them.
                name = f"{namespace}:<unnamed {route}>" if namespace else f"<unnamed {route}>"
            yield Route(name, route, frozenset(kwargs), _view_methods(pattern.callback))


def routes() -> dict[str, Route]:
    found: dict[str, Route] = {}
    for route in walk():
        # The first pattern with a name wins in reverse() and resolve(); keep that one.
        found.setdefault(route.name, route)
    return found


# --- workspace B and one of each of its objects ---------------------------------------------


@dataclass
class World:
    a: Workspace  # the outsider's own workspace (a tenant: every page exists there)
    outsider: User  # Owner of A, member of nothing else
    outsider_token: str
    b: Workspace  # the workspace being attacked (a tenant, so it has host apps etc.)
    b_owner: User
    b_member: Membership  # a developer of B
    b_invitation: Invitation  # pending
    b_host_app: HostApp
    b_token: ApiToken  # a personal token of B's owner
    b_developer_workspace: Workspace  # created by B for a merchant
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks) -> World:
    outsider = UserFactory(email="mallory@alpha.example", name="Mallory Alpha")
    a = workspace_create(owner=outsider, name="Alpha Tenant", kind=Workspace.Kind.TENANT)
    a_owner = Membership.objects.get(workspace=a, user=outsider)
    host_app_create(actor=a_owner, name="Alpha App", platforms={"android": "com.alpha.app"})

    b_owner_user = UserFactory(email="bob@bravo.example", name="Bob Bravo")
    b = workspace_create(owner=b_owner_user, name="Bravo Secret Co", kind=Workspace.Kind.TENANT)
    b_owner = Membership.objects.get(workspace=b, user=b_owner_user)
    developer = UserFactory(email="dev@bravo.example", name="Dana Bravo")
    b_member = membership_add(workspace=b, user=developer, role=Membership.Role.DEVELOPER)
    membership_add(workspace=b, user=UserFactory(email="admin@bravo.example"), role="admin")
    with django_capture_on_commit_callbacks(execute=True):
        [b_invitation] = invitation_create_batch(
            actor=b_owner,
            specs=[InviteSpec(name="Ivy Invited", email="ivy@bravo.example", role="reviewer")],
        )
        b_developer_workspace, _ = developer_workspace_create(
            actor=b_owner,
            name="Bravo Merchant",
            owner_email="merchant@bravo.example",
            owner_name="Merchant",
        )
    b_host_app, _secret = host_app_create(
        actor=b_owner,
        name="Bravo Super App",
        description="B's private host app",
        platforms={"android": "com.bravo.super", "ios": "com.bravo.super"},
        icon=image_upload(name="icon.png"),
    )
    workspace_settings_update(
        actor=b_owner,
        changes={"service_email": "help@bravo.example", "about_url": "https://bravo.example"},
        logo=image_upload(size=(128, 128), name="logo.png"),
        favicon=image_upload(size=(32, 32), name="favicon.png"),
    )
    b_token, _raw = token_create(user=b_owner_user, name="Bravo CI")
    _a_token, outsider_raw = token_create(user=outsider, name="Mallory CLI")
    # An object grant in B: its developer reads B's audit log.
    grant_add(actor=b_owner, user_id=developer.pk, cap=Cap.VIEW_AUDIT, obj=b)
    b_grant = WorkspaceUserObjectPermission.objects.get(content_object=b)
    # A mini program of B, released to B's host app, with a tester and an assigned developer.
    b_miniprogram = create_miniprogram(
        b_owner,
        name="Bravo Secret Shop",
        host_app_ids=[b_host_app.pk],
        languages=[
            {
                "language": "ja",
                "name": "ブラボーの店",
                "tagline": "秘密の店で買い物をしよう",
                "description": "ブラボーの秘密の店で、限定商品を買い物できるミニプログラムです。",
            }
        ],
    )
    miniprogram_developer_assign(actor=b_owner, miniprogram=b_miniprogram, user_id=developer.pk)
    [b_tester] = miniprogram_testers_add(
        actor=b_owner, miniprogram=b_miniprogram, accounts=["bravo-tester-1"]
    ).added
    # A version of B's mini program, scanned, built and reviewed (tasks run eagerly on commit),
    # and made its trial version.
    with django_capture_on_commit_callbacks(execute=True):
        b_version = version_upload(
            actor=b_owner,
            miniprogram=b_miniprogram,
            number="1.0.0",
            package=ContentFile(zip_bytes(), name="bravo.zip"),
        )
    b_version.refresh_from_db()
    trial_configure(
        actor=b_owner, miniprogram=b_miniprogram, version=b_version, page_path="pages/index/index"
    )
    # Submitted for release to B's host app in production: a release under B's own review.
    [b_release] = release_submit(
        actor=b_owner,
        version=b_version,
        host_app_ids=[b_host_app.pk],
        environment=ReleaseTarget.Environment.PRODUCTION,
    )
    # A merchant's mini program (B's developer workspace), released to B's host app: B reads it
    # (the "From developers" pages), and nobody else does.
    merchant_lead = membership_add(
        workspace=b_developer_workspace,
        user=UserFactory(email="lead@bravo-merchant.example"),
        role="admin",
    )
    b_hosted = create_miniprogram(
        merchant_lead, name="Bravo Merchant Cafe", host_app_ids=[b_host_app.pk]
    )
    # A webhook endpoint of B with one delivery (a test event, queued, never sent here).
    b_webhook, _secret = webhook_endpoint_create(
        actor=b_owner, url="https://93.184.216.34/bravo-hook", events=["release.published"]
    )
    b_webhook_delivery = webhook_endpoint_test(actor=b_owner, endpoint_id=b_webhook.pk)
    return World(
        a=a,
        outsider=outsider,
        outsider_token=outsider_raw,
        b=b,
        b_owner=b_owner_user,
        b_member=b_member,
        b_invitation=b_invitation,
        b_host_app=b_host_app,
        b_token=b_token,
        b_developer_workspace=b_developer_workspace,
        extra={
            "b_grant": b_grant,
            "b_miniprogram": b_miniprogram,
            "b_tester": b_tester,
            "b_version": b_version,
            "b_release": b_release,
            "b_hosted": b_hosted,
            "b_webhook": b_webhook,
            "b_webhook_delivery": b_webhook_delivery,
        },
    )


# --- the registry: how to point each pattern at B -------------------------------------------

Build = Callable[[World], dict[str, Any]]


def _b(**objects: Callable[[World], Any]) -> Build:
    """Kwargs of a pattern under B's slug; ``objects`` map the other kwargs to B's objects."""
    return lambda w: {"workspace_slug": w.b.slug, **{k: get(w) for k, get in objects.items()}}


def _only(**objects: Callable[[World], Any]) -> Build:
    """Kwargs of a pattern without a workspace slug (user-scoped objects such as tokens)."""
    return lambda w: {k: get(w) for k, get in objects.items()}


member = lambda w: w.b_member.pk  # noqa: E731
invitation = lambda w: w.b_invitation.pk  # noqa: E731
host_app = lambda w: w.b_host_app.pk  # noqa: E731
token = lambda w: w.b_token.pk  # noqa: E731
grant = lambda w: w.extra["b_grant"].pk  # noqa: E731
app_id = lambda w: w.extra["b_miniprogram"].app_id  # noqa: E731
b_developer_user = lambda w: w.b_member.user_id  # noqa: E731
b_tester_pk = lambda w: w.extra["b_tester"].pk  # noqa: E731
b_version_number = lambda w: w.extra["b_version"].number  # noqa: E731
b_release = lambda w: w.extra["b_release"].pk  # noqa: E731
b_target = lambda w: w.extra["b_release"].target_id  # noqa: E731
b_approval = lambda w: w.extra["b_release"].approval_id  # noqa: E731
b_hosted_app_id = lambda w: w.extra["b_hosted"].app_id  # noqa: E731
b_webhook = lambda w: w.extra["b_webhook"].pk  # noqa: E731
b_webhook_delivery = lambda w: w.extra["b_webhook_delivery"].pk  # noqa: E731


def b_task(w: World) -> int:
    """A grayscale task on the target of B's release, made directly (the world's release is
    still under review; the sweep needs only the row)."""
    from datetime import timedelta

    from django.utils import timezone

    from releases.grayscale.models import GrayscaleTask

    release = w.extra["b_release"]
    now = timezone.now()
    task, _ = GrayscaleTask.objects.get_or_create(
        target_id=release.target_id,
        version_id=release.version_id,
        defaults={"name": "Bravo cohort", "starts_at": now, "ends_at": now + timedelta(days=1)}
        | {"max_users": 10, "created_at": now},
    )
    return task.pk


def b_jsapi(w: World) -> int:
    """A JSAPI of B's catalogue (seeded on first use, as the pages do)."""
    from miniprograms.jsapis.models import Jsapi
    from miniprograms.jsapis.services import jsapi_catalogue_ensure

    jsapi_catalogue_ensure(workspace=w.b)
    return Jsapi.objects.get(workspace=w.b, name="getLocation").pk


def b_jsapi_feature(w: World) -> int:
    from miniprograms.jsapis.models import JsapiFeature

    b_jsapi(w)
    return JsapiFeature.objects.get(workspace=w.b, name="Basic payment").pk


def b_jsapi_application(w: World) -> int:
    """An approved application of B's (pointed) mini program in B's host app (only the row)."""
    from miniprograms.jsapis.models import JsapiApplication

    found, _ = JsapiApplication.objects.get_or_create(
        miniprogram=w.extra["b_miniprogram"],
        host_app=w.b_host_app,
        jsapi_id=b_jsapi(w),
        defaults={"state": "approved", "reason": "Bravo's store locator"},
    )
    return found.pk


def b_public_template(w: World) -> int:
    """A template of B's message template library (seeded on first use, as the pages do)."""
    from miniprograms.subscriptions.models import PublicTemplate
    from miniprograms.subscriptions.services import template_library_ensure

    template_library_ensure(workspace=w.b)
    return PublicTemplate.objects.get(workspace=w.b, title="Flight status update").pk


def b_my_template(w: World) -> str:
    """A My Template of B's (pointed) mini program, from B's library (only the row)."""
    from miniprograms.subscriptions.models import MyTemplate

    found, _ = MyTemplate.objects.get_or_create(
        miniprogram=w.extra["b_miniprogram"],
        public_template_id=b_public_template(w),
        keyword_set="Gate",
        defaults={"template_id": "bravoTemplateIdNotForOthers00001", "keywords": ["Gate"]},
    )
    return found.template_id


def b_message(w: World) -> str:
    """A message of B's (pointed) mini program's delivery log, through B's host app (only the
    row): its values are the merchant's data."""
    from django.utils import timezone

    from miniprograms.subscriptions.models import Message, MyTemplate

    mp = w.extra["b_miniprogram"]
    mine = MyTemplate.objects.get(template_id=b_my_template(w))
    now = timezone.now()
    found, _ = Message.objects.get_or_create(
        miniprogram=mp,
        idempotency_key="bravo-sweep",
        defaults={
            "my_template": mine if mine.miniprogram_id == mp.pk else None,
            "host_app": w.b_host_app,
            "template_id": mine.template_id,
            "title": "Flight status update",
            "kind": "long_term",
            "open_user_id": "bravoOpenUserNotForOthers",
            "user_id": "bravo-user-1",
            "data": [["Gate", "Bravo secret gate"]],
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    return str(found.uid)


b_task_kwargs = _b(app_id=app_id, target_id=b_target, task_id=b_task)


def b_domain_grant(w: World) -> int:
    """B lets its developer workspace edit server domains (made directly: only the row)."""
    from miniprograms.domains.models import DomainEditGrant

    found, _ = DomainEditGrant.objects.get_or_create(
        tenant=w.b, developer_workspace=w.b_developer_workspace
    )
    return found.pk


def b_domain_skip(w: World) -> int:
    """B's merchant mini program skips domain verification in B's host app (only the row)."""
    from miniprograms.domains.models import DomainVerificationSkip

    found, _ = DomainVerificationSkip.objects.get_or_create(
        miniprogram=w.extra["b_hosted"], host_app=w.b_host_app
    )
    return found.pk


def b_message_endpoint_app(w: World) -> int:
    """B's host app, with a message endpoint (only the row): a leaking read would find it."""
    from django.utils import timezone

    from miniprograms.subscriptions.models import MessageEndpoint

    MessageEndpoint.objects.get_or_create(
        host_app=w.b_host_app,
        defaults={
            "url": "https://push.bravo.example/messages",
            "secret_salt": "0" * 64,
            "secret_rotated_at": timezone.now(),
        },
    )
    return w.b_host_app.pk


def held_logo_token(w: World) -> str:
    """A logo held for B's owner between two submits of a profile form (signed, per person)."""
    return logo_hold(upload=image_upload(name="logo.png"), user_id=w.b_owner.pk)


def b_alert(w: World) -> int:
    """A firing alert of B's (pointed) mini program on B's host app (only the rows)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from analytics.alerts.models import Alert

    now = timezone.now()
    found, _ = Alert.objects.get_or_create(
        miniprogram=w.extra["b_miniprogram"],
        host_app=w.b_host_app,
        metric="jsapi_success_rate",
        defaults={"state": "firing", "value": Decimal("12.5"), "samples": 80}
        | {"threshold": Decimal(95), "min_samples": 50, "fired_at": now}
        | {"window_start": now - timedelta(minutes=30), "window_end": now},
    )
    return found.pk


REGISTRY: dict[str, Build] = {
    # console shell
    "console:dashboard": _b(),
    # members and invitations (pages)
    "workspaces:members": _b(),
    "workspaces:invite": _b(),
    "workspaces:member-role": _b(membership_id=member),
    "workspaces:member-block": _b(membership_id=member),
    "workspaces:member-remove": _b(membership_id=member),
    "workspaces:member-transfer": _b(membership_id=member),
    "workspaces:member-transfer-chosen": _b(),
    "workspaces:invitation-withdraw": _b(invitation_id=invitation),
    "workspaces:invitation-resend": _b(invitation_id=invitation),
    # host apps (pages)
    "workspaces:host-apps": _b(),
    "workspaces:host-app-create": _b(),
    "workspaces:host-app-detail": _b(host_app_id=host_app),
    "workspaces:host-app-edit": _b(host_app_id=host_app),
    "workspaces:host-app-reset-secret": _b(host_app_id=host_app),
    "workspaces:host-app-freeze-key": _b(host_app_id=host_app),
    "workspaces:host-app-unfreeze-key": _b(host_app_id=host_app),
    "workspaces:host-app-icon": _b(host_app_id=host_app),
    # developer workspaces (pages)
    "workspaces:developer-workspaces": _b(),
    "workspaces:developer-workspace-create": _b(),
    # settings, authorizations, roles (pages)
    "workspaces:settings": _b(),
    "workspaces:settings-asset": _b(asset=lambda w: "logo"),
    "workspaces:authorizations": _b(),
    "workspaces:authorization-token-revoke": _b(token_id=token),
    "workspaces:authorization-grant-add": _b(),
    "workspaces:authorization-grant-revoke": _b(grant_id=grant),
    "workspaces:roles": _b(),
    # audit log (pages)
    "workspaces:audit": _b(),
    "workspaces:audit-export": _b(),
    # approvals hub (pages)
    "workspaces:approvals": _b(),
    "workspaces:approval": _b(request_id=b_approval),
    "workspaces:approval-approve": _b(request_id=b_approval),
    "workspaces:approval-reject": _b(request_id=b_approval),
    "workspaces:approval-withdraw": _b(request_id=b_approval),
    # webhooks (pages, under settings)
    "workspaces:webhooks": _b(),
    "workspaces:webhook-create": _b(),
    "workspaces:webhook-detail": _b(endpoint_id=b_webhook),
    "workspaces:webhook-edit": _b(endpoint_id=b_webhook),
    "workspaces:webhook-rotate-secret": _b(endpoint_id=b_webhook),
    "workspaces:webhook-delete": _b(endpoint_id=b_webhook),
    "workspaces:webhook-test": _b(endpoint_id=b_webhook),
    "workspaces:webhook-delivery": _b(endpoint_id=b_webhook, delivery_id=b_webhook_delivery),
    # personal tokens of a member of B (user-scoped, no slug)
    "accounts:token-revoke": _only(token_id=token),
    "workspaces-api:token-detail": _only(id=token),
    # tenancy API
    "tenancy-api:workspace-detail": _b(),
    "tenancy-api:member-list": _b(),
    "tenancy-api:member-detail": _b(membership_id=member),
    "tenancy-api:member-transfer-ownership": _b(membership_id=member),
    "tenancy-api:invitation-list": _b(),
    "tenancy-api:invitation-withdraw": _b(invitation_id=invitation),
    "tenancy-api:invitation-resend": _b(invitation_id=invitation),
    "tenancy-api:host-app-list": _b(),
    "tenancy-api:host-app-detail": _b(host_app_id=host_app),
    "tenancy-api:host-app-reset-secret": _b(host_app_id=host_app),
    "tenancy-api:host-app-freeze-key": _b(host_app_id=host_app),
    "tenancy-api:host-app-unfreeze-key": _b(host_app_id=host_app),
    "tenancy-api:developer-workspace-list": _b(),
    "tenancy-api:audit-event-list": _b(),
    "tenancy-api:approval-list": _b(),
    "tenancy-api:approval-detail": _b(request_id=b_approval),
    "tenancy-api:approval-approve": _b(request_id=b_approval),
    "tenancy-api:approval-reject": _b(request_id=b_approval),
    "tenancy-api:approval-withdraw": _b(request_id=b_approval),
    "tenancy-api:grant-list": _b(),
    "tenancy-api:grant-detail": _b(grant_id=grant),
    "tenancy-api:webhook-list": _b(),
    "tenancy-api:webhook-detail": _b(endpoint_id=b_webhook),
    "tenancy-api:webhook-rotate-secret": _b(endpoint_id=b_webhook),
    "tenancy-api:webhook-test": _b(endpoint_id=b_webhook),
    "tenancy-api:webhook-delivery-list": _b(endpoint_id=b_webhook),
    "tenancy-api:webhook-delivery-detail": _b(
        endpoint_id=b_webhook, delivery_id=b_webhook_delivery
    ),
    # --- mini program pages (miniprograms/urls.py) ---
    "miniprograms:list": _b(),
    "miniprograms:hosted": _b(),
    "miniprograms:create": _b(),
    "miniprograms:wizard": _b(),
    "miniprograms:wizard-members": _b(app_id=app_id),
    "miniprograms:detail": _b(app_id=app_id),
    "miniprograms:edit": _b(app_id=app_id),
    "miniprograms:logo": _b(app_id=app_id),
    "miniprograms:logo-held": _b(token=held_logo_token),
    "miniprograms:host-apps": _b(app_id=app_id),
    "miniprograms:host-app-offline": _b(app_id=app_id, host_app_id=host_app),
    "miniprograms:shelf": _b(app_id=app_id),
    "miniprograms:delete": _b(app_id=app_id),
    "miniprograms:members": _b(app_id=app_id),
    "miniprograms:developer-assign": _b(app_id=app_id),
    "miniprograms:developer-unassign": _b(app_id=app_id, user_id=b_developer_user),
    "miniprograms:testers-add": _b(app_id=app_id),
    "miniprograms:tester-remove": _b(app_id=app_id, tester_id=b_tester_pk),
    # development › server domains and WAP URLs (miniprograms/domains)
    "miniprograms:dev-domains": _b(app_id=app_id),
    "miniprograms:dev-domains-global": _b(app_id=app_id),
    "miniprograms:dev-domains-version": _b(app_id=app_id, version=b_version_number),
    "miniprograms:dev-domains-restriction": _b(app_id=app_id),
    "miniprograms:dev-domains-skip": _b(app_id=app_id),
    "development:domain-policy": _b(),
    "development:domain-grant-add": _b(),
    "development:domain-grant-revoke": _b(grant_id=b_domain_grant),
    "development:domain-skip-revoke": _b(skip_id=b_domain_skip),
    # development › JSAPI catalogue, features, access (miniprograms/jsapis)
    "development:jsapis": _b(),
    "development:jsapi": _b(jsapi_id=b_jsapi),
    "development:jsapi-edit": _b(jsapi_id=b_jsapi),
    "development:jsapi-features": _b(),
    "development:jsapi-feature-create": _b(),
    "development:jsapi-feature": _b(feature_id=b_jsapi_feature),
    "development:jsapi-feature-edit": _b(feature_id=b_jsapi_feature),
    "development:jsapi-access": _b(),
    "development:jsapi-access-revoke": _b(application_id=b_jsapi_application),
    "miniprograms:dev-jsapis": _b(app_id=app_id),
    "miniprograms:dev-jsapis-apply": _b(app_id=app_id, host_app_id=host_app),
    "miniprograms:dev-jsapis-withdraw": _b(app_id=app_id, application_id=b_jsapi_application),
    "miniprograms-api:jsapi-list": _b(),
    "miniprograms-api:jsapi-detail": _b(jsapi_id=b_jsapi),
    "miniprograms-api:jsapi-feature-list": _b(),
    "miniprograms-api:jsapi-feature-detail": _b(feature_id=b_jsapi_feature),
    "miniprograms-api:jsapi-feature-history": _b(feature_id=b_jsapi_feature),
    "miniprograms-api:jsapi-access-list": _b(),
    "miniprograms-api:jsapi-access-revoke": _b(application_id=b_jsapi_application),
    "miniprograms-api:miniprogram-jsapi-permissions": _b(app_id=app_id),
    "miniprograms-api:miniprogram-jsapi-application-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-jsapi-application-withdraw": _b(
        app_id=app_id, application_id=b_jsapi_application
    ),
    # development › keys and environment variables (miniprograms/secrets, miniprograms/envvars)
    "miniprograms:dev-keys": _b(app_id=app_id),
    "miniprograms:dev-keys-generate": _b(app_id=app_id),
    "miniprograms:dev-keys-reset": _b(app_id=app_id),
    "miniprograms:dev-keys-freeze": _b(app_id=app_id),
    "miniprograms:dev-keys-unfreeze": _b(app_id=app_id),
    "miniprograms:dev-keys-oauth": _b(app_id=app_id),
    "miniprograms:dev-variables": _b(app_id=app_id),
    "miniprograms:dev-variables-edit": _b(app_id=app_id, environment=lambda w: "production"),
    "miniprograms-api:appsecret": _b(app_id=app_id),
    "miniprograms-api:appsecret-reset": _b(app_id=app_id),
    "miniprograms-api:appsecret-freeze": _b(app_id=app_id),
    "miniprograms-api:appsecret-unfreeze": _b(app_id=app_id),
    "miniprograms-api:envvar-list": _b(app_id=app_id),
    "miniprograms-api:envvar-detail": _b(app_id=app_id, environment=lambda w: "production"),
    # subscription messages › the library and My Templates (miniprograms/subscriptions)
    "development:message-templates": _b(),
    "development:message-template-create": _b(),
    "development:message-template-retire": _b(template_id=b_public_template),
    "miniprograms:subscriptions": _b(app_id=app_id),
    "miniprograms:subscriptions-choose": _b(app_id=app_id),
    "miniprograms:subscriptions-add": _b(app_id=app_id, public_template_id=b_public_template),
    "miniprograms:subscriptions-edit": _b(app_id=app_id, template_id=b_my_template),
    "miniprograms:subscriptions-delete": _b(app_id=app_id, template_id=b_my_template),
    "miniprograms-api:public-template-list": _b(),
    "miniprograms-api:public-template-detail": _b(public_template_id=b_public_template),
    "miniprograms-api:miniprogram-public-template-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-message-template-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-message-template-detail": _b(
        app_id=app_id, template_id=b_my_template
    ),
    "miniprograms:subscriptions-sending": _b(app_id=app_id),
    "miniprograms:subscriptions-log": _b(app_id=app_id),
    "miniprograms-api:miniprogram-message-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-message-detail": _b(app_id=app_id, message_id=b_message),
    "miniprograms-api:miniprogram-message-stats": _b(app_id=app_id),
    # subscription messages › Settings → Message delivery (miniprograms/subscriptions/endpoints)
    "development:message-delivery": _b(),
    "development:message-endpoint-edit": _b(host_app_id=b_message_endpoint_app),
    "development:message-endpoint-rotate-secret": _b(host_app_id=b_message_endpoint_app),
    "development:message-endpoint-active": _b(host_app_id=b_message_endpoint_app),
    "development:message-endpoint-delete": _b(host_app_id=b_message_endpoint_app),
    "development:message-endpoint-test": _b(host_app_id=b_message_endpoint_app),
    "miniprograms-api:host-app-message-endpoint": _b(host_app_id=b_message_endpoint_app),
    "miniprograms-api:host-app-message-endpoint-rotate-secret": _b(
        host_app_id=b_message_endpoint_app
    ),
    "miniprograms-api:host-app-message-endpoint-test": _b(host_app_id=b_message_endpoint_app),
    # --- end of mini program pages ---
    # --- mini programs API (miniprograms/api_urls.py) ---
    "miniprograms-api:miniprogram-list": _b(),
    "miniprograms-api:miniprogram-detail": _b(app_id=app_id),
    "miniprograms-api:miniprogram-shelf": _b(app_id=app_id),
    "miniprograms-api:miniprogram-host-app-offline": _b(app_id=app_id, host_app_id=host_app),
    "miniprograms-api:miniprogram-developer-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-developer-detail": _b(app_id=app_id, user_id=b_developer_user),
    "miniprograms-api:miniprogram-tester-list": _b(app_id=app_id),
    "miniprograms-api:miniprogram-tester-detail": _b(app_id=app_id, tester_id=b_tester_pk),
    "miniprograms-api:hosted-miniprogram-list": _b(),
    "miniprograms-api:hosted-miniprogram-detail": _b(app_id=b_hosted_app_id),
    "miniprograms-api:miniprogram-domains": _b(app_id=app_id),
    "miniprograms-api:miniprogram-domain-restriction": _b(app_id=app_id),
    "miniprograms-api:miniprogram-domain-skip": _b(app_id=app_id),
    "miniprograms-api:domain-edit-grant-list": _b(),
    "miniprograms-api:domain-edit-grant-detail": _b(grant_id=b_domain_grant),
    "miniprograms-api:domain-skip-list": _b(),
    "miniprograms-api:domain-skip-detail": _b(skip_id=b_domain_skip),
    # --- end of mini programs API ---
    # --- versions API (releases/api_urls.py) ---
    "releases-api:version-list": _b(app_id=app_id),
    "releases-api:version-detail": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-retry-scan": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-restart-quality": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-quality": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-diff": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-package": _b(app_id=app_id, number=b_version_number),
    "releases-api:version-artifact": _b(
        app_id=app_id, number=b_version_number, kind=lambda w: "complete"
    ),
    "releases-api:offline-package": _b(app_id=app_id, number=b_version_number),
    "releases-api:trial": _b(app_id=app_id),
    "releases-api:release-list": _b(app_id=app_id),
    "releases-api:release-submit": _b(app_id=app_id, number=b_version_number),
    "releases-api:release-withdraw": _b(app_id=app_id, release_id=b_release),
    "releases-api:release-publish": _b(app_id=app_id, release_id=b_release),
    "releases-api:target-rollback": _b(app_id=app_id, target_id=b_target),
    "releases-api:target-history": _b(app_id=app_id, target_id=b_target),
    "releases-api:grayscale-list": _b(app_id=app_id, target_id=b_target),
    "releases-api:grayscale-detail": b_task_kwargs,
    "releases-api:grayscale-task": _b(app_id=app_id, task_id=b_task),
    "releases-api:grayscale-suspend": b_task_kwargs,
    "releases-api:grayscale-resume": b_task_kwargs,
    "releases-api:grayscale-end": b_task_kwargs,
    "releases-api:grayscale-percentage": b_task_kwargs,
    "releases-api:grayscale-replace-version": b_task_kwargs,
    "releases-api:grayscale-schedule-pause": b_task_kwargs,
    "releases-api:grayscale-schedule-resume": b_task_kwargs,
    # --- end of versions API ---
    # --- version pages (releases/urls.py) ---
    "releases:versions": _b(app_id=app_id),
    "releases:upload": _b(app_id=app_id),
    "releases:version": _b(app_id=app_id, number=b_version_number),
    "releases:version-status": _b(app_id=app_id, number=b_version_number),
    "releases:version-diff": _b(app_id=app_id, number=b_version_number),
    "releases:version-retry-scan": _b(app_id=app_id, number=b_version_number),
    "releases:version-restart-quality": _b(app_id=app_id, number=b_version_number),
    "releases:version-package": _b(app_id=app_id, number=b_version_number),
    "releases:version-artifact": _b(
        app_id=app_id, number=b_version_number, kind=lambda w: "complete"
    ),
    "releases:offline-package": _b(app_id=app_id, number=b_version_number),
    "releases:trial": _b(app_id=app_id),
    "releases:trial-clear": _b(app_id=app_id),
    "releases:version-submit": _b(app_id=app_id, number=b_version_number),
    "releases:releases": _b(app_id=app_id),
    "releases:release-publish": _b(app_id=app_id, release_id=b_release),
    "releases:release-withdraw": _b(app_id=app_id, release_id=b_release),
    "releases:target-rollback": _b(app_id=app_id, target_id=b_target),
    "releases:grayscale-create": _b(app_id=app_id, target_id=b_target),
    "releases:grayscale-task": b_task_kwargs,
    "releases:grayscale-suspend": b_task_kwargs,
    "releases:grayscale-resume": b_task_kwargs,
    "releases:grayscale-end": b_task_kwargs,
    "releases:grayscale-percentage": b_task_kwargs,
    "releases:grayscale-replace-version": b_task_kwargs,
    "releases:grayscale-schedule-pause": b_task_kwargs,
    "releases:grayscale-schedule-resume": b_task_kwargs,
    "releases:grayscale-preview": _b(app_id=app_id, target_id=b_target),
    "analytics:guardrail": b_task_kwargs,  # a task's guardrail settings (analytics/guardrails)
    "analytics-guardrail": b_task_kwargs,
    # --- end of version pages ---
    # --- analytics reports (analytics/reports.py) ---
    "analytics:overview": _b(app_id=app_id),
    "analytics:export": _b(app_id=app_id),
    "analytics_workspace:list": _b(),
    "analytics-daily": _b(app_id=app_id),
    "analytics-visits": _b(),
    # --- real-time figures, JSAPI calls and logs (analytics/realtime.py, logs.py) ---
    "analytics:realtime": _b(app_id=app_id),
    "analytics:jsapis": _b(app_id=app_id),
    "analytics:jsapi": _b(app_id=app_id, name=lambda w: "getLocation"),
    "analytics:logs": _b(app_id=app_id),
    "analytics-realtime": _b(app_id=app_id),
    "analytics-realtime-jsapis": _b(app_id=app_id),
    "analytics-realtime-jsapi": _b(app_id=app_id, name=lambda w: "getLocation"),
    "analytics-logs": _b(app_id=app_id),
    # --- alerts (analytics/alerts) ---
    "analytics:alerts": _b(app_id=app_id),
    "analytics:alert-rule-edit": _b(app_id=app_id, metric=lambda w: "blank_screen_rate"),
    "analytics:alert-rule-reset": _b(app_id=app_id, metric=lambda w: "blank_screen_rate"),
    "analytics:alert-mute": _b(app_id=app_id, alert_id=b_alert),
    "analytics:alert-unmute": _b(app_id=app_id, alert_id=b_alert),
    "analytics:alert-acknowledge": _b(app_id=app_id, alert_id=b_alert),
    "analytics_workspace:alerts": _b(),
    "analytics-alert-list": _b(app_id=app_id),
    "analytics-alert-detail": _b(app_id=app_id, alert_id=b_alert),
    "analytics-alert-mute": _b(app_id=app_id, alert_id=b_alert),
    "analytics-alert-acknowledge": _b(app_id=app_id, alert_id=b_alert),
    "analytics-alert-rule-list": _b(app_id=app_id),
    "analytics-alert-rule-detail": _b(app_id=app_id, metric=lambda w: "blank_screen_rate"),
    "analytics-alert-history": _b(app_id=app_id),
    "analytics-workspace-alerts": _b(),
    # --- end of alerts ---
}

# Kwargs that name something inside the workspace rather than identify an object: swapping the
# slug to A's for these would just open A's own thing, so there is no cross-slug variant.
NON_OBJECT_KWARGS = frozenset({"workspace_slug", "asset"})

# Patterns deliberately not swept, and why. A key ending in ":" exempts a whole namespace.
EXEMPT: dict[str, str] = {
    "admin:": "Django admin: staff only, and not scoped to a workspace",
    "invitations:accept": "public: the link's token is the credential (looked up by its hash)",
    "accounts:password-reset-confirm": "public: a signed, expiring uid + token from the email",
    "accounts:login": "public sign-in page, no workspace",
    "onboarding:signup": "public sign-up page, no workspace",
    "onboarding:signup-sent": "public: the sent page of the visitor's own sign-up (session)",
    "onboarding:signup-confirm": "public: a signed, expiring token from the sign-up email",
    "workspaces-api:me": "the caller's own account; lists only their memberships (tested below)",
    "tenancy-api:workspace-list": "the caller's own workspaces (tested below)",
    "healthz": "liveness probe, no data",
    "readyz": "readiness probe, no data",
    "api-schema": "the OpenAPI document, same for everyone",
    "api-docs": "Swagger UI over the schema",
    "open:": "the open API for mini programs' backends: an accessToken of one mini program, not "
    "a session; a message of another mini program is not found (miniprograms/tests/"
    "test_subscription_messages.py::test_the_sender_reads_the_delivery_state_of_its_own_messages_only)",
    "runtime:": "the SDK's runtime API: host app key + secret, not a session or token; a key "
    "resolves only mini programs linked to its host app (releases/tests/test_runtime_resolve.py); "
    "artifacts and logos are public, content addressed by digest",
}

# The sweep may only grow: lower this only when patterns are deliberately removed.
MIN_SWEPT_PATTERNS = 97


def _exempt(name: str) -> bool:
    return name in EXEMPT or any(k.endswith(":") and name.startswith(k) for k in EXEMPT)


# --- coverage of the URL map --------------------------------------------------------------------


def test_every_pattern_with_url_kwargs_is_swept_or_exempt():
    missing = sorted(
        f"{route.name} ({route.route}, kwargs {sorted(route.kwargs)})"
        for route in routes().values()
        if route.kwargs and route.name not in REGISTRY and not _exempt(route.name)
    )
    assert not missing, (
        "URL patterns that take a workspace slug or an object id but are not in the isolation "
        "sweep; add each to REGISTRY in console/tests/test_isolation.py (or to EXEMPT, with a "
        "reason):\n  " + "\n  ".join(missing)
    )


def test_registry_and_exemptions_name_only_existing_patterns():
    names = set(routes())
    stale = sorted(n for n in REGISTRY if n not in names)
    stale += sorted(
        n
        for n in EXEMPT
        if not (n in names or (n.endswith(":") and any(x.startswith(n) for x in names)))
    )
    assert not stale, f"no such URL pattern any more: {stale}"
    assert not set(REGISTRY) & set(EXEMPT), "a pattern cannot be both swept and exempt"


def test_registry_builds_exactly_each_patterns_kwargs(world):
    table = routes()
    wrong = {
        name: (sorted(build(world)), sorted(table[name].kwargs))
        for name, build in REGISTRY.items()
        if set(build(world)) != table[name].kwargs
    }
    assert not wrong, f"registry kwargs differ from the pattern's: {wrong}"


def test_sweep_covers_every_workspace_pattern_count():
    table = routes()
    swept = [name for name in REGISTRY if name in table]
    scoped = [r for r in table.values() if r.kwargs and not _exempt(r.name)]
    message = (
        f"isolation sweep covers {len(swept)} URL patterns "
        f"({sum(table[n].is_api for n in swept)} API, {sum(not table[n].is_api for n in swept)} "
        f"console) out of {len(table)} named patterns; {len(scoped)} take URL kwargs"
    )
    print(message)
    assert len(swept) == len(scoped), message
    assert len(swept) >= MIN_SWEPT_PATTERNS, message


# --- the sweep ------------------------------------------------------------------------------


def snapshot_b(w: World) -> dict[str, Any]:
    """Everything of B a leaking view could change."""
    b_users = Membership.objects.filter(workspace=w.b).values("user_id")
    return {
        "workspace": list(Workspace.objects.filter(pk=w.b.pk).values()),
        "developer_workspaces": list(Workspace.objects.filter(tenant=w.b).values()),
        "memberships": list(Membership.objects.filter(workspace=w.b).order_by("pk").values()),
        "invitations": list(
            Invitation.objects.filter(workspace__in=[w.b, w.b_developer_workspace])
            .order_by("pk")
            .values()
        ),
        "host_apps": list(HostApp.objects.filter(workspace=w.b).order_by("pk").values()),
        "platforms": list(
            HostAppPlatform.objects.filter(host_app__workspace=w.b).order_by("pk").values()
        ),
        "settings": list(WorkspaceSettings.objects.filter(workspace=w.b).values()),
        "grants": list(
            WorkspaceUserObjectPermission.objects.filter(content_object=w.b).order_by("pk").values()
        ),
        "tokens": list(
            ApiToken.objects.filter(user_id__in=b_users)
            .order_by("pk")
            .values("pk", "name", "revoked_at", "expires_at", "key_hash")
        ),
        "users": list(
            User.objects.filter(pk__in=b_users)
            .order_by("pk")
            .values("pk", "email", "name", "password", "is_active")
        ),
        "miniprograms": list(MiniProgram.objects.filter(workspace=w.b).order_by("pk").values()),
        "app_secrets": list(
            AppSecret.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "env_variables": list(
            EnvironmentVariable.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "miniprogram_languages": list(
            MiniProgramLanguage.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "miniprogram_host_apps": list(
            MiniProgramHostApp.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "miniprogram_testers": list(
            MiniProgramTester.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "miniprogram_grants": list(
            MiniProgramUserObjectPermission.objects.filter(content_object__workspace=w.b)
            .order_by("pk")
            .values()
        ),
        "versions": list(Version.objects.filter(workspace=w.b).order_by("pk").values()),
        "version_jobs": list(
            PackageJob.objects.filter(version__workspace=w.b).order_by("pk").values()
        ),
        "trial_versions": list(
            TrialVersion.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "release_targets": list(
            ReleaseTarget.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "releases": list(
            Release.objects.filter(target__miniprogram__workspace=w.b).order_by("pk").values()
        ),
        "jsapi_applications": _jsapi_rows(w),
        "message_templates": _subscription_rows(w),
        "message_endpoints": _message_endpoint_rows(w),
        "approval_requests": list(
            ApprovalRequest.objects.filter(requesting_workspace=w.b).order_by("pk").values()
        ),
        "webhook_endpoints": list(
            WebhookEndpoint.objects.filter(workspace=w.b).order_by("pk").values()
        ),
        "webhook_deliveries": WebhookDelivery.objects.filter(workspace=w.b).count(),
        "domains": _domain_rows(w),
        "audit_events": AuditEvent.objects.filter(
            workspace__in=[w.b, w.b_developer_workspace]
        ).count(),
    }


def _domain_rows(w: World) -> list[Any]:
    """B's server domain rows: lists, restrictions, edit grants, approved skips (the grant and
    the skip the sweep points at are made first, so a request deleting them shows)."""
    from miniprograms.domains.models import (
        DomainConfig,
        DomainEditGrant,
        DomainRestriction,
        DomainVerificationSkip,
    )

    b_domain_grant(w)
    b_domain_skip(w)
    return [
        list(
            DomainConfig.objects.filter(miniprogram__workspace__in=[w.b, w.b_developer_workspace])
            .order_by("pk")
            .values()
        ),
        list(DomainRestriction.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()),
        list(DomainEditGrant.objects.filter(tenant=w.b).order_by("pk").values()),
        list(
            DomainVerificationSkip.objects.filter(host_app__workspace=w.b).order_by("pk").values()
        ),
    ]


def _message_endpoint_rows(w: World) -> list[Any]:
    """B's host apps' message endpoints (the one the sweep points at is made first)."""
    from miniprograms.subscriptions.models import MessageEndpoint

    b_message_endpoint_app(w)
    return list(MessageEndpoint.objects.filter(host_app__workspace=w.b).order_by("pk").values())


def _subscription_rows(w: World) -> list[Any]:
    """B's message template library and My Templates (the rows the sweep points at first)."""
    from miniprograms.subscriptions.models import MyTemplate, PublicTemplate

    b_my_template(w)
    return [
        list(PublicTemplate.objects.filter(workspace=w.b).order_by("pk").values()),
        list(MyTemplate.objects.filter(miniprogram__workspace=w.b).order_by("pk").values()),
    ]


def _jsapi_rows(w: World) -> list[Any]:
    """B's JSAPI catalogue, features and applications (the rows the sweep points at first)."""
    from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature

    b_jsapi_application(w)
    return [
        list(Jsapi.objects.filter(workspace=w.b).order_by("pk").values()),
        list(JsapiFeature.objects.filter(workspace=w.b).order_by("pk").values()),
        list(JsapiApplication.objects.filter(host_app__workspace=w.b).order_by("pk").values()),
    ]


def _payload(w: World) -> dict[str, Any]:
    """A body a leaking view would act on (each view picks what it needs)."""
    return {
        "role": "admin",
        "blocked": "true",
        "status": "blocked",
        "name": "Pwned by A",
        "description": "pwned",
        "confirm": w.b.name,
        "confirmation": w.b.name,
        "email": "mallory@alpha.example",
        "service_email": "mallory@alpha.example",
        "about_url": "https://evil.example",
        "owner_email": "mallory@alpha.example",
        "owner_name": "Mallory",
        "platforms": {"android": "com.evil"},
        "android": "com.evil",
        "tagline": "Pwned by workspace A!!",
        "reason": "pwned",
        "on_shelf": False,
        "action": "off",
        "confirm_name": "Bravo Secret Shop",
        "accounts": "mallory-1\nmallory-2",
        "user_id": w.b_member.user_id,
        "host_app_ids": [],
    }


def _variants(route: Route, kwargs: dict[str, Any], w: World) -> list[dict[str, Any]]:
    """B's URL, plus the same object ids under A's slug when the pattern has object ids."""
    variants = [kwargs]
    slug_kwargs = {k for k, v in kwargs.items() if v == w.b.slug}  # workspace_slug, or {slug}
    if slug_kwargs and set(kwargs) - slug_kwargs - NON_OBJECT_KWARGS:
        variants.append({k: w.a.slug if k in slug_kwargs else v for k, v in kwargs.items()})
    return variants


def _request(client, method: str, url: str, data: dict[str, Any], *, is_api: bool, headers):
    if method == "get":
        return client.get(url, headers=headers)
    if is_api:
        return getattr(client, method)(
            url, data=json.dumps(data), content_type="application/json", headers=headers
        )
    if method == "post":
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        return client.post(url, form, headers=headers)
    return getattr(client, method)(url, headers=headers)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def sweep(client, w: World, names: list[str], *, auth: str) -> list[str]:
    """Request every variant × method; returns the leaks (anything but a 404)."""
    table = routes()
    headers = {"Authorization": f"Bearer {w.outsider_token}"} if auth == "token" else {}
    if auth == "session":
        client.force_login(w.outsider)
    leaks = []
    for name in names:
        route = table[name]
        for kwargs in _variants(route, REGISTRY[name](w), w):
            url = reverse(name, kwargs=kwargs)
            for method in route.methods:
                response = _request(
                    client, method, url, _payload(w), is_api=route.is_api, headers=headers
                )
                body = _body(response)
                if response.status_code != 404 or w.b.name.encode() in body:
                    leaks.append(
                        f"{method.upper()} {url} [{name}, {auth}] -> {response.status_code}"
                    )
    return leaks


def test_b_own_owner_reaches_every_swept_url(client, world):
    """The control: the URLs the sweep builds are real (B's owner is not answered 404)."""
    table = routes()
    client.force_login(world.b_owner)
    broken = []
    for name, build in REGISTRY.items():
        url = reverse(name, kwargs=build(world))
        response = client.get(url)
        if response.status_code == 404:
            broken.append(f"GET {url} [{name}] -> 404 for B's own owner")
        elif "get" not in table[name].methods and response.status_code != 405:
            broken.append(f"GET {url} [{name}] -> {response.status_code}, expected 405")
    assert not broken, "\n".join(broken)


def _is_api(name: str) -> bool:
    """Served under /api/ (decided by the route, so a new API namespace is swept by token too)."""
    route = routes().get(name)
    return route is not None and route.is_api


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if not _is_api(n)))
def test_outsider_gets_404_on_console_page(client, world, name):
    before = snapshot_b(world)
    leaks = sweep(client, world, [name], auth="session")
    assert not leaks, "tenant isolation leak:\n" + "\n".join(leaks)
    assert snapshot_b(world) == before, "a request from another workspace changed workspace B"


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if _is_api(n)))
def test_outsider_gets_404_on_api_endpoint(client, world, name, auth):
    before = snapshot_b(world)
    leaks = sweep(client, world, [name], auth=auth)
    assert not leaks, "tenant isolation leak:\n" + "\n".join(leaks)
    assert snapshot_b(world) == before, "a request from another workspace changed workspace B"


# --- lists without ids in the URL show only the caller's own things -----------------------


@pytest.mark.parametrize("auth", ["session", "token"])
def test_outsiders_own_lists_show_nothing_of_b(client, world, auth):
    headers = {"Authorization": f"Bearer {world.outsider_token}"} if auth == "token" else {}
    if auth == "session":
        client.force_login(world.outsider)
    urls = ["/api/v1/me", "/api/v1/workspaces", "/api/v1/tokens"]
    if auth == "session":
        all_miniprograms = reverse("miniprograms-all:list")
        a_owner = Membership.objects.get(workspace=world.a, user=world.outsider)
        create_miniprogram(a_owner, name="Alpha Shop")  # the control: A's own one is listed
        assert "Alpha Shop" in client.get(all_miniprograms).content.decode()
        urls += [
            "/accounts/tokens/",
            reverse("console:dashboard", args=[world.a.slug]),
            all_miniprograms,  # every team's mini programs: the outsider's only
            f"{all_miniprograms}?team={world.b.slug}",  # B asked for by name: nothing of it
            f"{all_miniprograms}?q={world.extra['b_miniprogram'].app_id}",
            f"{all_miniprograms}?q=Bravo",
        ]
    b_miniprogram = world.extra["b_miniprogram"]
    secrets = (
        world.b.slug,
        world.b.name,
        world.b_token.prefix,
        world.b_owner.email,
        b_miniprogram.name,
        b_miniprogram.app_id,
        "ブラボーの店",  # its name in an extra language
    )
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            if secret in url:
                body = body.replace(f'value="{secret}"', "")  # the search box keeps the query
            assert secret not in body, f"{url} shows {secret!r} of workspace B"


def test_a_sweep_catches_a_leak(client, world, monkeypatch):
    """The sweep itself can fail: a view that skips the workspace check is reported."""
    from workspaces import mixins

    def trusting_access(*, user, slug, cap=None):
        workspace = Workspace.objects.get(slug=slug)
        return workspace, Membership(workspace=workspace, user=user, role="owner")

    monkeypatch.setattr(mixins, "access_workspace", trusting_access)
    leaks = sweep(client, world, ["workspaces:roles"], auth="session")
    assert leaks == [f"GET /w/{world.b.slug}/settings/roles/ [workspaces:roles, session] -> 200"]


def test_a_sweep_catches_an_object_lookup_that_ignores_the_workspace(client, world, monkeypatch):
    """The cross-slug variant: B's host app id under A's slug is reported when unscoped."""
    from workspaces.views import hostapps

    def unscoped_get(*, workspace, host_app_id):
        return HostApp.objects.filter(pk=host_app_id).first()

    monkeypatch.setattr(hostapps, "host_app_get", unscoped_get)
    leaks = sweep(client, world, ["workspaces:host-app-detail"], auth="session")
    url = f"/w/{world.a.slug}/host-apps/{world.b_host_app.pk}/"
    assert leaks == [f"GET {url} [workspaces:host-app-detail, session] -> 200"]


# --- across workspaces: the host side (authz.has_cap_as_host) ---------------------------------
#
# The access helper itself: the tenant whose host app is targeted reads it, and a third workspace
# (A) — through either helper, under either slug — does not. The routes: further below.


def test_a_merchant_program_is_read_by_its_tenant_and_by_no_third_workspace(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from miniprograms.access import access_miniprogram, access_miniprogram_as_host
    from workspaces.authz import membership_get

    merchant = world.b_developer_workspace
    merchant_admin = membership_add(
        workspace=merchant, user=UserFactory(email="lead@merchant.example"), role="admin"
    )
    coffee = create_miniprogram(
        merchant_admin, name="Merchant Coffee", host_app_ids=[world.b_host_app.pk]
    )

    mp, _ = access_miniprogram_as_host(user=world.b_owner, workspace=world.b, app_id=coffee.app_id)
    assert mp == coffee
    with pytest.raises(PermissionDenied):  # the tenant reads, never writes
        access_miniprogram_as_host(
            user=world.b_owner, workspace=world.b, app_id=coffee.app_id, cap=Cap.MANAGE_MINIPROGRAM
        )

    outsider = membership_get(user=world.outsider, workspace=world.a)
    for attempt in (
        lambda: access_miniprogram_as_host(
            user=world.outsider, workspace=world.a, app_id=coffee.app_id
        ),
        lambda: access_miniprogram_as_host(
            user=world.outsider, workspace=world.b, app_id=coffee.app_id
        ),
        lambda: access_miniprogram_as_host(
            user=world.outsider, workspace=merchant, app_id=coffee.app_id
        ),
        lambda: access_miniprogram(member=outsider, app_id=coffee.app_id),
        # The merchant does not reach B's own programs from either side.
        lambda: access_miniprogram(
            member=merchant_admin, app_id=world.extra["b_miniprogram"].app_id
        ),
        lambda: access_miniprogram_as_host(
            user=merchant_admin.user, workspace=merchant, app_id=world.extra["b_miniprogram"].app_id
        ),
    ):
        with pytest.raises(Http404):
            attempt()


# --- the host side, swept over the URL map ----------------------------------------------------
#
# Every pattern about one mini program (an ``app_id`` in its route) is requested for a merchant's
# mini program (of B's developer workspace, released to B's host app) by B's own members, under
# B's slug — the tenant that hosts it — and by A, under every slug. What B's members may do is
# classified below: "read" answers a GET (< 400) and refuses every other method (403); "write"
# refuses every method (403: a form or an action that changes it); "hidden" answers 404 to every
# method (the merchant's team: its members and testers). A new pattern with an ``app_id`` fails
# ``test_every_miniprogram_pattern_is_classified_for_the_host`` until it is classified here.

READ, WRITE, HIDDEN = "read", "write", "hidden"
HOST_ACCESS: dict[str, str] = {
    # development › keys (the AppSecret's state, never the secret) and environment variables
    "miniprograms:dev-keys": READ,
    "miniprograms:dev-keys-generate": WRITE,
    "miniprograms:dev-keys-reset": WRITE,
    "miniprograms:dev-keys-freeze": WRITE,
    "miniprograms:dev-keys-unfreeze": WRITE,
    "miniprograms:dev-keys-oauth": WRITE,
    "miniprograms:dev-variables": READ,
    "miniprograms:dev-variables-edit": WRITE,
    "miniprograms-api:appsecret": READ,
    "miniprograms-api:appsecret-reset": WRITE,
    "miniprograms-api:appsecret-freeze": WRITE,
    "miniprograms-api:appsecret-unfreeze": WRITE,
    "miniprograms-api:envvar-list": READ,
    "miniprograms-api:envvar-detail": READ,
    # development › JSAPI permissions
    "miniprograms:dev-jsapis": READ,
    "miniprograms:dev-jsapis-apply": WRITE,
    "miniprograms:dev-jsapis-withdraw": WRITE,
    "miniprograms-api:miniprogram-jsapi-permissions": READ,
    "miniprograms-api:miniprogram-jsapi-application-list": READ,
    "miniprograms-api:miniprogram-jsapi-application-withdraw": WRITE,
    # subscription messages › My Templates (the host reads those made from its own library)
    "miniprograms:subscriptions": READ,
    "miniprograms:subscriptions-choose": WRITE,
    "miniprograms:subscriptions-add": WRITE,
    "miniprograms:subscriptions-edit": WRITE,
    "miniprograms:subscriptions-delete": WRITE,
    "miniprograms-api:miniprogram-public-template-list": READ,
    "miniprograms-api:miniprogram-message-template-list": READ,
    "miniprograms-api:miniprogram-message-template-detail": READ,
    "miniprograms:subscriptions-sending": READ,
    "miniprograms:subscriptions-log": READ,
    "miniprograms-api:miniprogram-message-list": READ,
    "miniprograms-api:miniprogram-message-detail": READ,
    "miniprograms-api:miniprogram-message-stats": READ,
    # mini program pages
    "miniprograms:detail": READ,
    "miniprograms:logo": READ,
    "miniprograms:edit": WRITE,
    "miniprograms:host-apps": WRITE,
    "miniprograms:host-app-offline": WRITE,
    "miniprograms:shelf": WRITE,
    "miniprograms:delete": WRITE,
    "miniprograms:wizard-members": HIDDEN,
    "miniprograms:members": HIDDEN,
    "miniprograms:developer-assign": HIDDEN,
    "miniprograms:developer-unassign": HIDDEN,
    "miniprograms:testers-add": HIDDEN,
    "miniprograms:tester-remove": HIDDEN,
    # mini programs API
    "miniprograms-api:miniprogram-detail": READ,
    "miniprograms-api:miniprogram-shelf": WRITE,
    "miniprograms-api:miniprogram-host-app-offline": WRITE,
    "miniprograms-api:miniprogram-developer-list": HIDDEN,
    "miniprograms-api:miniprogram-developer-detail": HIDDEN,
    "miniprograms-api:miniprogram-tester-list": HIDDEN,
    "miniprograms-api:miniprogram-tester-detail": HIDDEN,
    "miniprograms-api:hosted-miniprogram-detail": READ,
    # development › server domains and WAP URLs: the host reads the lists its app enforces
    "miniprograms:dev-domains": READ,
    "miniprograms:dev-domains-global": HIDDEN,
    "miniprograms:dev-domains-version": HIDDEN,
    "miniprograms:dev-domains-restriction": HIDDEN,
    "miniprograms:dev-domains-skip": HIDDEN,
    "miniprograms-api:miniprogram-domains": READ,
    "miniprograms-api:miniprogram-domain-restriction": HIDDEN,
    "miniprograms-api:miniprogram-domain-skip": HIDDEN,
    # version and release pages
    "releases:versions": READ,
    "releases:upload": WRITE,
    "releases:version": READ,
    "releases:version-status": READ,
    "releases:version-diff": READ,
    "releases:version-retry-scan": WRITE,
    "releases:version-restart-quality": WRITE,
    "releases:version-package": READ,
    "releases:version-artifact": READ,
    "releases:offline-package": READ,
    "releases:version-submit": WRITE,
    "releases:trial": READ,
    "releases:trial-clear": WRITE,
    "releases:releases": READ,
    "releases:release-publish": WRITE,
    "releases:release-withdraw": WRITE,
    "releases:target-rollback": WRITE,
    "releases:grayscale-create": WRITE,
    "releases:grayscale-task": READ,
    "releases:grayscale-suspend": WRITE,
    "analytics:guardrail": WRITE,
    "analytics-guardrail": READ,
    "releases:grayscale-resume": WRITE,
    "releases:grayscale-end": WRITE,
    "releases:grayscale-percentage": WRITE,
    "releases:grayscale-replace-version": WRITE,
    "releases:grayscale-schedule-pause": WRITE,
    "releases:grayscale-schedule-resume": WRITE,
    "releases:grayscale-preview": READ,
    # versions and releases API
    "releases-api:version-list": READ,
    "releases-api:version-detail": READ,
    "releases-api:version-retry-scan": WRITE,
    "releases-api:version-restart-quality": WRITE,
    "releases-api:version-quality": READ,
    "releases-api:version-diff": READ,
    "releases-api:version-package": READ,
    "releases-api:version-artifact": READ,
    "releases-api:offline-package": READ,
    "releases-api:trial": READ,
    "releases-api:release-list": READ,
    "releases-api:release-submit": WRITE,
    "releases-api:release-withdraw": WRITE,
    "releases-api:release-publish": WRITE,
    "releases-api:target-rollback": WRITE,
    "releases-api:target-history": READ,
    "releases-api:grayscale-list": READ,
    "releases-api:grayscale-detail": READ,
    "releases-api:grayscale-task": READ,
    "releases-api:grayscale-suspend": WRITE,
    "releases-api:grayscale-resume": WRITE,
    "releases-api:grayscale-end": WRITE,
    "releases-api:grayscale-percentage": WRITE,
    "releases-api:grayscale-replace-version": WRITE,
    "releases-api:grayscale-schedule-pause": WRITE,
    "releases-api:grayscale-schedule-resume": WRITE,
    # analytics reports: the host reads its own host apps' figures
    "analytics:overview": READ,
    "analytics:export": READ,
    "analytics-daily": READ,
    # real-time figures and logs: the host reads its own host apps' rows
    "analytics:realtime": READ,
    "analytics:jsapis": READ,
    "analytics:jsapi": READ,
    "analytics:logs": READ,
    "analytics-realtime": READ,
    "analytics-realtime-jsapis": READ,
    "analytics-realtime-jsapi": READ,
    "analytics-logs": READ,
    # alerts (analytics/alerts): the host reads its own host apps' alerts, changes nothing
    "analytics:alerts": READ,
    "analytics:alert-rule-edit": WRITE,
    "analytics:alert-rule-reset": WRITE,
    "analytics:alert-mute": WRITE,
    "analytics:alert-unmute": WRITE,
    "analytics:alert-acknowledge": WRITE,
    "analytics-alert-list": READ,
    "analytics-alert-detail": READ,
    "analytics-alert-mute": WRITE,
    "analytics-alert-acknowledge": WRITE,
    "analytics-alert-rule-list": READ,
    "analytics-alert-rule-detail": WRITE,
    "analytics-alert-history": READ,
}


def _miniprogram_routes(*, swept: bool = True) -> dict[str, Route]:
    """Patterns about one mini program (those REGISTRY can build, when ``swept``: a pattern
    missing there fails ``test_every_pattern_with_url_kwargs_is_swept_or_exempt`` already)."""
    return {
        n: r
        for n, r in routes().items()
        if "app_id" in r.kwargs and not _exempt(n) and (n in REGISTRY or not swept)
    }


def test_every_miniprogram_pattern_is_classified_for_the_host():
    names = set(_miniprogram_routes(swept=False))
    missing = sorted(names - set(HOST_ACCESS))
    stale = sorted(set(HOST_ACCESS) - names)
    assert not missing, (
        "URL patterns about one mini program that say nothing of what the tenant hosting a "
        "merchant's mini program may do there; classify each in HOST_ACCESS in "
        "console/tests/test_isolation.py (read / write / hidden):\n  " + "\n  ".join(missing)
    )
    assert not stale, f"no such URL pattern any more: {stale}"


@dataclass
class Hosted:
    w: World  # the world, pointed at the merchant's mini program: REGISTRY builds its URLs
    coffee: MiniProgram
    merchant: Workspace
    secrets: tuple[str, ...]  # of the merchant's team: never in an answer to the tenant


@pytest.fixture
def hosted(world, django_capture_on_commit_callbacks) -> Hosted:
    """B's developer workspace (a merchant) with a mini program released to B's host app: a
    version (scanned and built), a tester, an assigned Developer and a production release under
    B's review."""
    from dataclasses import replace

    merchant = world.b_developer_workspace
    lead = membership_add(
        workspace=merchant, user=UserFactory(email="lead@merchant.example"), role="admin"
    )
    secret_dev = membership_add(
        workspace=merchant,
        user=UserFactory(email="hidden-dev@merchant.example", name="Hidden Dev"),
        role="developer",
    )
    coffee = create_miniprogram(lead, name="Merchant Coffee", host_app_ids=[world.b_host_app.pk])
    miniprogram_developer_assign(actor=lead, miniprogram=coffee, user_id=secret_dev.user_id)
    [tester] = miniprogram_testers_add(
        actor=lead, miniprogram=coffee, accounts=["hidden-tester-7"]
    ).added
    with django_capture_on_commit_callbacks(execute=True):
        version = version_upload(
            actor=lead,
            miniprogram=coffee,
            number="2.0.0",
            package=ContentFile(zip_bytes(), name="coffee.zip"),
        )
    version.refresh_from_db()
    [release] = release_submit(
        actor=lead,
        version=version,
        host_app_ids=[world.b_host_app.pk],
        environment=ReleaseTarget.Environment.PRODUCTION,
    )
    pointed = replace(
        world,
        b_member=secret_dev,
        extra={
            **world.extra,
            "b_miniprogram": coffee,
            "b_tester": tester,
            "b_version": version,
            "b_release": release,
        },
    )
    return Hosted(
        w=pointed,
        coffee=coffee,
        merchant=merchant,
        secrets=("hidden-dev@merchant.example", "Hidden Dev", "hidden-tester-7"),
    )


def snapshot_merchant(h: Hosted) -> dict[str, Any]:
    """Everything of the merchant's mini program a tenant's request could change."""
    mp = h.coffee
    return {
        "miniprogram": list(MiniProgram.objects.filter(pk=mp.pk).values()),
        "languages": list(MiniProgramLanguage.objects.filter(miniprogram=mp).values()),
        "targets": list(MiniProgramHostApp.objects.filter(miniprogram=mp).values()),
        "testers": list(MiniProgramTester.objects.filter(miniprogram=mp).values()),
        "app_secret": list(AppSecret.objects.filter(miniprogram=mp).values()),
        "env_variables": list(EnvironmentVariable.objects.filter(miniprogram=mp).values()),
        "grants": list(MiniProgramUserObjectPermission.objects.filter(content_object=mp).values()),
        "versions": list(Version.objects.filter(miniprogram=mp).values()),
        "jobs": list(PackageJob.objects.filter(version__miniprogram=mp).values()),
        "trial": list(TrialVersion.objects.filter(miniprogram=mp).values()),
        "release_targets": list(ReleaseTarget.objects.filter(miniprogram=mp).values()),
        "releases": list(Release.objects.filter(target__miniprogram=mp).values()),
        "approvals": list(ApprovalRequest.objects.filter(requesting_workspace=h.merchant).values()),
        "audit": AuditEvent.objects.filter(workspace=h.merchant).count(),
        "domains": list(mp.domain_configs.values()) + list(mp.domain_skips.values()),
    }


def _host_answers(client, h: Hosted, names: list[str], *, headers) -> list[str]:
    """Every method of every pattern, under B's slug, for B's member signed in on ``client``;
    returns what differs from ``HOST_ACCESS``."""
    table = routes()
    wrong = []
    for name in names:
        route = table[name]
        url = reverse(name, kwargs=REGISTRY[name](h.w))
        for method in route.methods:
            response = _request(
                client, method, url, _payload(h.w), is_api=route.is_api, headers=headers
            )
            body = _body(response)
            expected = HOST_ACCESS[name]
            if expected == HIDDEN:
                ok = response.status_code == 404
            elif expected == READ and method == "get":
                # Read: never refused for who asks (a business answer is fine: the diff of a
                # first version, the offline package of one not online yet).
                ok = response.status_code not in (401, 403, 404) and response.status_code < 500
            else:
                ok = response.status_code == 403
            if not ok:
                wrong.append(
                    f"{method.upper()} {url} [{name}, {expected}] -> {response.status_code}"
                )
            leaked = [s for s in h.secrets if s.encode() in body]
            if leaked:
                wrong.append(f"{method.upper()} {url} [{name}] shows {leaked}")
    return wrong


@pytest.mark.parametrize("auth", ["session", "token"])
def test_the_host_tenant_reads_its_merchants_program_and_changes_nothing(client, hosted, auth):
    names = sorted(n for n in _miniprogram_routes() if auth == "session" or routes()[n].is_api)
    headers = {}
    if auth == "token":
        _token, raw = token_create(user=hosted.w.b_owner, name="Bravo reader")
        headers = {"Authorization": f"Bearer {raw}"}
    else:
        client.force_login(hosted.w.b_owner)
    before = snapshot_merchant(hosted)

    wrong = _host_answers(client, hosted, names, headers=headers)

    assert not wrong, "the host tenant's answers differ from HOST_ACCESS:\n" + "\n".join(wrong)
    assert snapshot_merchant(hosted) == before, "the host tenant changed the merchant's program"


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_every_reading_role_of_the_host_gets_the_same_answers(client, hosted, role):
    member = membership_add(
        workspace=hosted.w.b, user=UserFactory(email=f"{role}2@bravo.example"), role=role
    )
    client.force_login(member.user)
    names = sorted(n for n in _miniprogram_routes() if not routes()[n].is_api)
    before = snapshot_merchant(hosted)
    assert not _host_answers(client, hosted, names, headers={})
    assert snapshot_merchant(hosted) == before


def test_the_hosts_developer_and_every_other_workspace_get_404(client, hosted):
    """B's Developer (its role sees no mini program but its assigned ones) and A's Owner, under
    A's, B's and the merchant's slugs: 404 for every method of every mini program pattern (the
    hosted detail endpoint answers B's Developer 403 for its role, whatever the App ID:
    test_hosted_api.py)."""
    names = sorted(set(_miniprogram_routes()) - {"miniprograms-api:hosted-miniprogram-detail"})
    table = routes()
    before = snapshot_merchant(hosted)
    leaks = []
    developer = Membership.objects.get(workspace=hosted.w.b, role="developer").user
    for user, slugs in (
        (developer, [hosted.w.b.slug]),
        (hosted.w.outsider, [hosted.w.a.slug, hosted.w.b.slug, hosted.merchant.slug]),
    ):
        client.force_login(user)
        for name in names:
            route = table[name]
            kwargs = REGISTRY[name](hosted.w)
            for slug in slugs:
                url = reverse(name, kwargs={**kwargs, "workspace_slug": slug})
                for method in route.methods:
                    response = _request(
                        client, method, url, _payload(hosted.w), is_api=route.is_api, headers={}
                    )
                    body = _body(response)
                    if response.status_code != 404 or hosted.coffee.name.encode() in body:
                        leaks.append(
                            f"{user.email} {method.upper()} {url} -> {response.status_code}"
                        )
    assert not leaks, "\n".join(leaks)
    assert snapshot_merchant(hosted) == before


def test_the_host_list_shows_the_merchants_program_to_b_only(client, hosted):
    b_list = reverse("miniprograms:hosted", args=[hosted.w.b.slug])
    api_list = reverse("miniprograms-api:hosted-miniprogram-list", args=[hosted.w.b.slug])
    client.force_login(hosted.w.b_owner)
    assert hosted.coffee.app_id in client.get(b_list).content.decode()
    assert hosted.coffee.app_id in client.get(api_list).content.decode()
    client.force_login(hosted.w.outsider)
    assert client.get(b_list).status_code == 404
    assert client.get(api_list).status_code == 404
    for url in (
        reverse("miniprograms:hosted", args=[hosted.w.a.slug]),
        reverse("miniprograms-api:hosted-miniprogram-list", args=[hosted.w.a.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert hosted.coffee.app_id not in response.content.decode()
