"""Uploading a version through the console page: the same streaming handler as the API.

The page posts a plain multipart form (no JavaScript) or, from its script, the same form with
``Accept: application/json``. Either way the body goes through ``releases.package.uploads``: the
package streams to a temporary file under ``FILE_UPLOAD_TEMP_DIR`` (the test's own directory,
checked to stay empty), a body reaching the limit is refused from the stream with the product's
sentence, and nothing is stored. ``UPLOAD_LIMIT`` is lowered instead of sending 100 MB.
"""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from miniprograms.services.members import miniprogram_developer_assign
from releases.models import Version, VersionFloor
from releases.package import uploads
from releases.serializers import MISSING_PACKAGE
from releases.services import versions
from releases.services.versions import LARGE_WARNING, TOO_LARGE_MESSAGE, version_upload
from releases.tests.packages import zip_bytes
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import MembershipFactory, UserFactory

# Upload handlers put their temporary files in ``temp_dir`` (checked to stay empty).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("temp_dir")]

KB = 1024
MB = 1024 * KB
GOOD = zip_bytes()
JSON = {"Accept": "application/json"}


def leftovers(temp_dir) -> list[str]:
    return sorted(os.listdir(temp_dir))


def stored_packages(settings) -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, "packages")
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def page_url(mp) -> str:
    return reverse("releases:upload", args=[mp.workspace.slug, mp.app_id])


def named(data: bytes, name: str = "my-app.zip") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def post(client, mp, data: bytes | None = GOOD, *, number="1.0.0", notes="", headers=None):
    body = {"version": number, "notes": notes}
    if data is not None:
        body["package"] = named(data)
    return client.post(page_url(mp), body, headers=headers or {})


def nothing_stored(settings, temp_dir, *, versions_before: int = 0) -> bool:
    return (
        Version.objects.count() == versions_before
        and len(stored_packages(settings)) == versions_before
        and leftovers(temp_dir) == []
    )


# --- the page ---------------------------------------------------------------------------------


def test_the_page_offers_the_next_number_and_names_the_rules(client, owner, mp):
    version_upload(
        actor=owner, miniprogram=mp, number="1.4.0", package=ContentFile(GOOD, name="p.zip")
    )
    client.force_login(owner.user)

    response = client.get(page_url(mp))

    form = response.context["form"]
    assert form["version"].value() == "1.4.1"
    assert "It must be greater than 1.4.0, the highest version ever uploaded" in (
        form.fields["version"].help_text
    )
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and "data-dropzone" in body
    assert f'data-limit="{versions.UPLOAD_LIMIT}"' in body
    assert "Under 100 MB; from 8 MB it is accepted with a warning." in body
    assert f"--app-id {mp.app_id}" in body and "/versions</pre>" in body
    assert response["Cache-Control"].startswith("max-age=0")


# --- a plain form post (no JavaScript) ---------------------------------------------------------


def test_a_good_package_is_stored_and_the_version_page_follows(
    client, owner, mp, settings, temp_dir, django_capture_on_commit_callbacks
):
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, mp, number="1.0.0", notes="First one")

    version = Version.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "releases:version", args=[mp.workspace.slug, mp.app_id, "1.0.0"]
    )
    assert (version.notes, version.uploaded_by) == ("First one", owner.user)
    assert version.package_sha256 == hashlib.sha256(GOOD).hexdigest()
    assert version.status == Version.Status.READY  # the pipeline ran on commit
    with version.package.open("rb") as stored:
        assert stored.read() == GOOD
    assert leftovers(temp_dir) == []
    page = client.get(response["Location"]).content.decode()
    assert "Version 1.0.0 is uploaded. Its package is being scanned and built." in page
    assert LARGE_WARNING not in page


def test_a_large_package_is_accepted_with_the_warning_after_upload(client, owner, mp, monkeypatch):
    monkeypatch.setattr("releases.models.LARGE_PACKAGE", 100)  # GOOD is a few hundred bytes
    client.force_login(owner.user)

    response = post(client, mp)

    page = client.get(response["Location"]).content.decode()
    assert Version.objects.get().is_large
    assert page.count(LARGE_WARNING) == 2  # the flash after the upload and the page's notice
    assert 'class="flash flash-warning"' in page


def test_a_number_not_greater_comes_back_on_its_field_naming_the_highest(
    client, owner, mp, settings, temp_dir
):
    version_upload(
        actor=owner, miniprogram=mp, number="1.1.0", package=ContentFile(GOOD, name="p.zip")
    )
    client.force_login(owner.user)

    response = post(client, mp, number="1.0.9", notes="Kept on error")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["version"] == [
        "Version 1.0.9 must be greater than 1.1.0, the highest version ever uploaded for this "
        "mini program; upload 1.1.1 or higher."
    ]
    body = response.content.decode()
    assert 'value="1.0.9"' in body and "Kept on error" in body  # the input is kept
    assert 'class="form-errors"' in body
    assert nothing_stored(settings, temp_dir, versions_before=1)


@pytest.mark.parametrize(
    ("number", "data", "field", "message"),
    [
        (
            "1.2",
            GOOD,
            "version",
            "“1.2” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from 0 "
            "to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
        ("1.0.0", None, "package", MISSING_PACKAGE),
        ("1.0.0", b"", "package", "The package is empty."),  # the service's words
        ("1.0.0", b"hello\n", "package", versions.NOT_A_ZIP_MESSAGE),
    ],
    ids=["malformed", "no-package", "empty", "not-a-zip"],
)
def test_refused_input_comes_back_on_its_field_and_nothing_is_stored(
    client, owner, mp, settings, temp_dir, number, data, field, message
):
    client.force_login(owner.user)

    response = post(client, mp, data, number=number)

    assert response.context["form"].errors[field] == [message]
    assert nothing_stored(settings, temp_dir)
    assert not VersionFloor.objects.filter(has_any=True).exists()  # no number was taken


@pytest.mark.parametrize(
    ("allowance", "read_at_most"),
    [
        pytest.param(16 * MB, 256 * KB + 2 * uploads.CHUNK, id="stopped-mid-stream"),
        pytest.param(64 * KB, 0, id="refused-from-content-length"),
    ],
)
def test_a_body_reaching_the_limit_is_refused_from_the_stream_with_the_sentence(
    client, owner, mp, settings, temp_dir, payload_counter, monkeypatch, allowance, read_at_most
):
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 256 * KB)
    monkeypatch.setattr(uploads, "MULTIPART_ALLOWANCE", allowance)
    client.force_login(owner.user)
    big = zip_bytes({"big.bin": os.urandom(2 * MB)})

    response = post(client, mp, big, number="1.0.0", notes="Too big")

    assert response.status_code == 413
    form = response.context["form"]
    assert dict(form.errors) == {"package": [TOO_LARGE_MESSAGE]}
    assert TOO_LARGE_MESSAGE in response.content.decode()
    assert payload_counter.consumed <= read_at_most < len(big)
    assert nothing_stored(settings, temp_dir) and not VersionFloor.objects.exists()


# --- the script's request: the same form, answered in JSON -------------------------------------


def test_the_scripts_upload_gets_the_version_url_and_the_warning(client, owner, mp, monkeypatch):
    monkeypatch.setattr("releases.models.LARGE_PACKAGE", 100)
    client.force_login(owner.user)

    response = post(client, mp, number="2.0.0", headers=JSON)

    assert response.status_code == 201
    assert response.json() == {
        "url": reverse("releases:version", args=[mp.workspace.slug, mp.app_id, "2.0.0"]),
        "number": "2.0.0",
        "warning": LARGE_WARNING,
    }
    # The messages wait for the version page the script opens next.
    page = client.get(response.json()["url"]).content.decode()
    assert "Version 2.0.0 is uploaded." in page


def test_the_scripts_refusals_are_json_by_field(client, owner, mp, settings, temp_dir, monkeypatch):
    version_upload(
        actor=owner, miniprogram=mp, number="3.0.0", package=ContentFile(GOOD, name="p.zip")
    )
    client.force_login(owner.user)

    not_greater = post(client, mp, number="2.0.0", headers=JSON)
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 256 * KB)
    monkeypatch.setattr(uploads, "MULTIPART_ALLOWANCE", 16 * MB)
    too_large = post(client, mp, os.urandom(MB), number="4.0.0", headers=JSON)

    assert not_greater.status_code == 400
    assert not_greater.json()["errors"]["version"][0].startswith(
        "Version 2.0.0 must be greater than 3.0.0"
    )
    assert too_large.status_code == 413
    assert too_large.json() == {"errors": {"package": [TOO_LARGE_MESSAGE]}}
    assert nothing_stored(settings, temp_dir, versions_before=1)


# --- who may upload, and CSRF ------------------------------------------------------------------


def test_csrf_is_checked_by_the_view_after_the_handler_is_in_place(owner, mp, settings, temp_dir):
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(owner.user)
    refused = post(forged, mp)

    honest = Client(enforce_csrf_checks=True)
    honest.force_login(owner.user)
    token = honest.get(page_url(mp)).context["csrf_token"]
    stored = honest.post(
        page_url(mp), {"csrfmiddlewaretoken": token, "version": "1.0.0", "package": named(GOOD)}
    )

    assert refused.status_code == 403
    assert stored.status_code == 302, stored.content[:500]
    assert list(Version.objects.values_list("number", flat=True)) == ["1.0.0"]
    assert len(stored_packages(settings)) == 1 and leftovers(temp_dir) == []


@pytest.mark.parametrize(
    ("who", "status"), [("reviewer", 403), ("unassigned", 404), ("outsider", 404)]
)
def test_those_who_may_not_upload_are_refused_before_the_body_is_read(
    client, owner, mp, settings, temp_dir, payload_counter, who, status
):
    if who == "outsider":
        stranger = UserFactory(email="stranger@else.test")
        workspace_create(owner=stranger, name="Elsewhere", kind="tenant")
        client.force_login(stranger)
    else:
        role = "reviewer" if who == "reviewer" else "developer"
        member = MembershipFactory(workspace=mp.workspace, role=role)
        client.force_login(member.user)

    response = post(client, mp)

    assert response.status_code == status
    assert payload_counter.consumed == 0
    assert nothing_stored(settings, temp_dir)


def test_an_assigned_developer_uploads(client, owner, mp):
    member = MembershipFactory(workspace=mp.workspace, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=member.user_id)
    client.force_login(member.user)

    assert post(client, mp, number="0.1.0").status_code == 302
    assert Version.objects.get().uploaded_by == member.user
