"""The versions API under /api/v1/: the console's services, capability checks and words.

The role matrix calls every endpoint as owner, admin, reviewer, an assigned developer, a
developer not assigned to the mini program, a member of another workspace and an anonymous
client, and asserts the status *and* whether anything changed. The pipeline runs in-process
(eager tasks, on-commit callbacks executed), so an upload reaches ``ready`` within the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from rest_framework.test import APIClient

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases import api_urls
from releases.models import Artifact, PackageJob, Release, ReleaseTarget, TrialVersion, Version
from releases.release.services import release_submit
from releases.services.trial import trial_configure
from releases.services.versions import LARGE_WARNING
from releases.tests.factories import GOOD, team, upload_version
from releases.tests.packages import with_files, zip_bytes
from workspaces.authz import Cap
from workspaces.models import AuditEvent, User, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.tests.routes import openapi_schema, routed_methods

pytestmark = pytest.mark.django_db

WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
DEVELOPERS = frozenset({"owner", "admin", "developer"})  # the developer is assigned
VIEWERS = DEVELOPERS | {"reviewer"}
MANAGERS = frozenset({"owner", "admin"})

BROKEN = zip_bytes(with_files({"pages/cart/index.js": None}))  # app.json lists it
MISSING_CART = "“pages/cart/index.js” is listed in app.json but missing from the package."


def named(data: bytes, name: str = "app.zip") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant, titled=False)
    owner = people["owner"]
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mp = create_miniprogram(owner, host_app_ids=[app.pk])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    capture = django_capture_on_commit_callbacks
    ready = upload_version(owner, mp, "1.0.0", GOOD, capture, notes="First")
    failed = upload_version(owner, mp, "1.1.0", BROKEN, capture)
    trial_configure(actor=owner, miniprogram=mp, version=ready, page_path="pages/index/index")
    # Submitted by the owner: in production (under the tenant's own review), and in test
    # (approved at once, publishable).
    Env = ReleaseTarget.Environment
    [reviewed] = release_submit(
        actor=owner, version=ready, host_app_ids=[app.pk], environment=Env.PRODUCTION
    )
    [approved] = release_submit(
        actor=owner, version=ready, host_app_ids=[app.pk], environment=Env.TEST
    )

    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(
        workspace=other, role="owner", user=UserFactory(email="out@globex.test")
    )
    other_mp = create_miniprogram(outsider, name="Globex Pay")
    other_version = upload_version(outsider, other_mp, "3.0.0", GOOD, capture)
    return SimpleNamespace(
        tenant=tenant,
        people=people,
        owner=owner,
        mp=mp,
        app=app,
        reviewed=reviewed,
        approved=approved,
        ready=ready,
        failed=failed,
        outsider=outsider,
        other_mp=other_mp,
        other_version=other_version,
        capture=capture,
    )


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def client_for(world, who: str) -> APIClient:
    if who == "anonymous":
        return api()
    if who == "outsider":
        return api(world.outsider.user)
    return api(world.people[who].user)


def versions_url(world, suffix: str = "", *, mp=None) -> str:
    app_id = (mp or world.mp).app_id
    return f"/api/v1/workspaces/acme/miniprograms/{app_id}/versions{suffix}"


def mp_url(world, suffix: str) -> str:
    return f"/api/v1/workspaces/acme/miniprograms/{world.mp.app_id}{suffix}"


def _release_state(name: str) -> Callable[[Any], str]:
    return lambda w: Release.objects.get(pk=getattr(w, name).pk).state


def trial_url(world) -> str:
    return f"/api/v1/workspaces/acme/miniprograms/{world.mp.app_id}/trial"


def error_of(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["request_id"]
    return body["error"]


def stored_files(settings) -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found |= {os.path.relpath(os.path.join(root, f), settings.MEDIA_ROOT) for f in files}
    return found


def content_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


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
    # The capability a refusal (403) names.
    cap: Cap | None = None
    # What a role outside ``allowed`` gets (a 400 when a service rule, not a capability, says
    # who may: withdrawing is the submitter's or an admin's).
    denied: int = 403

    def __str__(self) -> str:
        return self.name


def _audits(verb: str) -> Callable[[Any], int]:
    return lambda w: AuditEvent.objects.filter(verb=verb).count()


def _trial(w) -> tuple[str, str] | None:
    trial = TrialVersion.objects.filter(miniprogram=w.mp).first()
    return (trial.page_path, trial.query) if trial else None


CASES = [
    Case("version list", "get", versions_url, VIEWERS),
    Case(
        "version upload",
        "post",
        versions_url,
        DEVELOPERS,
        status=201,
        body=lambda w: {"version": "2.0.0", "notes": "Next", "package": named(GOOD)},
        state=lambda w: sorted(Version.objects.filter(miniprogram=w.mp).values_list("number")),
        format="multipart",
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case("version detail", "get", lambda w: versions_url(w, "/1.0.0"), VIEWERS),
    Case(
        "retry scan",
        "post",
        lambda w: versions_url(w, "/1.1.0/retry-scan"),
        DEVELOPERS,
        state=_audits("version.scanning"),
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "restart quality",
        "post",
        lambda w: versions_url(w, "/1.0.0/restart-quality"),
        DEVELOPERS,
        state=_audits("version.quality_restart"),
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case("quality report", "get", lambda w: versions_url(w, "/1.0.0/quality"), VIEWERS),
    Case("diff", "get", lambda w: versions_url(w, "/1.1.0/diff"), VIEWERS),
    Case("package download", "get", lambda w: versions_url(w, "/1.0.0/package"), VIEWERS),
    Case(
        "artifact download",
        "get",
        lambda w: versions_url(w, "/1.0.0/artifacts/complete"),
        VIEWERS,
    ),
    # 1.0.0 is approved, not online: readers get the 409 (test_offline_package.py downloads).
    Case(
        "offline package",
        "get",
        lambda w: versions_url(w, "/1.0.0/offline-package"),
        VIEWERS,
        status=409,
    ),
    Case("trial get", "get", trial_url, VIEWERS),
    Case(
        "trial set",
        "put",
        trial_url,
        DEVELOPERS,
        body=lambda w: {"version": "1.0.0", "page_path": "pages/cart/index", "query": "a=1"},
        state=_trial,
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "trial clear",
        "delete",
        trial_url,
        DEVELOPERS,
        status=204,
        state=_trial,
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case("release targets", "get", lambda w: mp_url(w, "/releases"), VIEWERS),
    Case(
        "release submit",
        "post",
        lambda w: versions_url(w, "/1.0.0/releases"),
        DEVELOPERS,
        status=201,
        body=lambda w: {"host_app_ids": [w.app.pk], "environment": "sandbox", "notes": "Go"},
        state=lambda w: Release.objects.count(),
        cap=Cap.DEVELOP_MINIPROGRAM,
    ),
    Case(
        "release withdraw",
        "post",
        lambda w: mp_url(w, f"/releases/{w.reviewed.pk}/withdraw"),
        MANAGERS,  # the submitter (the owner) and an admin; the service refuses the others
        state=_release_state("reviewed"),
        denied=400,
    ),
    Case(
        "release publish",
        "post",
        lambda w: mp_url(w, f"/releases/{w.approved.pk}/publish"),
        MANAGERS,
        state=_release_state("approved"),
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    # Nothing is online there: the managers' answer is the service's 400 (the journey in
    # test_api_releases.py rolls back for real); the others are refused before it.
    Case(
        "target rollback",
        "post",
        lambda w: mp_url(w, f"/targets/{w.approved.target_id}/rollback"),
        MANAGERS,
        status=400,
        body=lambda w: {"note": "Back"},
        state=lambda w: Release.objects.count(),
        cap=Cap.MANAGE_MINIPROGRAM,
    ),
    Case(
        "target history",
        "get",
        lambda w: mp_url(w, f"/targets/{w.reviewed.target_id}/history"),
        VIEWERS,
    ),
]


def _expected(case: Case, who: str) -> int:
    if who == "anonymous":
        return 401
    if who in ("outsider", "unassigned"):
        return 404  # a developer never learns about mini programs they are not assigned to
    return case.status if who in case.allowed else case.denied


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(world, case, who, settings):
    before = case.state(world) if case.state else None
    files_before = stored_files(settings)
    body = case.body(world) if case.body else None

    with world.capture(execute=True):
        response = getattr(client_for(world, who), case.method)(
            case.path(world), body, format=case.format
        )

    expected = _expected(case, who)
    assert response.status_code == expected, content_of(response)
    if expected >= 400:
        error = error_of(response)
        assert (
            error["code"]
            == {
                400: "invalid",
                401: "not_authenticated",
                403: "permission_denied",
                404: "not_found",
                409: "conflict",
            }[expected]
        )
        if expected == 403 and case.cap == Cap.DEVELOP_MINIPROGRAM:
            assert error["message"] == (
                f"This needs the capability {case.cap.value}, held by: Owner or Workspace "
                "Admin, or a Developer assigned to this mini program."
            )
        elif expected == 403:
            assert error["message"] == (
                f"This needs the capability {case.cap.value}, held by: Owner or Workspace Admin."
            )
        assert stored_files(settings) == files_before
    if case.state is not None:
        after = case.state(world)
        if expected < 300:
            assert after != before, "an allowed call must have its effect"
        else:
            assert after == before, "a refused call must change nothing"


def test_the_matrix_covers_every_endpoint_and_method(world):
    """Generated from the URL configuration: a new route or method must join CASES (the
    grayscale routes have their own matrix, which checks its coverage the same way:
    ``test_grayscale_api.py``)."""
    covered = {(resolve(case.path(world)).url_name, case.method) for case in CASES}
    routed = {
        route
        for route in routed_methods(api_urls.urlpatterns)
        if not route[0].startswith("grayscale-")
    }
    assert routed - covered == set()


@pytest.mark.parametrize(
    "suffix",
    [
        "/3.0.0",
        "/3.0.0/package",
        "/3.0.0/artifacts/complete",
        "/3.0.0/quality",
        "/3.0.0/diff?against=1.0.0",
        "/1.0.0/diff?against=3.0.0",
    ],
)
def test_a_version_number_of_another_mini_program_is_not_found(world, suffix):
    """3.0.0 exists only for Globex's mini program: looked up inside acme's, it is a 404 (or a
    400 naming no such version when it is the diff's ``against``)."""
    response = api(world.owner.user).get(versions_url(world, suffix))

    assert response.status_code in (400, 404)
    assert "Globex" not in content_of(response).decode()
    if response.status_code == 400:
        assert error_of(response)["fields"] == {
            "against": ["This mini program has no version 3.0.0."]
        }
    foreign = api(world.owner.user).get(versions_url(world, "/3.0.0", mp=world.other_mp))
    assert foreign.status_code == 404


# --- upload and the pipeline -------------------------------------------------------------------


def test_an_upload_with_a_bearer_token_reaches_ready(world, settings):
    _token, raw = token_create(user=world.people["developer"].user, name="CLI")
    client = APIClient()
    headers = {"Authorization": f"Bearer {raw}"}
    data = zip_bytes(with_files({"pages/index/index.js": b"Page({ data: { v: 2 } });\n"}))

    with world.capture(execute=True):
        response = client.post(
            versions_url(world),
            {"version": "v2.0.0", "notes": "  Faster cart  ", "package": named(data)},
            format="multipart",
            headers=headers,
        )

    assert response.status_code == 201, response.content
    created = response.json()
    detail_url = f"http://testserver{versions_url(world, '/2.0.0')}"
    assert created == {
        "number": "2.0.0",
        "status": "scanning",
        "notes": "Faster cart",
        "package_size": len(data),
        "package_sha256": hashlib.sha256(data).hexdigest(),
        "is_large": False,
        "warning": None,
        "created_at": created["created_at"],
        "uploaded_by": {"name": "developer", "email": "developer@acme.test"},
        "url": detail_url,
    }
    detail = client.get(created["url"], headers=headers).json()
    assert detail["status"] == "ready"
    assert detail["failure"] is None
    assert [(j["kind"], j["state"], j["progress"]) for j in detail["jobs"]] == [
        ("scan", "succeeded", 100),
        ("build", "succeeded", 100),
        ("quality", "succeeded", 100),
    ]
    assert [(a["kind"], a["root"]) for a in detail["artifacts"]] == [
        ("complete", ""),
        ("main", ""),
        ("subpackage", "packageA/"),
        ("index", ""),
    ]
    assert detail["artifacts"][2]["download_url"] == (
        f"{detail_url}/artifacts/subpackage?root=packageA/"
    )
    assert detail["quality_summary"]["scripts_searched"] == 4
    assert detail["scan_summary"]["pages"] == ["pages/index/index", "pages/cart/index"]
    assert detail["package_url"] == f"{detail_url}/package"
    listing = client.get(versions_url(world), headers=headers).json()
    assert [v["number"] for v in listing["results"]] == ["2.0.0", "1.1.0", "1.0.0"]
    event = AuditEvent.objects.get(verb="version.upload", after__number="2.0.0")
    assert event.actor == world.people["developer"].user


def test_a_large_package_is_accepted_with_the_warning(world, monkeypatch):

    monkeypatch.setattr("releases.models.LARGE_PACKAGE", len(GOOD))  # the threshold itself counts
    response = api(world.owner.user).post(
        versions_url(world), {"version": "2.0.0", "package": named(GOOD)}, format="multipart"
    )

    assert response.status_code == 201
    assert (response.json()["is_large"], response.json()["warning"]) == (True, LARGE_WARNING)
    listed = api(world.owner.user).get(versions_url(world)).json()["results"][0]
    assert listed["warning"] == LARGE_WARNING


@pytest.mark.parametrize("number", ["1.1.0", "1.0.5", "0.9.9"])
def test_a_version_not_greater_than_the_highest_is_refused_naming_it(world, settings, number):
    files = stored_files(settings)

    response = api(world.owner.user).post(
        versions_url(world), {"version": number, "package": named(GOOD)}, format="multipart"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "version": [
            f"Version {number} must be greater than 1.1.0, the highest version ever uploaded "
            "for this mini program; upload 1.1.1 or higher."
        ]
    }
    assert Version.objects.filter(miniprogram=world.mp).count() == 2
    assert stored_files(settings) == files


def test_a_failed_scan_shows_its_sentence_and_can_be_retried(world):
    client = api(world.people["developer"].user)

    detail = client.get(versions_url(world, "/1.1.0")).json()
    with world.capture(execute=True):
        retried = client.post(versions_url(world, "/1.1.0/retry-scan"))
    not_failed = client.post(versions_url(world, "/1.0.0/retry-scan"))

    assert detail["status"] == "scan_failed"
    assert detail["failure"] == {"code": "missing_file", "message": MISSING_CART}
    assert detail["artifacts"] == [] and detail["quality_summary"] is None
    assert [(j["kind"], j["state"], j["error"]) for j in detail["jobs"]] == [
        ("scan", "failed", MISSING_CART)
    ]
    assert retried.status_code == 200
    assert retried.json()["status"] == "scanning"  # the scan runs after the answer
    after = client.get(versions_url(world, "/1.1.0")).json()
    assert after["status"] == "scan_failed"  # the same package fails the same way
    assert after["failure"]["message"] == MISSING_CART
    assert AuditEvent.objects.filter(verb="version.scanning").count() == 4  # 3 uploads + retry
    assert not_failed.status_code == 400
    assert error_of(not_failed)["message"] == (
        "Only a version whose scan failed can be scanned again."
    )


def test_the_quality_review_can_be_restarted_once_ready(world):
    client = api(world.owner.user)

    with world.capture(execute=True):
        restarted = client.post(versions_url(world, "/1.0.0/restart-quality"))
    refused = client.post(versions_url(world, "/1.1.0/restart-quality"))

    assert restarted.status_code == 200
    quality = next(j for j in restarted.json()["jobs"] if j["kind"] == "quality")
    assert (quality["state"], quality["progress"]) == ("queued", 0)  # it runs after the answer
    after = client.get(versions_url(world, "/1.0.0")).json()
    quality = next(j for j in after["jobs"] if j["kind"] == "quality")
    assert (quality["state"], quality["attempts"]) == ("succeeded", 1)
    assert AuditEvent.objects.filter(verb="version.quality_restart").count() == 1
    assert refused.status_code == 400
    assert error_of(refused)["message"] == (
        "The quality review runs once the package is scanned and built."
    )


def test_the_quality_report_lists_findings_and_is_404_before_the_review(world):
    data = zip_bytes(with_files({"pages/cart/index.js": b"Page({});\neval('1 + 1');\n"}))
    upload_version(world.owner, world.mp, "2.0.0", data, world.capture)
    client = api(world.people["reviewer"].user)

    report = client.get(versions_url(world, "/2.0.0/quality"))
    missing = client.get(versions_url(world, "/1.1.0/quality"))

    assert report.status_code == 200
    body = report.json()
    job = PackageJob.objects.get(
        version__number="2.0.0", version__miniprogram=world.mp, kind="quality"
    )
    assert body == job.result
    assert body["summary"]["by_rule"] == {"eval": 1}
    assert [(f["rule"], f["path"]) for f in body["findings"]] == [("eval", "pages/cart/index.js")]
    assert missing.status_code == 404
    assert error_of(missing)["message"] == (
        "Version 1.1.0 has no quality report yet: the review runs once the package is scanned "
        "and built."
    )


# --- diff --------------------------------------------------------------------------------------


def test_the_diff_compares_with_the_version_before_or_the_one_named(world):
    new = zip_bytes(
        with_files(
            {
                "pages/cart/index.js": b"Page({ data: { items: [] } });\n",  # changed
                "pages/index/index.axml": None,  # removed
                "packageA/images/hero.png": b"\x89PNG" + b"\x01" * 100,  # added
            }
        )
    )
    upload_version(world.owner, world.mp, "2.0.0", new, world.capture)
    client = api(world.people["reviewer"].user)

    default = client.get(versions_url(world, "/2.0.0/diff")).json()
    named_one = client.get(versions_url(world, "/2.0.0/diff"), {"against": "1.0.0"}).json()

    assert default["against"] == "1.1.0"  # the version just below, whatever its state
    assert named_one["version"] == "2.0.0" and named_one["against"] == "1.0.0"
    assert named_one["added"] == [
        {"path": "packageA/images/hero.png", "old_size": None, "new_size": 104, "delta": 104}
    ]
    assert [c["path"] for c in named_one["removed"]] == ["pages/index/index.axml"]
    assert named_one["changed"] == [
        {"path": "pages/cart/index.js", "old_size": 10, "new_size": 31, "delta": 21}
    ]
    parts = {p["part"]: p["delta"] for p in named_one["parts"]}
    assert parts["packageA/"] == 104
    assert named_one["total_delta"] == sum(parts.values())
    assert named_one["unchanged_count"] == 5


@pytest.mark.parametrize(
    ("suffix", "query", "message"),
    [
        (
            "/1.0.0/diff",
            {},
            "Version 1.0.0 is the first version of this mini program: there is none before it "
            "to compare with.",
        ),
        ("/1.1.0/diff", {"against": "9.9.9"}, "This mini program has no version 9.9.9."),
        ("/1.1.0/diff", {"against": "1.1.0"}, "Compare version 1.1.0 with another version."),
        (
            "/1.1.0/diff",
            {"against": "latest"},
            "“latest” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from "
            "0 to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
    ],
)
def test_a_diff_without_a_version_to_compare_with_says_why(world, suffix, query, message):
    response = api(world.owner.user).get(versions_url(world, suffix), query)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"against": [message]}


# --- downloads ---------------------------------------------------------------------------------


def test_the_package_downloads_as_uploaded_with_its_name_and_etag(world):
    client = api(world.people["reviewer"].user)
    url = versions_url(world, "/1.0.0/package")
    sha = hashlib.sha256(GOOD).hexdigest()

    response = client.get(url, headers={"Accept": "application/zip"})
    cached = client.get(url, headers={"If-None-Match": f'"{sha}"'})

    assert response.status_code == 200
    assert response.streaming
    assert content_of(response) == GOOD
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{world.mp.app_id}_1.0.0.zip"'
    )
    assert response["ETag"] == f'"{sha}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(GOOD)
    assert cached.status_code == 304 and cached.content == b""


def test_artifacts_download_by_kind_and_subpackage_root(world):
    client = api(world.people["developer"].user)
    base = versions_url(world, "/1.0.0/artifacts")
    rows = {(a.kind, a.root): a for a in Artifact.objects.filter(version=world.ready)}

    complete = client.get(f"{base}/complete")
    sub = client.get(f"{base}/subpackage", {"root": "packageA"})
    index = client.get(f"{base}/index")
    no_root = client.get(f"{base}/subpackage")
    unknown = client.get(f"{base}/everything")
    unbuilt = client.get(versions_url(world, "/1.1.0/artifacts/complete"))

    assert hashlib.sha256(content_of(complete)).hexdigest() == rows[("complete", "")].sha256
    assert complete["Content-Disposition"] == (
        f'attachment; filename="{world.mp.app_id}_1.0.0_complete.zip"'
    )
    assert hashlib.sha256(content_of(sub)).hexdigest() == rows[("subpackage", "packageA/")].sha256
    assert sub["Content-Disposition"].endswith('_1.0.0_subpackage_packageA.zip"')
    assert index["Content-Type"] == "application/json"
    assert "packageA/" in json.loads(content_of(index)).__repr__()
    assert no_root.status_code == unknown.status_code == unbuilt.status_code == 404
    assert error_of(no_root)["message"] == "Version 1.0.0 has no subpackage artifact."


def test_downloads_redirect_to_a_presigned_url_on_s3(
    db, settings, django_capture_on_commit_callbacks
):
    import boto3
    from moto import mock_aws

    settings.S3_BUCKET = "mpp-packages"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **settings.S3_STORAGE_OPTIONS,  # the project's S3 configuration
                "querystring_expire": 3600,  # a download still asks for 5 minutes
                "bucket_name": "mpp-packages",
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
            },
        },
    }
    tenant = WorkspaceFactory(slug="s3co")
    owner = MembershipFactory(workspace=tenant, role="owner")
    with mock_aws():
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="mpp-packages")
        mp = create_miniprogram(owner)
        version = upload_version(owner, mp, "1.0.0", GOOD, django_capture_on_commit_callbacks)
        base = f"/api/v1/workspaces/s3co/miniprograms/{mp.app_id}/versions/1.0.0"

        package = api(owner.user).get(f"{base}/package")
        artifact = api(owner.user).get(f"{base}/artifacts/complete")
        stored = s3.get_object(Bucket="mpp-packages", Key=version.package.name)["Body"].read()

    assert version.status == Version.Status.READY
    assert stored == GOOD
    for response in (package, artifact):
        assert response.status_code == 302
        location = urlparse(response["Location"])
        query = parse_qs(location.query)
        assert "mpp-packages" in location.netloc + location.path
        assert query["X-Amz-Expires"] == ["300"]
        assert "X-Amz-Signature" in query
    disposition = parse_qs(urlparse(package["Location"]).query)["response-content-disposition"]
    assert disposition == [f'attachment; filename="{mp.app_id}_1.0.0.zip"']
    assert urlparse(package["Location"]).path.endswith(version.package.name)


# --- trial version -----------------------------------------------------------------------------


def test_the_trial_version_is_read_set_and_cleared(world):
    client = api(world.people["developer"].user)

    shown = client.get(trial_url(world))
    changed = client.put(
        trial_url(world),
        {"version": "1.0.0", "page_path": "/pages/cart/index", "query": "?from=qa&id=7"},
        format="json",
    )
    cleared = client.delete(trial_url(world))
    empty = client.get(trial_url(world))

    assert shown.status_code == 200
    assert shown.json() == {
        "version": "1.0.0",
        "page_path": "pages/index/index",
        "query": "",
        "launch_path": "pages/index/index",
        "version_url": f"http://testserver{versions_url(world, '/1.0.0')}",
        "updated_by": {"name": "owner", "email": "owner@acme.test"},
        "updated_at": shown.json()["updated_at"],
    }
    assert changed.status_code == 200
    assert (changed.json()["launch_path"], changed.json()["updated_by"]["name"]) == (
        "pages/cart/index?from=qa&id=7",
        "developer",
    )
    assert cleared.status_code == 204 and not TrialVersion.objects.exists()
    assert empty.json() == {
        "version": None,
        "page_path": "",
        "query": "",
        "launch_path": "",
        "version_url": None,
        "updated_by": None,
        "updated_at": None,
    }
    verbs = AuditEvent.objects.filter(verb__startswith="miniprogram.trial").values_list(
        "verb", flat=True
    )
    assert sorted(verbs) == [
        "miniprogram.trial_clear",
        "miniprogram.trial_configure",
        "miniprogram.trial_configure",
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"version": "1.1.0", "page_path": "pages/index/index"},
            "version",
            "Version 1.1.0 is not ready yet (it is scan failed).",
        ),
        (
            {"version": "9.9.9", "page_path": "pages/index/index"},
            "version",
            "This mini program has no version 9.9.9.",
        ),
        (
            {"version": "3.0.0", "page_path": "pages/index/index"},  # Globex's number
            "version",
            "This mini program has no version 3.0.0.",
        ),
        (
            {"version": "one", "page_path": "pages/index/index"},
            "version",
            "“one” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from 0 "
            "to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
        (
            {"version": "1.0.0", "page_path": ""},
            "page_path",
            "Enter the page to open, e.g. pages/index/index.",
        ),
        (
            {"version": "1.0.0", "page_path": "pages/nope/index"},
            "page_path",
            "“pages/nope/index” is not a page of version 1.0.0; its pages: pages/index/index, "
            "pages/cart/index, packageA/pages/detail/index.",
        ),
        (
            {"version": "1.0.0", "page_path": "pages/index/index", "query": "a=1&&"},
            "query",
            "“a=1&&” is not a query string like a=1&b=2.",
        ),
        (
            {"version": "1.0.0", "page_path": "pages/index/index", "query": "q=" + "x" * 199},
            "query",
            "The query is 201 characters; keep it to 200.",
        ),
    ],
)
def test_a_bad_trial_is_refused_in_the_services_words(world, body, field, message):
    before = _trial(world)

    response = api(world.owner.user).put(trial_url(world), body, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {field: [message]}
    assert _trial(world) == before


# --- lists -------------------------------------------------------------------------------------


def _add_versions(world, count: int) -> None:
    uploader = UserFactory()
    Version.objects.bulk_create(
        Version(
            workspace=world.tenant,
            miniprogram=world.mp,
            number=f"5.{i}.0",
            major=5,
            minor=i,
            patch=0,
            status=Version.Status.READY,
            package=f"packages/00/{i:032x}.zip",
            package_size=1000 + i,
            package_sha256=f"{i:064x}",
            uploaded_by=uploader if i % 2 else None,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("who", ["owner", "developer"])
def test_the_list_query_count_is_constant_as_versions_grow(world, who):
    client = api(world.people[who].user)

    def count_queries() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(versions_url(world), {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), [v["number"] for v in response.json()["results"]]

    small, numbers = count_queries()
    assert numbers == ["1.1.0", "1.0.0"]
    _add_versions(world, 40)

    large, numbers = count_queries()

    assert numbers[:3] == ["5.39.0", "5.38.0", "5.37.0"] and len(numbers) == 42
    assert numbers[-12:-2] == [f"5.{i}.0" for i in range(9, -1, -1)]  # numeric order
    assert large == small, (small, large)


def test_the_list_pages_highest_first(world):
    _add_versions(world, 5)
    client = api(world.owner.user)

    first = client.get(versions_url(world), {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 7
    assert [v["number"] for v in first["results"]] == ["5.4.0", "5.3.0", "5.2.0"]
    assert [v["number"] for v in second["results"]] == ["5.1.0", "5.0.0", "1.1.0"]


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_schema_documents_every_versions_endpoint(tmp_path, client):
    schema = openapi_schema(tmp_path, client)
    mine = {
        (method, url): op
        for url, ops in schema["paths"].items()
        if ("/versions" in url or url.endswith("/trial")) and not url.endswith("/releases")
        for method, op in ops.items()
    }
    assert len(mine) == 13
    assert {tag for op in mine.values() for tag in op["tags"]} == {"versions", "trial version"}
    assert all(op.get("summary") for op in mine.values())
    base = "/api/v1/workspaces/{workspace_slug}/miniprograms/{app_id}/versions"
    create = schema["paths"][base]["post"]
    body = create["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    upload_schema = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert upload_schema["properties"]["package"] == {
        **upload_schema["properties"]["package"],
        "type": "string",
        "format": "binary",
    }
    assert {"201", "400", "401", "403", "404", "413"} <= set(create["responses"])
    package = schema["paths"][f"{base}/{{number}}/package"]["get"]
    assert "application/zip" in package["responses"]["200"]["content"]
    assert "302" in package["responses"]
