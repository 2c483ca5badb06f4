"""Offline packages (SPEC §10): only a version online somewhere is downloaded, as exactly
``{miniAppId}_{miniAppVersion}.apkg``; an off-shelf mini program's is refused with the reason.

The pipeline runs in-process (eager tasks, on-commit callbacks executed), so the versions have
their real built files; the API and the console page answer the same, to the same people.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.services.lifecycle import miniprogram_can_publish, miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases import selectors
from releases.models import Artifact, Release, ReleaseTarget
from releases.package import offline
from releases.package.offline import offline_package_get, offline_package_stream
from releases.release.services import release_publish, release_rollback, release_submit
from releases.tests.factories import GOOD, team, upload_version
from workspaces.models import Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

Env = ReleaseTarget.Environment
WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
READERS = frozenset({"owner", "admin", "reviewer", "developer"})  # the developer is assigned


def publish(owner, version, host_app, environment: str) -> Release:
    [release] = release_submit(
        actor=owner, version=version, host_app_ids=[host_app.pk], environment=environment
    )
    return release_publish(actor=owner, release_id=release.pk)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant, titled=False)
    owner = people["owner"]
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mp = create_miniprogram(owner, host_app_ids=[app.pk])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    capture = django_capture_on_commit_callbacks
    online = upload_version(owner, mp, "1.2.0", GOOD, capture)
    later = upload_version(owner, mp, "1.3.0", GOOD, capture)
    publish(owner, online, app, Env.SANDBOX)
    outsider = MembershipFactory(
        workspace=WorkspaceFactory(slug="globex", kind=Workspace.Kind.TENANT),
        role="owner",
        user=UserFactory(email="out@globex.test"),
    )
    return SimpleNamespace(
        people=people, owner=owner, app=app, mp=mp, online=online, later=later, outsider=outsider
    )


def api_url(w, number: str) -> str:
    return f"/api/v1/workspaces/acme/miniprograms/{w.mp.app_id}/versions/{number}/offline-package"


def page_url(w, number: str) -> str:
    return reverse("releases:offline-package", args=["acme", w.mp.app_id, number])


def member(w, who: str):
    return {"outsider": w.outsider}.get(who) or w.people[who]


def api_as(w, who: str) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        client.force_authenticate(member(w, who).user)
    return client


def console_as(w, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(member(w, who).user)
    return client


def body_of(response) -> bytes:
    assert response.streaming, "an offline package is streamed, never built whole"
    return b"".join(response.streaming_content)


def assert_is_the_offline_package(w, response, number: str) -> dict:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{w.mp.app_id}_{number}.apkg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    version = w.mp.versions.get(number=number)
    artifacts = {a.sha256: a for a in version.artifacts.all()}
    with zipfile.ZipFile(io.BytesIO(body_of(response))) as apkg:
        assert apkg.testzip() is None
        manifest = json.loads(apkg.read("manifest.json"))
        assert apkg.namelist() == [
            "manifest.json",
            "complete.zip",
            "main.zip",
            "subpackages/packageA.zip",
            "index.json",
        ]
        for entry in manifest["artifacts"]:
            stored = artifacts[entry["sha256"]]
            data = apkg.read(entry["name"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"] == stored.size
            with stored.file.open("rb") as fh:
                assert data == fh.read()
    assert (manifest["app_id"], manifest["version"]) == (w.mp.app_id, number)
    assert manifest["package_sha256"] == version.package_sha256 == hashlib.sha256(GOOD).hexdigest()
    assert manifest["package_size"] == len(GOOD)
    assert manifest["created_at"].endswith("Z")
    assert [(a["kind"], a["root"]) for a in manifest["artifacts"]] == [
        ("complete", ""),
        ("main", ""),
        ("subpackage", "packageA/"),
        ("index", ""),
    ]
    return manifest


# --- what is downloaded ---------------------------------------------------------------------


def test_an_online_version_downloads_as_app_id_underscore_version_apkg(world):
    response = api_as(world, "owner").get(api_url(world, "1.2.0"))

    assert_is_the_offline_package(world, response, "1.2.0")


def test_the_console_serves_the_same_file(world):
    response = console_as(world, "reviewer").get(page_url(world, "1.2.0"))

    assert_is_the_offline_package(world, response, "1.2.0")


def test_deciding_reads_only_the_online_versions(world, django_assert_num_queries):
    version = selectors.version_get(miniprogram=world.mp, number="1.2.0")  # artifacts prefetched

    with django_assert_num_queries(1):
        package = offline_package_get(miniprogram=world.mp, version=version)

    assert package.filename == f"{world.mp.app_id}_1.2.0.apkg"
    assert len(package.entries) == 4


def test_the_package_is_written_block_by_block(world, monkeypatch):
    monkeypatch.setattr(offline, "CHUNK", 64)
    package = offline_package_get(miniprogram=world.mp, version=world.online)

    chunks = list(offline_package_stream(package))

    biggest = max(a.size for a in world.online.artifacts.all())
    assert len(chunks) > biggest // 64  # every block is sent as it is read
    # A block, with an entry header or data descriptor; the first chunk also has the manifest,
    # the last the central directory.
    assert max(len(c) for c in chunks[1:-1]) <= 64 + 200
    assert all(chunks)
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as apkg:
        assert apkg.testzip() is None


def test_a_damaged_stored_file_stops_the_stream_before_the_zip_is_complete(world):
    complete = world.online.artifacts.get(kind=Artifact.Kind.COMPLETE)
    with complete.file.open("rb") as fh:
        data = bytearray(fh.read())
    data[-1] ^= 0xFF
    with complete.file.storage.open(complete.file.name, "wb") as fh:
        fh.write(bytes(data))
    package = offline_package_get(miniprogram=world.mp, version=world.online)
    sent = bytearray()

    with pytest.raises(OSError, match=r"complete\.zip of version \d+ is damaged"):
        for chunk in offline_package_stream(package):
            sent += chunk

    assert sent  # the first bytes had gone out: the client is left with a truncated zip
    assert b"manifest.json" in sent and "manifest.json" not in listed(bytes(sent))


def listed(data: bytes) -> list[str]:
    """What a zip reader finds (the .apkg's own directory never went out: at most the inner
    zip's, whose end is the last thing sent)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except zipfile.BadZipFile:
        return []


# --- when it is refused ---------------------------------------------------------------------


def refusal(response) -> str:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "conflict" and error["request_id"]
    return error["message"]


def test_a_version_not_online_anywhere_is_refused_naming_what_is_online(world):
    [approved] = release_submit(
        actor=world.owner, version=world.later, host_app_ids=[world.app.pk], environment=Env.TEST
    )
    assert approved.state == Release.State.APPROVED  # approved is not online

    message = refusal(api_as(world, "owner").get(api_url(world, "1.3.0")))

    assert message == (
        "Version 1.3.0 is not online in any host app: only a version that is online somewhere "
        "has an offline package. Online now: 1.2.0."
    )


def test_an_archived_version_is_refused_and_a_rolled_back_one_is_online_again(world):
    publish(world.owner, world.later, world.app, Env.SANDBOX)  # archives 1.2.0 there
    client = api_as(world, "owner")

    assert "Version 1.2.0 is not online" in refusal(client.get(api_url(world, "1.2.0")))
    assert client.get(api_url(world, "1.3.0")).status_code == 200

    target = ReleaseTarget.objects.get(miniprogram=world.mp, environment=Env.SANDBOX)
    release_rollback(actor=world.owner, target_id=target.pk)

    assert_is_the_offline_package(world, client.get(api_url(world, "1.2.0")), "1.2.0")
    assert "Version 1.3.0 is not online" in refusal(client.get(api_url(world, "1.3.0")))


def test_nothing_online_says_so(world, django_capture_on_commit_callbacks):
    fresh = create_miniprogram(world.owner, name="Fresh Shop", host_app_ids=[world.app.pk])
    upload_version(world.owner, fresh, "0.1.0", GOOD, django_capture_on_commit_callbacks)
    url = f"/api/v1/workspaces/acme/miniprograms/{fresh.app_id}/versions/0.1.0/offline-package"

    message = refusal(api_as(world, "owner").get(url))

    assert message.endswith("Nothing of this mini program is online yet.")


def test_an_off_shelf_mini_program_is_refused_with_the_reason(world):
    miniprogram_set_shelf(
        actor=world.owner, miniprogram=world.mp, on_shelf=False, reason="Licence expired"
    )
    world.mp.refresh_from_db()
    _allowed, reason = miniprogram_can_publish(world.mp)

    message = refusal(api_as(world, "owner").get(api_url(world, "1.2.0")))

    assert message == f"{reason} An off-shelf mini program has no offline package."
    assert message.startswith("The mini program is off shelf")


def test_the_console_sends_a_refusal_back_to_the_version_page(world):
    response = console_as(world, "developer").get(page_url(world, "1.3.0"))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "releases:version", args=["acme", world.mp.app_id, "1.3.0"]
    )
    [message] = list(get_messages(response.wsgi_request))
    assert str(message).startswith("Version 1.3.0 is not online in any host app")


def test_an_unknown_version_is_a_404(world):
    assert api_as(world, "owner").get(api_url(world, "9.9.9")).status_code == 404
    assert console_as(world, "owner").get(page_url(world, "9.9.9")).status_code == 404


# --- who may download it: as for the version's package -------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_api_role_matrix(world, who):
    response = api_as(world, who).get(api_url(world, "1.2.0"))

    if who in READERS:
        assert_is_the_offline_package(world, response, "1.2.0")
    else:
        expected = 401 if who == "anonymous" else 404  # never "exists but not yours"
        assert response.status_code == expected
        assert response.json()["error"]["request_id"]


@pytest.mark.parametrize("who", WHO)
def test_console_role_matrix(world, who):
    response = console_as(world, who).get(page_url(world, "1.2.0"))

    if who in READERS:
        assert_is_the_offline_package(world, response, "1.2.0")
    elif who == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 404


def test_the_schema_documents_the_download_and_the_409(client, tmp_path):
    from workspaces.tests.routes import openapi_schema

    schema = openapi_schema(tmp_path, client)
    path = (
        "/api/v1/workspaces/{workspace_slug}/miniprograms/{app_id}/versions/{number}"
        "/offline-package"
    )
    operation = schema["paths"][path]["get"]

    assert set(operation["responses"]) == {"200", "401", "403", "404", "409"}
    assert "application/zip" in operation["responses"]["200"]["content"]
    assert operation["tags"] == ["versions"]


def test_the_version_page_offers_the_offline_package_only_where_it_can_be_had(world):
    client = console_as(world, "developer")

    def version_page(number: str) -> str:
        url = reverse("releases:version", args=["acme", world.mp.app_id, number])
        return client.get(url).content.decode()

    online = version_page("1.2.0")
    assert f'href="{page_url(world, "1.2.0")}"' in online
    assert f"{world.mp.app_id}_1.2.0.apkg" in online
    later = version_page("1.3.0")
    assert "data-offline-package" not in later  # not online anywhere: nothing to preset

    miniprogram_set_shelf(actor=world.owner, miniprogram=world.mp, on_shelf=False, reason="Audit")
    off_shelf = version_page("1.2.0")
    assert "refused while the mini program is off shelf" in off_shelf
    assert page_url(world, "1.2.0") not in off_shelf
