"""The mini programs API under /api/v1/: the console's services, capability checks and words.

The role matrix calls every endpoint as owner, admin, reviewer, an assigned developer, a
developer not assigned to the mini program, a member of another workspace and an anonymous
client, and asserts the status *and* whether the row changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from miniprograms import api_urls, validators
from miniprograms.models import (
    AppIdAllocation,
    Industry,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
    MiniProgramTester,
    MiniProgramUserObjectPermission,
)
from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.services.profile import miniprogram_profile_release
from miniprograms.tests.factories import create_miniprogram, logo_upload
from releases.tests.factories import team
from workspaces.authz import Cap
from workspaces.models import AuditEvent, User, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.tests.images import image_upload
from workspaces.tests.routes import openapi_schema, routed_methods

pytestmark = pytest.mark.django_db

WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
MANAGERS = frozenset({"owner", "admin"})
DEVELOPERS = MANAGERS | {"developer"}  # the developer is assigned to the mini program
VIEWERS = DEVELOPERS | {"reviewer"}
MEMBERS = VIEWERS | {"unassigned"}

JA = {
    "language": "ja",
    "name": "コーヒーコーナー",
    "tagline": "並ばずに先に注文しよう",
    "description": "コーヒーとペストリーを先に注文して、待たずに受け取れるミニプログラムです。",
}
NAME_TOO_LONG = (
    "The name is 32 units long; it must be 3–30 units (a Chinese, Japanese or Korean "
    "character counts as 2, any other character as 1)."
)


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error_of(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["request_id"]
    return body["error"]


def messages_of(validator, value) -> list[str]:
    """What the shared validator (and so the console's form) says about ``value``."""
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.messages


def stored_files() -> set[str]:
    """Every file in the test's storage (a fresh directory per test, see conftest)."""
    found = set()
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found |= {os.path.relpath(os.path.join(root, f), settings.MEDIA_ROOT) for f in files}
    return found


def profile_form(**overrides) -> dict[str, Any]:
    """A valid multipart create body (with a real PNG logo); override any field."""
    data = {
        "name": "Tea House",
        "tagline": "Loose-leaf tea, brewed right",
        "description": "Order loose-leaf tea and teaware from our shop around the corner.",
        "industry": "coffee-tea",
        "service_phone": "0571-26888888",
        "service_email": "help@tea.example",
        "logo": logo_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def world():
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant)
    owner = people["owner"]
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    go, _ = host_app_create(actor=owner, name="Acme Go", platforms={"ios": "a.go"})
    mp = create_miniprogram(owner, host_app_ids=[wallet.pk], languages=[JA])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    [tester] = miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["alice"]).added

    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(
        workspace=other, role="owner", user=UserFactory(email="out@globex.test")
    )
    other_mp = create_miniprogram(outsider, name="Globex Pay")
    [other_tester] = miniprogram_testers_add(
        actor=outsider, miniprogram=other_mp, accounts=["gus"]
    ).added
    return SimpleNamespace(
        tenant=tenant,
        people=people,
        owner=owner,
        wallet=wallet,
        go=go,
        mp=mp,
        tester=tester,
        other=other,
        outsider=outsider,
        other_mp=other_mp,
        other_tester=other_tester,
    )


def client_for(world, who: str) -> APIClient:
    if who == "anonymous":
        return api()
    if who == "outsider":
        return api(world.outsider.user)
    return api(world.people[who].user)


def mp_url(world, suffix: str = "", *, mp=None) -> str:
    app_id = (mp or world.mp).app_id
    return f"/api/v1/workspaces/{world.tenant.slug}/miniprograms/{app_id}{suffix}"


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
    format: str = "json"
    # Not about one mini program: a developer who is not assigned is refused (403), not 404.
    workspace_level: bool = False
    # Not about a workspace at all: any signed-in person (the outsider too).
    any_user: bool = False
    # The capability a refusal (403) names.
    cap: Cap | None = None

    def __str__(self) -> str:
        return self.name


def _assigned(w) -> list[int]:
    return sorted(
        MiniProgramUserObjectPermission.objects.filter(content_object=w.mp).values_list(
            "user_id", flat=True
        )
    )


def _hosted(w) -> MiniProgram:
    """A merchant's mini program targeting Acme Wallet (made on first use, for the hosted
    endpoints' cases only: the other tests' world stays as it is)."""
    if not hasattr(w, "hosted"):
        merchant = WorkspaceFactory(name="Blue", slug="blue", kind="developer", tenant=w.tenant)
        merchant_owner = MembershipFactory(workspace=merchant, role="owner")
        w.hosted = create_miniprogram(merchant_owner, name="Blue Order", host_app_ids=[w.wallet.pk])
    return w.hosted


# Who reads the tenant's mini programs from developers: the roles that see mini programs.
HOST_READERS = VIEWERS - {"developer"}

CASES = [
    Case(
        "industry list",
        "get",
        lambda w: "/api/v1/industries",
        frozenset(WHO) - {"anonymous"},
        any_user=True,
    ),
    Case(
        "mini program list",
        "get",
        lambda w: "/api/v1/workspaces/acme/miniprograms",
        MEMBERS,
        workspace_level=True,
    ),
    Case(
        "mini program create",
        "post",
        lambda w: "/api/v1/workspaces/acme/miniprograms",
        MANAGERS,
        status=201,
        body=lambda w: profile_form(),
        state=lambda w: MiniProgram.objects.filter(workspace=w.tenant).count(),
        format="multipart",
        workspace_level=True,
        cap=Cap.ADD_MINIPROGRAM,
    ),
    Case("mini program detail", "get", mp_url, VIEWERS),
    Case(
        "mini program edit",
        "patch",
        mp_url,
        DEVELOPERS,
        body=lambda w: {"tagline": "A brand new tagline here"},
        state=lambda w: MiniProgram.objects.get(pk=w.mp.pk).tagline,
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "mini program delete",
        "delete",
        mp_url,
        MANAGERS,
        status=204,
        body=lambda w: {"confirm_name": "Coffee Corner"},
        state=lambda w: MiniProgram.objects.filter(pk=w.mp.pk).exists(),
        cap=Cap.DELETE_MINIPROGRAM,
    ),
    Case(
        "shelf",
        "post",
        lambda w: mp_url(w, "/shelf"),
        MANAGERS,
        body=lambda w: {"on_shelf": False, "reason": "Quarterly audit"},
        state=lambda w: MiniProgram.objects.get(pk=w.mp.pk).shelf_status,
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    Case(
        "take offline from a host app",
        "post",
        lambda w: mp_url(w, f"/host-apps/{w.wallet.pk}/offline"),
        MANAGERS,
        body=lambda w: {"reason": "Not for this app"},
        state=lambda w: MiniProgramHostApp.objects.get(miniprogram=w.mp).status,
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    Case("developer list", "get", lambda w: mp_url(w, "/developers"), VIEWERS),
    Case(
        "developer assign",
        "post",
        lambda w: mp_url(w, "/developers"),
        MANAGERS,
        status=201,
        body=lambda w: {"user_id": w.people["unassigned"].user_id},
        state=_assigned,
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    Case(
        "developer unassign",
        "delete",
        lambda w: mp_url(w, f"/developers/{w.people['developer'].user_id}"),
        MANAGERS,
        status=204,
        state=_assigned,
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    Case("tester list", "get", lambda w: mp_url(w, "/testers"), VIEWERS),
    Case(
        "tester add",
        "post",
        lambda w: mp_url(w, "/testers"),
        DEVELOPERS,
        status=201,
        body=lambda w: {"accounts": ["bob"], "note": "QA"},
        state=lambda w: sorted(w.mp.testers.values_list("account", flat=True)),
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "tester remove",
        "delete",
        lambda w: mp_url(w, f"/testers/{w.tester.pk}"),
        DEVELOPERS,
        status=204,
        state=lambda w: MiniProgramTester.objects.filter(pk=w.tester.pk).exists(),
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "hosted mini program list",
        "get",
        lambda w: "/api/v1/workspaces/acme/hosted-miniprograms",
        HOST_READERS,
        workspace_level=True,
        cap=Cap.VIEW_MINIPROGRAM,
    ),
    Case(
        "hosted mini program detail",
        "get",
        lambda w: f"/api/v1/workspaces/acme/hosted-miniprograms/{_hosted(w).app_id}",
        HOST_READERS,
        workspace_level=True,
        cap=Cap.VIEW_MINIPROGRAM,
    ),
]


def _expected(case: Case, who: str) -> int:
    if who == "anonymous":
        return 401
    if case.any_user:
        return case.status
    if who == "outsider":
        return 404
    if who == "unassigned" and not case.workspace_level:
        return 404  # a developer never learns about mini programs they are not assigned to
    return case.status if who in case.allowed else 403


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(world, case, who, django_capture_on_commit_callbacks):
    before = case.state(world) if case.state else None
    body = case.body(world) if case.body else None

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client_for(world, who), case.method)(
            case.path(world), body, format=case.format
        )

    expected = _expected(case, who)
    assert response.status_code == expected, response.content
    if expected >= 400:
        error = error_of(response)
        assert (
            error["code"]
            == {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[expected]
        )
        if expected == 403:
            # The denial names who could do it.
            assert "Owner" in error["message"] and "Workspace Admin" in error["message"]
            assert case.cap is not None and case.cap.value in error["message"]
    if case.state is not None:
        after = case.state(world)
        if expected < 300:
            assert after != before, "an allowed call must have its effect"
        else:
            assert after == before, "a refused call must change nothing"


def test_the_matrix_covers_every_endpoint_and_method(world):
    """Generated from the URL configuration: a new route or method must join CASES."""
    covered = {(resolve(case.path(world)).url_name, case.method) for case in CASES}
    # The Development tab's features (issue 12) each have their own role matrix in their tests
    # (test_domains*.py, test_jsapis*.py, test_secrets*.py, test_envvars*.py,
    # test_subscriptions*.py).
    from miniprograms.domains import api_urls as domains
    from miniprograms.envvars import api_urls as envvars
    from miniprograms.jsapis import api_urls as jsapis
    from miniprograms.secrets import api_urls as secrets
    from miniprograms.subscriptions import api_urls as subscriptions

    features = set().union(
        *(routed_methods(m.urlpatterns) for m in (domains, envvars, jsapis, secrets, subscriptions))
    )
    assert routed_methods(api_urls.urlpatterns) - features - covered == set()


def test_a_reviewer_refused_an_edit_is_told_about_assigned_developers(world):
    response = api(world.people["reviewer"].user).patch(
        mp_url(world), {"name": "Hijacked"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "This needs the capability miniprograms.develop_miniprogram, held by: Owner or "
        "Workspace Admin, or a Developer assigned to this mini program."
    )


@pytest.mark.parametrize("pattern", api_urls.urlpatterns, ids=lambda p: p.name)
def test_options_describes_every_endpoint_without_error(world, pattern):
    kwargs = {
        "workspace_slug": "acme",
        "app_id": world.mp.app_id,
        "host_app_id": world.wallet.pk,
        "user_id": world.people["developer"].user_id,
        "tester_id": world.tester.pk,
        "grant_id": 1,  # server domains: the tenant's edit grants and approved skips
        "skip_id": 1,
        "environment": "production",  # environment variables: one release environment
        "jsapi_id": 1,  # JSAPIs: the tenant's catalogue, features and access granted
        "feature_id": 1,
        "application_id": 1,
        "public_template_id": 1,  # message templates: the library and My Templates
        "template_id": "unknown",
        "message_id": "00000000-0000-4000-8000-000000000000",  # a delivery log's message
    }
    wanted = {k: v for k, v in kwargs.items() if f":{k}>" in str(pattern.pattern)}
    url = reverse(f"miniprograms-api:{pattern.name}", kwargs=wanted)

    response = api(world.owner.user).options(url)

    assert response.status_code == 200, response.content


# Object endpoints called by the owner of "acme" with an App ID (or tester) from "globex".
FOREIGN = [
    ("get", "{other}", None),
    ("patch", "{other}", {"name": "Stolen"}),
    ("delete", "{other}", {"confirm_name": "Globex Pay"}),
    ("post", "{other}/shelf", {"on_shelf": False, "reason": "x"}),
    ("post", "{other}/host-apps/{wallet}/offline", {}),
    ("get", "{other}/developers", None),
    ("post", "{other}/developers", {"user_id": 1}),
    ("delete", "{other}/developers/{outsider}", None),
    ("get", "{other}/testers", None),
    ("post", "{other}/testers", {"accounts": ["mallory"]}),
    ("delete", "{other}/testers/{other_tester}", None),
    ("delete", "{mine}/testers/{other_tester}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN)
def test_an_object_of_another_workspace_is_a_404_and_changes_nothing(world, method, template, body):
    def snapshot():
        return (
            list(MiniProgram.objects.filter(workspace=world.other).values()),
            list(MiniProgramTester.objects.filter(miniprogram=world.other_mp).values()),
            list(MiniProgramUserObjectPermission.objects.values()),
        )

    before = snapshot()
    path = template.format(
        other=world.other_mp.app_id,
        mine=world.mp.app_id,
        wallet=world.wallet.pk,
        outsider=world.outsider.user_id,
        other_tester=world.other_tester.pk,
    )

    response = getattr(api(world.owner.user), method)(
        f"/api/v1/workspaces/acme/miniprograms/{path}", body, format="json"
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert "Globex" not in response.content.decode()
    assert snapshot() == before


def test_a_real_bearer_token_sees_what_its_developer_may(world):
    _, raw = token_create(user=world.people["developer"].user, name="CI")
    other = create_miniprogram(world.owner, name="Not Yours")
    client = APIClient()
    headers = {"Authorization": f"Bearer {raw}"}

    listing = client.get("/api/v1/workspaces/acme/miniprograms", headers=headers)
    assert listing.status_code == 200
    assert [m["app_id"] for m in listing.json()["results"]] == [world.mp.app_id]
    assert client.get(mp_url(world, mp=other), headers=headers).status_code == 404

    edited = client.patch(
        mp_url(world), {"tagline": "Edited from the command line"}, format="json", headers=headers
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["tagline"] == "Edited from the command line"
    shelf = client.post(
        mp_url(world, "/shelf"), {"on_shelf": False, "reason": "x"}, format="json", headers=headers
    )
    assert shelf.status_code == 403
    assert client.get("/api/v1/workspaces/acme/miniprograms").status_code == 401


# --- industries --------------------------------------------------------------------------------


def test_industries_are_the_taxonomy_leaves_with_their_group(world):
    response = api(world.outsider.user).get("/api/v1/industries", {"search": "coffee"})

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "code": "coffee-tea",
            "name": "Coffee & tea",
            "group_code": "food-beverage",
            "group_name": "Food & Beverage",
        }
    ]
    by_group = api(world.outsider.user).get("/api/v1/industries", {"search": "Food & Bev"})
    codes = {i["code"] for i in by_group.json()["results"]}
    assert {"restaurants", "coffee-tea", "grocery"} <= codes
    assert "food-beverage" not in codes  # groups are not chosen
    everything = api(world.outsider.user).get("/api/v1/industries", {"page_size": 200})
    assert everything.json()["count"] == Industry.objects.filter(parent__isnull=False).count()


# --- create ------------------------------------------------------------------------------------


def test_create_by_multipart_with_a_real_logo(world):
    files_before = stored_files()
    client = api(world.people["admin"].user)

    response = client.post(
        "/api/v1/workspaces/acme/miniprograms",
        profile_form(
            default_language="zh-hans",
            host_apps=[world.wallet.pk, world.go.pk],
            languages='[{"language": "en", "name": "Tea House EN", '
            '"tagline": "Loose-leaf tea, brewed right", '
            '"description": "Order loose-leaf tea and teaware from our shop."}]',
        ),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    mp = MiniProgram.objects.get(app_id=body["app_id"])
    assert len(body["app_id"]) == 16 and body["app_id"].isdigit()
    assert (body["kind"], body["shelf_status"], body["default_language"]) == (
        "tenant",
        "on_shelf",
        "zh-Hans",
    )
    assert (body["name"], body["industry"], body["industry_name"]) == (
        "Tea House",
        "coffee-tea",
        "Food & Beverage › Coffee & tea",
    )
    assert body["languages"] == [
        {
            "language": "en",
            "label": "English",
            "name": "Tea House EN",
            "tagline": "Loose-leaf tea, brewed right",
            "description": "Order loose-leaf tea and teaware from our shop.",
        }
    ]
    assert [(h["name"], h["status"]) for h in body["host_apps"]] == [
        ("Acme Go", "active"),
        ("Acme Wallet", "active"),
    ]
    assert body["released_profile"] is None
    assert set(body["pending_fields"]) == {
        "name",
        "tagline",
        "description",
        "logo",
        "industry",
        "service_phone",
        "service_email",
        "languages",
    }
    assert body["created_by"] == {"name": "Admin", "email": "admin@acme.test"}
    kwargs = {"workspace_slug": "acme", "app_id": mp.app_id}
    assert body["logo_url"] == "http://testserver" + reverse("miniprograms:logo", kwargs=kwargs)
    assert body["console_url"] == "http://testserver" + reverse(
        "miniprograms:detail", kwargs=kwargs
    )
    assert stored_files() - files_before == {mp.logo.name}
    event = AuditEvent.objects.get(verb="miniprogram.create", target_id=str(mp.pk))
    assert event.actor_label == "admin@acme.test"
    assert event.after["app_id"] == mp.app_id
    assert event.after["host_apps"] == ["Acme Go", "Acme Wallet"]


def test_create_in_a_developer_workspace_makes_a_merchant_mini_program(world):
    merchant = WorkspaceFactory(slug="bolt", kind=Workspace.Kind.DEVELOPER, tenant=world.tenant)
    owner = MembershipFactory(workspace=merchant, role="owner")

    response = api(owner.user).post(
        "/api/v1/workspaces/bolt/miniprograms",
        profile_form(host_apps=[world.go.pk]),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "merchant"
    assert [h["name"] for h in response.json()["host_apps"]] == ["Acme Go"]


def test_create_as_json_takes_a_languages_list_but_needs_the_logo(world):
    data = profile_form(languages=[JA], logo=None)

    response = api(world.owner.user).post(
        "/api/v1/workspaces/acme/miniprograms", data, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"logo": ["Upload a logo."]}
    assert MiniProgram.objects.filter(workspace=world.tenant).count() == 1


def test_an_empty_create_reports_every_required_field_at_once(world):
    response = api(world.owner.user).post(
        "/api/v1/workspaces/acme/miniprograms", {}, format="multipart"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid" and error["message"] == "Some fields are invalid."
    assert error["fields"] == {
        "name": ["Enter a name."],
        "tagline": ["Enter a tagline."],
        "description": ["Enter a description."],
        "industry": ["Choose an industry from the list."],
        "service_phone": ["Enter a customer-service phone number."],
        "service_email": ["Enter a customer-service email address."],
        "logo": ["Upload a logo."],
    }


def _gif_named_png():
    upload = image_upload(size=(128, 128), fmt="GIF", name="logo.png")
    upload.content_type = "image/png"
    return upload


# (field, bad value, the message in the console's words). Values that are callables build a
# fresh upload; messages that are callables ask the shared validator itself.
BAD_INPUT = [
    ("name", "A" * 32, NAME_TOO_LONG),
    ("name", "咖" * 16, NAME_TOO_LONG),
    ("name", "ab", lambda: messages_of(validators.validate_name, "ab")[0]),
    (
        "name",
        "coffee corner",
        "A mini program named “coffee corner” already exists in this workspace.",
    ),
    ("tagline", "Too short", "The tagline is 9 characters long; it must be 10–30 characters."),
    ("tagline", "x" * 31, "The tagline is 31 characters long; it must be 10–30 characters."),
    (
        "description",
        "Nineteen characters",
        "The description is 19 characters long; it must be 20–200 characters.",
    ),
    ("description", "d" * 201, lambda: messages_of(validators.validate_description, "d" * 201)[0]),
    ("industry", "nope", "“nope” is not an industry of the list: choose one."),
    ("industry", "food-beverage", "“food-beverage” is not an industry of the list: choose one."),
    (
        "service_phone",
        "26888888",
        lambda: messages_of(validators.validate_service_phone, "26888888")[0],
    ),
    (
        "service_email",
        "help-at-tea",
        "“help-at-tea” is not a valid email address.",
    ),
    (
        "logo",
        lambda: logo_upload(size=(256, 200)),
        "The logo must be square (1:1); this one is 256×200.",
    ),
    (
        "logo",
        _gif_named_png,
        lambda: messages_of(validators.validate_logo, _gif_named_png())[0],
    ),
    (
        "logo",
        lambda: image_upload(size=(128, 128), fmt="GIF", name="logo.gif"),
        "The logo must be a .jpg, .jpeg or .png file; “logo.gif” is not.",
    ),
    (
        "logo",
        lambda: logo_upload(size=(300, 300), noise=True),
        lambda: messages_of(validators.validate_logo, logo_upload(size=(300, 300), noise=True))[0],
    ),
    (
        "languages",
        '[{"language": "xx", "name": "Nom", "tagline": "Une ligne de texte", '
        '"description": "Une description assez longue pour passer."}]',
        "“xx” is not a supported language.",
    ),
    (
        "languages",
        '[{"language": "ja", "name": "' + "コ" * 16 + '", "tagline": "並ばずに先に注文しよう", '
        '"description": "コーヒーとペストリーを先に注文して、待たずに受け取れます。"}]',
        "Japanese: " + NAME_TOO_LONG,
    ),
    (
        "languages",
        "not json",
        'Send a list of {"language", "name", "tagline", "description"} objects (in '
        "multipart/form-data: that list as a JSON string).",
    ),
    ("host_apps", 999999, "These host apps are not available to this workspace: 999999."),
    ("default_language", "klingon", "“klingon” is not a supported language."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    BAD_INPUT,
    ids=[f"{field}-{n}" for n, (field, _value, _message) in enumerate(BAD_INPUT)],
)
def test_each_create_rule_is_reported_on_its_field_in_the_consoles_words(
    world, field, value, message
):
    files_before = stored_files()
    rows_before = MiniProgram.objects.count()
    value = value() if callable(value) else value
    message = message() if callable(message) else message

    response = api(world.owner.user).post(
        "/api/v1/workspaces/acme/miniprograms", profile_form(**{field: value}), format="multipart"
    )

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["fields"] == {field: [message]}
    # A refused create leaves nothing behind: no row, no App ID, no logo file.
    assert MiniProgram.objects.count() == rows_before
    assert AppIdAllocation.objects.count() == rows_before
    assert stored_files() == files_before


# --- detail and the staged edit -----------------------------------------------------------------


def test_detail_shows_the_draft_the_released_profile_and_languages(world):
    response = api(world.people["reviewer"].user).get(mp_url(world))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "app_id",
        "kind",
        "shelf_status",
        "shelf_reason",
        "shelf_changed_at",
        "default_language",
        "name",
        "tagline",
        "description",
        "industry",
        "industry_name",
        "service_phone",
        "service_email",
        "languages",
        "logo_url",
        "released_profile",
        "pending_fields",
        "host_apps",
        "console_url",
        "created_at",
        "created_by",
    }
    assert body["app_id"] == world.mp.app_id and body["name"] == "Coffee Corner"
    assert [lang["language"] for lang in body["languages"]] == ["ja"]
    assert body["host_apps"] == [
        {
            "id": world.wallet.pk,
            "name": "Acme Wallet",
            "status": "active",
            "offline_reason": "",
            "status_changed_at": body["host_apps"][0]["status_changed_at"],
        }
    ]
    assert body["released_profile"] is None


def test_a_staged_edit_leaves_the_released_profile_and_lists_pending_fields(world):
    miniprogram_profile_release(miniprogram_id=world.mp.pk)
    client = api(world.people["developer"].user)
    released = client.get(mp_url(world)).json()["released_profile"]
    assert released["name"] == "Coffee Corner" and released["released_at"]
    assert client.get(mp_url(world)).json()["pending_fields"] == []

    response = client.patch(
        mp_url(world), {"name": "Coffee Corner Plus", "service_phone": "010-12345678"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Coffee Corner Plus" and body["service_phone"] == "010-12345678"
    assert body["tagline"] == "Order ahead, skip the line"  # not sent: kept
    assert [lang["language"] for lang in body["languages"]] == ["ja"]  # not sent: kept
    assert body["released_profile"] == released
    assert body["pending_fields"] == ["name", "service_phone"]
    mp = MiniProgram.objects.get(pk=world.mp.pk)
    assert mp.released_profile["name"] == "Coffee Corner"
    event = AuditEvent.objects.get(verb="miniprogram.update_profile")
    assert event.actor_label == "developer@acme.test"
    assert event.before == {"name": "Coffee Corner", "service_phone": "0571-26888888"}
    assert event.after == {
        "name": "Coffee Corner Plus",
        "service_phone": "010-12345678",
        "staged": True,
    }


def test_a_new_logo_is_staged_and_the_released_one_stays_served(world):
    miniprogram_profile_release(miniprogram_id=world.mp.pk)
    released_logo = MiniProgram.objects.get(pk=world.mp.pk).logo.name

    response = api(world.owner.user).patch(
        mp_url(world),
        {"logo": logo_upload(size=(128, 128), name="new.jpg", fmt="JPEG")},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pending_fields"] == ["logo"]
    assert body["released_profile"]["logo_url"].endswith("?released=1")
    mp = MiniProgram.objects.get(pk=world.mp.pk)
    assert mp.logo.name != released_logo and mp.logo.name.endswith(".jpg")
    assert {released_logo, mp.logo.name} <= stored_files()


def test_languages_are_replaced_as_a_set_when_sent(world):
    client = api(world.owner.user)
    response = client.patch(mp_url(world), {"languages": []}, format="json")
    assert response.status_code == 200
    assert response.json()["languages"] == []
    assert not MiniProgramLanguage.objects.filter(miniprogram=world.mp).exists()


def test_an_invalid_edit_is_a_400_and_changes_nothing(world):
    before = list(MiniProgram.objects.filter(pk=world.mp.pk).values())

    response = api(world.owner.user).patch(
        mp_url(world), {"name": "A" * 32, "tagline": "short"}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "name": [NAME_TOO_LONG],
        "tagline": ["The tagline is 5 characters long; it must be 10–30 characters."],
    }
    assert list(MiniProgram.objects.filter(pk=world.mp.pk).values()) == before


def test_release_to_host_apps_by_patch(world):
    client = api(world.people["developer"].user)

    added = client.patch(mp_url(world), {"host_apps": [world.wallet.pk, world.go.pk]})

    assert added.status_code == 200, added.content
    assert [(h["name"], h["status"]) for h in added.json()["host_apps"]] == [
        ("Acme Go", "active"),
        ("Acme Wallet", "active"),
    ]
    assert AuditEvent.objects.filter(verb="miniprogram.host_app_add").count() == 1

    # Leaving one out takes it offline there: an Owner's or Admin's call, not a developer's.
    dropped = client.patch(mp_url(world), {"host_apps": [world.go.pk]}, format="json")
    assert dropped.status_code == 400
    assert error_of(dropped)["fields"] == {
        "host_apps": [
            "Taking a mini program offline from a host app (Acme Wallet) needs a Workspace "
            "Admin or the Owner."
        ]
    }
    assert MiniProgramHostApp.objects.filter(miniprogram=world.mp, status="active").count() == 2


def test_host_apps_and_profile_change_together_or_not_at_all(world):
    response = api(world.owner.user).patch(
        mp_url(world), {"host_apps": [world.wallet.pk, world.go.pk], "name": "ab"}, format="json"
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["name"]
    assert MiniProgramHostApp.objects.filter(miniprogram=world.mp).count() == 1
    assert not AuditEvent.objects.filter(verb="miniprogram.host_app_add").exists()


# --- list: filters, search, pagination, query count ---------------------------------------------


def test_list_filters_and_search(world):
    owner = world.owner
    bakery = create_miniprogram(
        owner,
        name="Bakery Bliss",
        host_app_ids=[world.go.pk],
        languages=[
            {
                "language": "zh-Hans",
                "name": "幸福面包房",
                "tagline": "新鲜出炉的面包每天都有的",
                "description": "每天早上新鲜出炉的面包和甜点，提前下单到店自取即可。",
            }
        ],
    )
    miniprogram_set_shelf(actor=owner, miniprogram=bakery, on_shelf=False, reason="Renovation")
    client = api(world.people["reviewer"].user)
    url = "/api/v1/workspaces/acme/miniprograms"

    def app_ids(**query) -> list[str]:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [m["app_id"] for m in response.json()["results"]]

    assert app_ids() == [bakery.app_id, world.mp.app_id]  # newest first
    assert app_ids(search=bakery.app_id[:10]) == [bakery.app_id]
    assert app_ids(search=world.mp.app_id) == [world.mp.app_id]
    assert app_ids(search="面包") == [bakery.app_id]  # a name in another language
    assert app_ids(search="コーヒー") == [world.mp.app_id]
    assert app_ids(search="corner") == [world.mp.app_id]
    assert app_ids(shelf="off_shelf") == [bakery.app_id]
    # The filter follows the status badge: never released is "not released", not "on shelf".
    assert app_ids(shelf="not_released") == [world.mp.app_id]
    assert app_ids(shelf="on_shelf") == []
    MiniProgram.objects.filter(pk=world.mp.pk).update(released_at=timezone.now())  # a release
    assert app_ids(shelf="on_shelf") == [world.mp.app_id]
    assert app_ids(shelf="not_released") == []
    assert app_ids(host_app=world.go.pk) == [bakery.app_id]
    assert app_ids(assigned_to=world.people["developer"].user_id) == [world.mp.app_id]
    assert app_ids(assigned_to=world.people["unassigned"].user_id) == []

    bad = client.get(url, {"shelf": "sideways", "host_app": "x"})
    assert bad.status_code == 400
    assert set(error_of(bad)["fields"]) == {"shelf", "host_app"}

    item = client.get(url, {"shelf": "off_shelf"}).json()["results"][0]
    assert (item["shelf_status"], item["shelf_reason"]) == ("off_shelf", "Renovation")
    assert item["industry_name"] == "Food & Beverage › Coffee & tea"


def test_a_developer_lists_only_the_mini_programs_assigned_to_them(world):
    create_miniprogram(world.owner, name="Not Assigned")
    url = "/api/v1/workspaces/acme/miniprograms"
    assigned = api(world.people["developer"].user).get(url).json()
    assert [m["app_id"] for m in assigned["results"]] == [world.mp.app_id]
    assert api(world.people["unassigned"].user).get(url).json()["count"] == 0
    assert api(world.people["reviewer"].user).get(url).json()["count"] == 2


def _add_miniprograms(workspace, host_app, start: int, n: int) -> None:
    """Rows straight into the table (the service would decode n logos for nothing)."""
    industry = Industry.objects.get(code="coffee-tea")
    rows = MiniProgram.objects.bulk_create(
        [
            MiniProgram(
                workspace=workspace,
                app_id=f"2099{i:012d}",
                kind=MiniProgram.Kind.TENANT,
                name=f"Bulk {i}",
                tagline="A tagline of a bulk row",
                description="A description of a bulk row, long enough.",
                logo="miniprogram-logos/bulk.png",
                industry=industry,
                service_phone="0571-26888888",
                service_email="bulk@acme.test",
            )
            for i in range(start, start + n)
        ]
    )
    MiniProgramHostApp.objects.bulk_create(
        [MiniProgramHostApp(miniprogram=mp, host_app=host_app) for mp in rows]
    )


def test_pagination_is_newest_first_and_stable(world):
    _add_miniprograms(world.tenant, world.wallet, 0, 4)
    client = api(world.owner.user)
    url = "/api/v1/workspaces/acme/miniprograms"

    first = client.get(url, {"page_size": 2}).json()
    second = client.get(url, {"page_size": 2, "page": 2}).json()
    third = client.get(url, {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5 and first["next"] and first["previous"] is None
    seen = [m["app_id"] for page in (first, second, third) for m in page["results"]]
    assert len(seen) == len(set(seen)) == 5
    assert seen == [
        m.app_id
        for m in MiniProgram.objects.filter(workspace=world.tenant).order_by("-created_at", "-id")
    ]
    assert third["next"] is None
    assert client.get(url, {"page": 9}).status_code == 404


@pytest.mark.parametrize("who", ["owner", "developer"])
def test_list_query_count_is_constant_as_rows_grow(world, who):
    client = api(world.people[who].user)
    url = "/api/v1/workspaces/acme/miniprograms"

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    small, rows = count_queries()
    assert rows == 1
    _add_miniprograms(world.tenant, world.wallet, 0, 49)
    if who == "developer":
        for mp in MiniProgram.objects.filter(app_id__startswith="2099"):
            miniprogram_developer_assign(
                actor=world.owner, miniprogram=mp, user_id=world.people["developer"].user_id
            )

    large, rows = count_queries()

    assert rows == 50
    # The membership, the count, the page, its host apps: whatever the number of rows.
    assert large == small <= 4, (small, large)


# --- shelf, offline, delete ---------------------------------------------------------------------


def test_shelf_off_needs_a_reason_then_on_again_with_audit(world):
    client = api(world.people["admin"].user)
    url = mp_url(world, "/shelf")

    missing = client.post(url, {"on_shelf": False}, format="json")
    assert missing.status_code == 400
    assert error_of(missing)["fields"] == {
        "reason": ["Give a reason for taking it off shelf: members see it."]
    }

    off = client.post(url, {"on_shelf": False, "reason": "Licence expired"}, format="json")
    assert off.status_code == 200, off.content
    assert (off.json()["shelf_status"], off.json()["shelf_reason"]) == (
        "off_shelf",
        "Licence expired",
    )
    on = client.post(url, {"on_shelf": True}, format="json")
    assert on.json()["shelf_status"] == "on_shelf"
    events = AuditEvent.objects.filter(verb__in=["miniprogram.off_shelf", "miniprogram.on_shelf"])
    assert [(e.verb, e.after["shelf_status"]) for e in events.order_by("created_at", "id")] == [
        ("miniprogram.off_shelf", "off_shelf"),
        ("miniprogram.on_shelf", "on_shelf"),
    ]
    no_flag = client.post(url, {"reason": "?"}, format="json")
    assert no_flag.status_code == 400 and list(error_of(no_flag)["fields"]) == ["on_shelf"]


def test_take_offline_from_one_host_app_then_release_there_again(world):
    client = api(world.owner.user)
    offline_url = mp_url(world, f"/host-apps/{world.wallet.pk}/offline")

    response = client.post(offline_url, {"reason": "Wrong market"}, format="json")

    assert response.status_code == 200, response.content
    assert [
        (h["name"], h["status"], h["offline_reason"]) for h in response.json()["host_apps"]
    ] == [("Acme Wallet", "offline", "Wrong market")]
    event = AuditEvent.objects.get(verb="miniprogram.host_app_offline")
    assert event.after == {"host_app": "Acme Wallet", "status": "offline", "reason": "Wrong market"}

    again = client.post(offline_url, {}, format="json")
    assert again.status_code == 400
    assert error_of(again)["message"] == "The mini program is already offline in Acme Wallet."

    not_released = client.post(mp_url(world, f"/host-apps/{world.go.pk}/offline"), {})
    assert not_released.status_code == 404
    assert error_of(not_released)["message"] == (
        "The mini program is not released to this host app."
    )

    back = client.patch(mp_url(world), {"host_apps": [world.wallet.pk]}, format="json")
    assert back.json()["host_apps"][0]["status"] == "active"
    assert AuditEvent.objects.filter(verb="miniprogram.host_app_online").count() == 1


def test_delete_needs_the_exact_name_then_removes_rows_and_files(
    world, django_capture_on_commit_callbacks
):
    client = api(world.people["admin"].user)
    logo = world.mp.logo.name
    assert logo in stored_files()

    wrong = client.delete(mp_url(world), {"confirm_name": "coffee corner"}, format="json")
    assert wrong.status_code == 400
    assert error_of(wrong)["fields"] == {
        "confirm_name": ["Type the name “Coffee Corner” exactly to confirm the deletion."]
    }
    missing = client.delete(mp_url(world))
    assert missing.status_code == 400 and "confirm_name" in error_of(missing)["fields"]
    assert MiniProgram.objects.filter(pk=world.mp.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(mp_url(world) + "?confirm_name=Coffee%20Corner")

    assert response.status_code == 204, response.content
    assert not MiniProgram.objects.filter(pk=world.mp.pk).exists()
    assert not MiniProgramTester.objects.filter(pk=world.tester.pk).exists()
    assert logo not in stored_files()
    assert AppIdAllocation.objects.filter(app_id=world.mp.app_id).exists()
    event = AuditEvent.objects.get(verb="miniprogram.delete")
    assert event.actor_label == "admin@acme.test"
    assert event.before["app_id"] == world.mp.app_id
    assert client.get(mp_url(world)).status_code == 404


# --- developers and testers ---------------------------------------------------------------------


def test_assign_and_unassign_a_developer(world):
    client = api(world.owner.user)
    unassigned = world.people["unassigned"]
    url = mp_url(world, "/developers")
    assert [d["email"] for d in client.get(url).json()["results"]] == ["developer@acme.test"]

    response = client.post(url, {"user_id": unassigned.user_id}, format="json")

    assert response.status_code == 201, response.content
    assert response.json() == {
        "user_id": unassigned.user_id,
        "membership_id": unassigned.pk,
        "name": "Unassigned",
        "email": "unassigned@acme.test",
        "status": "active",
    }
    assert api(unassigned.user).get(mp_url(world)).status_code == 200
    assert [d["email"] for d in client.get(url).json()["results"]] == [
        "developer@acme.test",
        "unassigned@acme.test",
    ]
    assert AuditEvent.objects.filter(verb="miniprogram.developer_assign").count() == 2

    removed = client.delete(f"{url}/{unassigned.user_id}")
    assert removed.status_code == 204
    assert api(unassigned.user).get(mp_url(world)).status_code == 404
    event = AuditEvent.objects.get(verb="miniprogram.developer_unassign")
    assert event.before["user"] == "unassigned@acme.test"
    again = client.delete(f"{url}/{unassigned.user_id}")
    assert again.status_code == 404
    assert error_of(again)["message"] == "This person is not assigned to the mini program."


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (
            "reviewer",
            "Only Developers are assigned to mini programs; reviewer@acme.test is Reviewer.",
        ),
        ("admin", "admin@acme.test is Workspace Admin: they work on every mini program already."),
        ("outsider", "This person is not a member of the workspace."),
    ],
)
def test_only_developers_of_the_workspace_can_be_assigned(world, who, message):
    user_id = (world.outsider if who == "outsider" else world.people[who]).user_id

    response = api(world.owner.user).post(
        mp_url(world, "/developers"), {"user_id": user_id}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"user_id": [message]}
    assert not MiniProgramUserObjectPermission.objects.filter(user_id=user_id).exists()


def test_add_testers_from_text_reports_those_already_listed(world):
    client = api(world.people["developer"].user)
    url = mp_url(world, "/testers")

    response = client.post(
        url,
        {"accounts_text": "\ufeffbob\n# QA team\n\ncarol\nalice\n", "note": "Sprint 4"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert [t["account"] for t in body["added"]] == ["bob", "carol"]
    assert body["added"][0]["note"] == "Sprint 4"
    assert body["added"][0]["added_by"] == {"name": "Developer", "email": "developer@acme.test"}
    assert body["already_listed"] == ["alice"]
    event = AuditEvent.objects.get(
        verb="miniprogram.testers_add", actor_label="developer@acme.test"
    )
    assert event.after["accounts"] == ["bob", "carol"]

    nothing_new = client.post(url, {"accounts": ["bob", "alice"]}, format="json")
    assert nothing_new.status_code == 200
    assert nothing_new.json() == {"added": [], "already_listed": ["alice", "bob"]}

    listing = client.get(url).json()
    assert [t["account"] for t in listing["results"]] == ["alice", "bob", "carol"]
    assert [t["account"] for t in client.get(url, {"search": "car"}).json()["results"]] == ["carol"]


def test_a_bad_tester_account_refuses_the_whole_batch(world):
    response = api(world.owner.user).post(
        mp_url(world, "/testers"), {"accounts": ["dave", "has space"]}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "accounts": ["Line 2: “has space” contains spaces; put one account per line."]
    }
    assert list(world.mp.testers.values_list("account", flat=True)) == ["alice"]
    empty = api(world.owner.user).post(mp_url(world, "/testers"), {}, format="json")
    assert error_of(empty)["fields"] == {"accounts": ["Add at least one account."]}


def test_remove_a_tester_only_of_this_mini_program(world):
    client = api(world.people["developer"].user)
    sibling = create_miniprogram(world.owner, name="Sibling Shop")
    [sibling_tester] = miniprogram_testers_add(
        actor=world.owner, miniprogram=sibling, accounts=["zed"]
    ).added

    wrong = client.delete(mp_url(world, f"/testers/{sibling_tester.pk}"))
    assert wrong.status_code == 404
    assert MiniProgramTester.objects.filter(pk=sibling_tester.pk).exists()

    response = client.delete(mp_url(world, f"/testers/{world.tester.pk}"))
    assert response.status_code == 204
    assert not MiniProgramTester.objects.filter(pk=world.tester.pk).exists()
    event = AuditEvent.objects.get(verb__endswith="tester_remove")
    assert event.before == {"account": "alice"}


# --- OpenAPI ----------------------------------------------------------------------------------


# … and analytics (analytics/tests): the figures, real-time pages, logs and alerts.
NOT_OURS = ("/versions", "/releases", "/targets/", "/grayscale", "/analytics", "/logs")
DEVELOPMENT = (
    "/app-secret",
    "/domains",
    "/environment-variables",
    "/jsapi-",
    "/public-templates",
    "/message-templates",
    "/messages",  # the subscription messages' delivery log (test_subscription_sending.py)
    "/message-stats",
)


def test_the_schema_documents_every_mini_program_endpoint(tmp_path, client):
    schema = openapi_schema(tmp_path, client)
    mine = {
        (method, url): op
        for url, ops in schema["paths"].items()
        # The versions, trial, releases and grayscale endpoints (releases/) live under the same
        # prefix: not ours; nor the development settings (each package documents its own).
        if (
            "/miniprograms" in url
            and not any(part in url for part in (*NOT_OURS, *DEVELOPMENT))
            and not url.endswith("/trial")
        )
        or url == "/api/v1/industries"
        for method, op in ops.items()
    }
    assert len(mine) == 14
    assert {tag for op in mine.values() for tag in op["tags"]} == {
        "mini programs",
        "mini program members",
        "industries",
    }
    assert all(op.get("summary") for op in mine.values())
    create = schema["paths"]["/api/v1/workspaces/{workspace_slug}/miniprograms"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert {"201", "400", "401", "403", "404"} <= set(create["responses"])
    detail = schema["paths"]["/api/v1/workspaces/{workspace_slug}/miniprograms/{app_id}"]
    app_id = next(p for p in detail["get"]["parameters"] if p["name"] == "app_id")
    assert app_id["schema"]["pattern"] == "^[1-9][0-9]{15}$"
