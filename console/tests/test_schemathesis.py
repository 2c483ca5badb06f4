"""The OpenAPI document tells the truth: schemathesis calls every operation and checks each answer.

Every operation of ``/api/schema/`` is called with cases that schemathesis generates from the
document itself (valid and invalid input), sent in turn with the API token of each role: the
owner, admin, reviewer and an assigned developer of a tenant workspace, and the owner of a
developer workspace. Each answer must not be a server error, and its status code, content
type, headers and body must be the ones the document declares. Path parameters are the real
workspace slugs, App IDs, version numbers and ids of a small world most of the time (so the
operations do their work), and generated values otherwise (so "not found" is exercised too).

The run is bounded and reproducible: a fixed number of examples per operation, derandomized,
no deadline, no constants drawn from the project's code; every call runs in a savepoint that is
rolled back, so one case cannot change the world the next one sees. Bodies are sent as JSON
(see ``_json_bodies``). Package uploads (multipart zips) are left out of the fuzzing: their
answers — including 400, 413 and the error shape — are covered by ``releases/tests/test_api.py``.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from miniprograms.models import MiniProgramTester, MiniProgramUserObjectPermission
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import ReleaseTarget
from releases.release.services import release_submit
from releases.services.trial import trial_configure
from releases.tests.factories import GOOD, team, upload_version
from workspaces.models import Invitation, Membership, Workspace, WorkspaceUserObjectPermission
from workspaces.services.hostapps import host_app_create
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.tokens import token_create
from workspaces.services.webhooks import webhook_endpoint_create, webhook_endpoint_test
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode, sent as each role in turn (a multiple of 5).
MAX_EXAMPLES = 10
ROLES = ("owner", "admin", "reviewer", "developer", "developer-workspace owner")
# Uploads are multipart zips; releases/tests/test_api.py covers every answer they give.
EXCLUDED = {("POST", "/api/v1/workspaces/{workspace_slug}/miniprograms/{app_id}/versions")}


# Not among them: ``positive_data_acceptance`` (schema-valid input must be accepted). Many of
# the API's refusals are business rules over the current state that JSON Schema cannot state —
# the owner cannot be removed, a version must be greater than the last, a name must be unique
# in the workspace, an App ID must name a mini program of this workspace — so a schema-valid
# request is rightly refused with a 400 that names the rule.
def negative_data_rejection_but_numbers_as_text(ctx, response, case):
    """``negative_data_rejection``, except for a JSON number sent for a text field (or 0/1 for
    a true/false one): DRF reads it as its decimal text, as the API description says. A case
    that is invalid in any other way must still be refused."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        mutations = getattr(case.meta.phase.data, "mutations", None) or ()
        if mutations and all(_number_for_text_or_flag(m) for m in mutations):
            return None
        raise


def _number_for_text_or_flag(mutation) -> bool:
    return (
        mutation.keywords == ("type",)
        and mutation.original_value in ("string", "boolean")
        and mutation.new_value in ("integer", "number")
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection_but_numbers_as_text,
    ignored_auth,
]


@dataclass
class World:
    tokens: dict[str, str]
    # Real values for each path parameter name.
    path_values: dict[str, list[Any]] = field(default_factory=dict)


def build_world(capture) -> World:
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant)
    owner = people["owner"]
    host_app, _secret = host_app_create(
        actor=owner, name="Acme Wallet", platforms={"android": "com.acme.wallet"}
    )
    mp = create_miniprogram(owner, host_app_ids=[host_app.pk])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["tester-1", "tester-2"])
    ready = upload_version(owner, mp, "1.0.0", GOOD, capture, notes="First")
    upload_version(owner, mp, "1.1.0", GOOD, capture)
    trial_configure(actor=owner, miniprogram=mp, version=ready, page_path="pages/index/index")
    # A production release under the tenant's own review, and an approved test release.
    Env = ReleaseTarget.Environment
    [reviewed] = release_submit(
        actor=owner, version=ready, host_app_ids=[host_app.pk], environment=Env.PRODUCTION
    )
    [approved] = release_submit(
        actor=owner, version=ready, host_app_ids=[host_app.pk], environment=Env.TEST
    )
    invitation_create_batch(
        actor=owner,
        specs=[InviteSpec(name="Rita", email="rita@acme.test", role=Membership.Role.REVIEWER)],
    )
    # A webhook endpoint with a queued test event (never sent: nothing here commits).
    webhook, _secret = webhook_endpoint_create(
        actor=owner, url="https://93.184.216.34/hook", events=["release.published"]
    )
    ping = webhook_endpoint_test(actor=owner, endpoint_id=webhook.pk)

    studio = WorkspaceFactory(
        name="Studio", slug="studio", kind=Workspace.Kind.DEVELOPER, tenant=tenant
    )
    studio_owner = MembershipFactory(
        workspace=studio, role="owner", user=UserFactory(email="owner@studio.test")
    )
    studio_mp = create_miniprogram(studio_owner, name="Studio Shop")
    upload_version(studio_owner, studio_mp, "2.0.0", GOOD, capture)

    members = {**people, "developer-workspace owner": studio_owner}
    tokens = {}
    token_ids = []
    for role in ROLES:
        token, raw = token_create(user=members[role].user, name=f"schemathesis {role}")
        tokens[role] = raw
        token_ids.append(token.pk)

    return World(
        tokens=tokens,
        path_values={
            "workspace_slug": [tenant.slug, studio.slug],
            "app_id": [mp.app_id, studio_mp.app_id],
            "number": ["1.0.0", "1.1.0", "2.0.0"],
            "host_app_id": [host_app.pk],
            "release_id": [reviewed.pk, approved.pk],
            "target_id": [reviewed.target_id, approved.target_id],
            "request_id": [reviewed.approval_id],
            "membership_id": sorted(m.pk for m in members.values()),
            "invitation_id": list(Invitation.objects.values_list("pk", flat=True)),
            "user_id": [people["developer"].user_id, people["reviewer"].user_id],
            "tester_id": list(MiniProgramTester.objects.values_list("pk", flat=True)),
            "grant_id": sorted(
                {
                    *WorkspaceUserObjectPermission.objects.values_list("pk", flat=True),
                    *MiniProgramUserObjectPermission.objects.values_list("pk", flat=True),
                }
            ),
            "id": token_ids,
            "endpoint_id": [webhook.pk],
            "delivery_id": [ping.pk],
        },
    )


@contextmanager
def _requests_share_the_test_transaction() -> Iterator[None]:
    """Call Django's WSGI handler in-process the way its test client does: without closing the
    database connection at the end of each request (it holds the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _path_combinations(operation, world: World) -> list[dict[str, Any]]:
    # Parameters the world has no values for (an enum like an artifact kind) stay generated.
    names = [p.name for p in operation.path_parameters if p.name in world.path_values]
    if not names:
        return []
    pools = [world.path_values[name] for name in names]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*pools)]


def _strategy(operation, world: World, mode: GenerationMode):
    generated = operation.as_strategy(generation_mode=mode)
    combos = _path_combinations(operation, world)
    if not combos:
        return generated
    real = st.sampled_from(combos).flatmap(
        lambda values: operation.as_strategy(generation_mode=mode, path_parameters=values)
    )
    # Mostly real objects, sometimes generated ids (which must answer a documented 404).
    return st.one_of(real, real, real, generated)


def _json_bodies(document: dict) -> dict:
    """The document with request bodies fuzzed as JSON only, where an operation accepts JSON.

    Form-encoded and multipart bodies are read like HTML forms (an empty optional field counts
    as not sent, as the API description says), which JSON Schema cannot state: schemathesis
    would take ``role=`` for an invalid value accepted. Every operation with a body accepts
    JSON; the same serializers read all three media types.
    """
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                operation["requestBody"]["content"] = {
                    "application/json": content["application/json"]
                }
    return document


@pytest.fixture
def _constants_from_the_schema_only(monkeypatch):
    """Hypothesis mixes in string and number constants found in the project's own modules (all
    those loaded in the process): the cases would change with any edit anywhere, and with which
    tests are collected. Without them they depend only on the schema and the world. (These are
    hypothesis internals: requirements-dev.txt pins its version.)"""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    monkeypatch.setattr(providers, "_get_local_constants", Constants)
    monkeypatch.setattr(providers, "CONSTANTS_CACHE", type(providers.CONSTANTS_CACHE)(1024))


@pytest.mark.usefixtures("_constants_from_the_schema_only")
def test_every_operation_answers_as_the_schema_says(
    django_capture_on_commit_callbacks, client, settings
):
    # The write throttle counts per minute of wall-clock time: left on, whether a case meets its
    # 429 would depend on the machine's speed. That 429 is documented (console.api_schema).
    settings.MPP_API_WRITE_RATE = None
    world = build_world(django_capture_on_commit_callbacks)
    document = client.get("/api/schema/", {"format": "json"}).json()
    with _requests_share_the_test_transaction():
        schema = schemathesis.openapi.from_dict(_json_bodies(document))
        schema.app = WSGIHandler()  # as schemathesis.openapi.from_wsgi does
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in EXCLUDED:
                continue
            operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures.extend(_run(operation, world, mode))
    assert operations > 40
    assert not failures, "\n\n".join(failures)


def _report(key: str, role: str, mode: GenerationMode, failure, case, response) -> str:
    answer = response.content[:500].decode("utf-8", "replace")
    return (
        f"{key} (as {role}, {mode.value} data)\n"
        f"{textwrap.indent(failure.message, '    ')}\n"
        f"    Answer: {response.status_code} {answer}\n"
        f"    {case.as_curl_command()}"
    )


def _run(operation, world: World, mode: GenerationMode) -> list[str]:
    found: dict[str, str] = {}
    turn = itertools.count()

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, world, mode))
    def run(case) -> None:
        # Each generated case is sent as the next role in turn, so every role calls every
        # operation that has at least as many distinct cases as there are roles.
        role = ROLES[next(turn) % len(ROLES)]
        # A case whose credentials schemathesis made invalid on purpose keeps them (and must be
        # answered 401); every other case is sent with the role's real token.
        headers = {}
        if not operation.schema.is_security_param_negated(case):
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                case.validate_response(
                    response, checks=CHECKS, headers=headers, transport_kwargs={"headers": headers}
                )
            except FailureGroup as group:
                for failure in group.exceptions:
                    key = f"{operation.label}: {failure.title}"
                    found.setdefault(key, _report(key, role, mode, failure, case, response))
            finally:
                transaction.set_rollback(True)

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation can be made invalid (no parameters, no body): no negative
        # cases to send. A positive run must always generate.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return list(found.values())


# --- The findings, one by one ------------------------------------------------------------------


def _bearer_client(client, user):
    raw = token_create(user=user, name="CLI")[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page": "0"}, "page", "Give a whole number from 1."),
        ({"page": "-1"}, "page", "Give a whole number from 1."),
        ({"page": "last"}, "page", "Give a whole number from 1."),
        ({"page": ""}, "page", "Give a whole number from 1."),
        ({"page": "²"}, "page", "Give a whole number from 1."),
        ({"page_size": "0"}, "page_size", "Give a whole number from 1 to 200."),
        ({"page_size": "201"}, "page_size", "Give a whole number from 1 to 200."),
        ({"page_size": "abc"}, "page_size", "Give a whole number from 1 to 200."),
    ],
)
def test_a_page_that_is_not_a_whole_number_from_one_is_a_400_naming_the_parameter(
    client, query, field, message
):
    _bearer_client(client, UserFactory())

    response = client.get("/api/v1/tokens", query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {field: [message]}


def test_a_page_past_the_last_is_a_404_and_the_first_page_always_exists(client):
    _bearer_client(client, UserFactory())  # one token: one page

    assert client.get("/api/v1/tokens", {"page": "1", "page_size": "200"}).status_code == 200
    past = client.get("/api/v1/tokens", {"page": "2"})
    huge = client.get("/api/v1/tokens", {"page": "9" * 40})

    assert past.status_code == huge.status_code == 404
    assert past.json()["error"]["message"] == "There is no page 2; the last page is 1."


def _schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_declares_the_page_bounds_and_the_errors_of_every_list(client):
    paths = _schema(client)["paths"]

    lists = [op for ops in paths.values() for op in ops.values() if _query(op, "page")]
    assert len(lists) > 10
    for operation in lists:
        assert _query(operation, "page")["schema"] == {"type": "integer", "minimum": 1}
        assert _query(operation, "page_size")["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 200,
        }
        # page=0 answers 400, a page past the last 404: both with the error shape.
        for code in ("400", "401", "404"):
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, operation["operationId"]


def _query(operation: dict, name: str) -> dict | None:
    return next(
        (p for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] == name),
        None,
    )


def test_every_operation_documents_401_and_every_body_400_413_and_415(client):
    for ops in _schema(client)["paths"].values():
        for operation in ops.values():
            assert "401" in operation["responses"], operation["operationId"]
            if "requestBody" in operation:
                codes = {"400", "413", "415"}
                assert codes <= set(operation["responses"]), operation["operationId"]


def test_writes_document_the_429_of_the_write_throttle_and_reads_do_not(client):
    paths = _schema(client)["paths"]

    for ops in paths.values():
        for method, operation in ops.items():
            throttled = "429" in operation["responses"]
            # The runtime API's resolve is a read sent as POST (its body), for the SDK.
            write = method != "get" and operation["operationId"] != "runtime_resolve"
            assert throttled == write, (method, operation["operationId"])


def test_a_body_django_refuses_before_any_view_is_answered_in_the_error_shape(client, settings):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    owner = MembershipFactory(workspace=tenant, role="owner")
    _bearer_client(client, owner.user)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    too_large = client.patch(
        "/api/v1/workspaces/acme",
        '{"name": "%s"}' % ("x" * 1024 * 1024),
        content_type="application/json",
    )
    too_many = client.patch(
        "/api/v1/workspaces/acme",
        "&".join(f"f{i}=1" for i in range(11)),
        content_type="application/x-www-form-urlencoded",
    )

    assert too_large.status_code == 413
    assert too_large.json()["error"] == {
        "code": "too_large",
        "message": "The request body is too large: send at most 1 MB.",
        "request_id": too_large.headers["X-Request-ID"],
    }
    assert too_many.status_code == 400
    assert too_many.json()["error"]["message"] == "The request has too many fields."


def test_the_schema_allows_what_the_api_sends_for_unset_optional_fields(client):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    owner = MembershipFactory(workspace=tenant, role="owner")
    mp = create_miniprogram(owner)
    _bearer_client(client, owner.user)
    document = _schema(client)
    components = document["components"]["schemas"]

    # Never put on or off the shelf: null, and the schema says it may be.
    detail = client.get(f"/api/v1/workspaces/acme/miniprograms/{mp.app_id}").json()
    assert detail["shelf_changed_at"] is None
    assert components["MiniProgramDetail"]["properties"]["shelf_changed_at"]["nullable"] is True

    # "" until set: a format of email/uri alone would make the empty string a violation.
    answered = client.get("/api/v1/workspaces/acme").json()["settings"]
    declared = components["WorkspaceSettings"]["properties"]
    for name, fmt in (("service_email", "email"), ("about_url", "uri"), ("terms_url", "uri")):
        assert answered[name] == ""
        assert declared[name]["anyOf"] == [{"format": fmt}, {"enum": [""]}]

    # Creating workspaces is limited per user: 429 is documented where it can be answered.
    paths = document["paths"]
    assert "429" in paths["/api/v1/workspaces"]["post"]["responses"]
    developer_workspaces = paths["/api/v1/workspaces/{workspace_slug}/developer-workspaces"]
    assert "429" in developer_workspaces["post"]["responses"]


def test_an_empty_query_parameter_is_validated_like_any_value(client):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    owner = MembershipFactory(workspace=tenant, role="owner")
    create_miniprogram(owner)
    _bearer_client(client, owner.user)

    shelf = client.get("/api/v1/workspaces/acme/miniprograms", {"shelf": ""})
    status = client.get("/api/v1/tokens", {"status": ""})
    search = client.get("/api/v1/workspaces/acme/miniprograms", {"search": ""})

    assert shelf.status_code == status.status_code == 400
    assert shelf.json()["error"]["fields"] == {"shelf": ['"" is not a valid choice.']}
    assert status.json()["error"]["fields"] == {"status": ['"" is not a valid choice.']}
    assert search.status_code == 200 and search.json()["count"] == 1  # a blank search is allowed


def test_an_id_past_the_largest_a_row_can_have_is_a_400_not_a_500(client):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    owner = MembershipFactory(workspace=tenant, role="owner")
    mp = create_miniprogram(owner)
    _bearer_client(client, owner.user)
    huge = str(2**64)  # schemathesis sent 10344479628811311104: an OverflowError, a 500

    listed = client.get("/api/v1/workspaces/acme/miniprograms", {"assigned_to": huge})
    assigned = client.post(
        f"/api/v1/workspaces/acme/miniprograms/{mp.app_id}/developers",
        {"user_id": 2**64},
        content_type="application/json",
    )

    assert listed.status_code == assigned.status_code == 400
    assert listed.json()["error"]["fields"] == {
        "assigned_to": [f"Ensure this value is less than or equal to {2**63 - 1}."]
    }
    assert set(assigned.json()["error"]["fields"]) == {"user_id"}
    assert client.get("/api/v1/workspaces/acme/miniprograms", {"host_app": "0"}).status_code == 400
