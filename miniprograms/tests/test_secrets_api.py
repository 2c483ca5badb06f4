"""The API of environment variables and of the AppSecret (issue 12): a role matrix over every
route and method, the secret only in the answers of generate and reset, the same refusals as
the console in the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from miniprograms.envvars import api_urls as envvars_api_urls
from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.secrets import api_urls as secrets_api_urls
from miniprograms.secrets.models import AppSecret
from miniprograms.secrets.services import appsecret_freeze, appsecret_generate
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from workspaces import keys
from workspaces.models import Membership
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.routes import routed_methods

pytestmark = pytest.mark.django_db

WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
MANAGERS = frozenset({"owner", "admin"})
DEVELOPERS = MANAGERS | {"developer"}
VIEWERS = DEVELOPERS | {"reviewer"}


@dataclass
class World:
    people: dict[str, Membership]
    mp: Any
    base: str


@pytest.fixture
def world(tenant, owner) -> World:
    mp = create_miniprogram(owner, name="Coffee Corner")
    people = {"owner": owner}
    for role in ("admin", "reviewer", "developer"):
        people[role] = MembershipFactory(workspace=tenant, role=role)
    people["unassigned"] = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    people["outsider"] = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    return World(
        people=people, mp=mp, base=f"/api/v1/workspaces/{tenant.slug}/miniprograms/{mp.app_id}"
    )


def client_for(world: World, who: str) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        client.force_authenticate(world.people[who].user)
    return client


def error_of(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["request_id"]
    return body["error"]


def secret_state(w: World) -> Any:
    return AppSecret.objects.filter(miniprogram=w.mp).values().first()


def env_state(w: World) -> Any:
    return list(EnvironmentVariable.objects.filter(miniprogram=w.mp).values("environment", "key"))


@dataclass
class Case:
    method: str
    suffix: str
    allowed: frozenset[str]
    body: dict | None = None
    state: Callable[[World], Any] | None = None
    setup: Callable[[World], None] | None = None
    ok: int = 200


def _with_secret(w: World) -> None:
    appsecret_generate(actor=w.people["owner"], miniprogram=w.mp)


def _frozen(w: World) -> None:
    _with_secret(w)
    appsecret_freeze(actor=w.people["owner"], miniprogram=w.mp)


CASES = [
    Case("get", "/environment-variables", frozenset(VIEWERS)),
    Case("get", "/environment-variables/production", frozenset(VIEWERS)),
    Case(
        "put",
        "/environment-variables/production",
        frozenset(DEVELOPERS),
        body={"variables": {"API_BASE_URL": "https://api.example.com"}},
        state=env_state,
    ),
    Case("get", "/app-secret", frozenset(VIEWERS)),
    Case("post", "/app-secret", MANAGERS, state=secret_state, ok=201),
    Case("patch", "/app-secret", MANAGERS, body={"access_token_ttl": 1200}, state=secret_state),
    Case("post", "/app-secret/reset", MANAGERS, state=secret_state, setup=_with_secret),
    Case("post", "/app-secret/freeze", MANAGERS, state=secret_state, setup=_with_secret),
    Case("post", "/app-secret/unfreeze", MANAGERS, state=secret_state, setup=_frozen),
]


def _expected(case: Case, who: str) -> int:
    if who == "anonymous":
        return 401
    if who in ("outsider", "unassigned"):
        return 404
    return case.ok if who in case.allowed else 403


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.suffix}")
def test_role_matrix(world, case, who):
    if case.setup:
        case.setup(world)
    before = case.state(world) if case.state else None
    client = client_for(world, who)
    response = getattr(client, case.method)(world.base + case.suffix, case.body, format="json")
    expected = _expected(case, who)
    assert response.status_code == expected, response.content
    if expected >= 400:
        error_of(response)
    if case.state is not None:
        after = case.state(world)
        assert (after != before) == (expected < 300)


def test_the_matrix_covers_every_route_and_method(world):
    covered = {(resolve(world.base + case.suffix).url_name, case.method) for case in CASES}
    routes = routed_methods(envvars_api_urls.urlpatterns + secrets_api_urls.urlpatterns)
    assert routes - covered == set()


# --- environment variables ----------------------------------------------------------------------


def test_put_replaces_the_set_and_get_reads_it_back(world):
    client = client_for(world, "developer")
    url = world.base + "/environment-variables/sandbox"
    response = client.put(url, {"variables": {"B": "2", "A": " 1 "}}, format="json")
    assert response.status_code == 200
    assert response.json() == {"environment": "sandbox", "variables": {"A": "1", "B": "2"}}
    every = client.get(world.base + "/environment-variables").json()
    assert every == {
        "development": {},
        "test": {},
        "sandbox": {"A": "1", "B": "2"},
        "production": {},
    }
    assert client.put(url, {"variables": {}}, format="json").json()["variables"] == {}


@pytest.mark.parametrize(
    ("variables", "needle"),
    [
        ({"lower": "x"}, "not a valid name"),
        ({"A": "a\nb"}, "control character"),
        ({f"K{n}": "v" for n in range(6)}, "At most 5"),
        ({"A": "x" * 1025}, "1024"),
    ],
)
def test_a_refused_set_is_a_400_naming_the_problem_and_stores_nothing(world, variables, needle):
    client = client_for(world, "owner")
    url = world.base + "/environment-variables/production"
    response = client.put(url, {"variables": variables}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert needle in repr(error)
    assert "variables" in error.get("fields", {})
    assert not EnvironmentVariable.objects.exists()


def test_an_unknown_environment_is_404(world):
    client = client_for(world, "owner")
    response = client.get(world.base + "/environment-variables/staging")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# --- the AppSecret ------------------------------------------------------------------------------


def test_the_secret_is_only_in_the_generate_and_reset_answers(world):
    client = client_for(world, "admin")
    assert client.get(world.base + "/app-secret").json()["state"] == "none"
    created = client.post(world.base + "/app-secret")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    secret = created.json()["secret"]
    assert keys.keyed_hash_matches(secret, AppSecret.objects.get().secret_hash)
    state = client.get(world.base + "/app-secret").json()
    assert "secret" not in state and state["state"] == "active"
    assert state["access_token_ttl"] == 600 and state["auth_code_ttl"] == 600
    assert secret not in repr(state)

    again = client.post(world.base + "/app-secret")
    assert again.status_code == 400 and "Reset it" in error_of(again)["message"]

    reset = client.post(world.base + "/app-secret/reset").json()
    assert reset["secret"] != secret
    assert not keys.keyed_hash_matches(secret, AppSecret.objects.get().secret_hash)

    frozen = client.post(world.base + "/app-secret/freeze").json()
    assert frozen["state"] == "frozen" and frozen["frozen_by"]["email"]
    assert "secret" not in frozen


def test_the_token_lifetime_is_checked_like_the_console(world):
    client = client_for(world, "owner")
    for bad in (59, 86400, "soon"):
        response = client.patch(
            world.base + "/app-secret", {"access_token_ttl": bad}, format="json"
        )
        assert response.status_code == 400
        assert "access_token_ttl" in error_of(response)["fields"]
    ok = client.patch(world.base + "/app-secret", {"access_token_ttl": 86399}, format="json")
    assert ok.json()["access_token_ttl"] == 86399


def test_a_real_bearer_token_of_a_reviewer_reads_but_cannot_reset(world):
    _token, raw = token_create(user=world.people["reviewer"].user, name="ci")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(world.base + "/app-secret").status_code == 200
    refused = client.post(world.base + "/app-secret")
    assert refused.status_code == 403
    assert "miniprograms.manage_appsecret" in error_of(refused)["message"]
