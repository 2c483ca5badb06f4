"""The streaming upload path: the handler alone, then through the API with a real token.

What matters here is what the web process does with the *body*: it goes to a temporary file in
``FILE_UPLOAD_TEMP_DIR`` (pointed at the test's own directory, so "nothing left behind" is
checked for real), hashed on the way; at the limit the handler stops reading — the bytes the
request stream gave out are counted — and nothing stays: no temporary file, no stored file, no
row. ``UPLOAD_LIMIT`` is lowered for the refusals instead of sending 100 MB.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from releases.models import Version, VersionFloor
from releases.package import uploads
from releases.services import versions
from releases.services.versions import LARGE_WARNING, TOO_LARGE_MESSAGE
from releases.tests.packages import with_files, zip_bytes
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import UserFactory

# Upload handlers put their temporary files in ``temp_dir`` (checked to stay empty).
pytestmark = pytest.mark.usefixtures("temp_dir")

KB = 1024
MB = 1024 * KB


def leftovers(temp_dir) -> list[str]:
    return sorted(os.listdir(temp_dir))


def stored_packages(settings) -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, "packages")
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


class CountingStream(io.BytesIO):
    """A request body that knows how many of its bytes were read (by any means)."""

    @property
    def consumed(self) -> int:
        return self.tell()


def multipart(fields: dict) -> tuple[bytes, dict[str, str]]:
    body = encode_multipart(BOUNDARY, fields)
    return body, {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}


def named(data: bytes, name: str = "app.zip") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def parse(body: bytes, meta: dict[str, str]):
    handler = uploads.PackageUploadHandler()
    stream = CountingStream(body)
    post, files = MultiPartParser(meta, stream, [handler]).parse()
    return handler, stream, post, files


# --- the handler ---------------------------------------------------------------------------------


def test_the_package_streams_to_a_temp_file_with_its_hash_and_size(temp_dir):
    data = zip_bytes(with_files({"assets/blob.bin": os.urandom(700 * KB)}))
    body, meta = multipart({"version": "1.0.0", "notes": "first", "package": named(data)})

    handler, stream, post, files = parse(body, meta)

    package = files["package"]
    assert isinstance(package, TemporaryUploadedFile)
    assert os.path.dirname(package.temporary_file_path()) == str(temp_dir)
    assert handler.received.size == package.size == len(data)
    assert handler.received.sha256 == hashlib.sha256(data).hexdigest()
    assert package.read() == data
    assert post["version"] == "1.0.0" and post["notes"] == "first"
    assert stream.consumed == len(body)
    handler.discard()
    assert leftovers(temp_dir) == []


def test_the_handler_stops_reading_as_soon_as_the_package_reaches_the_limit(temp_dir, monkeypatch):
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 512 * KB)
    monkeypatch.setattr(uploads, "MULTIPART_ALLOWANCE", 16 * MB)  # let the stream decide
    body, meta = multipart({"version": "1.0.0", "package": named(os.urandom(4 * MB))})

    handler, stream, _post, files = parse(body, meta)

    assert handler.too_large and handler.received is None
    assert "package" not in files
    # It read up to the limit plus at most one chunk in flight, not the 4 MB.
    assert 512 * KB <= stream.consumed <= 512 * KB + 2 * uploads.CHUNK
    assert leftovers(temp_dir) == []


def test_a_body_announced_over_the_limit_is_refused_without_reading_it(temp_dir, monkeypatch):
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 512 * KB)
    body, meta = multipart({"version": "1.0.0", "package": named(os.urandom(600 * KB))})

    handler, stream, _post, files = parse(body, meta)

    assert handler.too_large
    assert stream.consumed == 0
    assert not files and leftovers(temp_dir) == []


def test_exactly_the_limit_is_refused_and_one_byte_less_is_kept(temp_dir, monkeypatch):
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 256 * KB)

    at_limit, _, _, _ = parse(*multipart({"package": named(b"x" * (256 * KB))}))
    below, _, _, files = parse(*multipart({"package": named(b"x" * (256 * KB - 1))}))

    assert at_limit.too_large
    assert not below.too_large and files["package"].size == 256 * KB - 1
    below.discard()
    assert leftovers(temp_dir) == []


def test_other_file_parts_and_a_second_package_are_skipped(temp_dir):
    first, second = zip_bytes(), zip_bytes(with_files({"extra.js": b"1"}))
    body = encode_multipart(
        BOUNDARY,
        {"logo": named(b"GIF89a" * 100, "x.gif"), "package": [named(first), named(second)]},
    )
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}

    handler, _stream, _post, files = parse(body, meta)

    assert list(files) == ["package"] and files.getlist("package") == [handler.received.file]
    assert handler.received.sha256 == hashlib.sha256(first).hexdigest()
    assert len(leftovers(temp_dir)) == 1
    handler.discard()
    assert leftovers(temp_dir) == []


# --- through the API ---------------------------------------------------------------------------


@pytest.fixture
def bearer(owner) -> dict[str, str]:
    _token, raw = token_create(user=owner.user, name="CLI")
    return {"Authorization": f"Bearer {raw}"}


def url_of(mp) -> str:
    return f"/api/v1/workspaces/{mp.workspace.slug}/miniprograms/{mp.app_id}/versions"


def post_package(mp, headers, data: bytes, number: str = "1.0.0", client=None, **extra):
    client = client or APIClient()
    body = {"version": number, "notes": "", "package": named(data), **extra}
    return client.post(url_of(mp), body, format="multipart", headers=headers)


@pytest.mark.parametrize(
    ("allowance", "size", "read_at_most"),
    [
        pytest.param(16 * MB, 3 * MB, 1 * MB + 2 * uploads.CHUNK, id="stopped-mid-stream"),
        pytest.param(64 * KB, 3 * MB, 0, id="refused-from-content-length"),
    ],
)
def test_an_upload_reaching_the_limit_is_413_and_leaves_nothing(
    mp, bearer, settings, temp_dir, payload_counter, monkeypatch, allowance, size, read_at_most
):
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 1 * MB)
    monkeypatch.setattr(uploads, "MULTIPART_ALLOWANCE", allowance)

    response = post_package(mp, bearer, zip_bytes({"big.bin": os.urandom(size)}))

    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("package_too_large", TOO_LARGE_MESSAGE)
    assert payload_counter.consumed <= read_at_most < size
    assert not Version.objects.exists() and not VersionFloor.objects.exists()
    assert stored_packages(settings) == [] and leftovers(temp_dir) == []


def test_a_9_mb_package_streams_past_the_memory_settings_with_the_large_warning(
    mp, bearer, settings, temp_dir, monkeypatch, django_capture_on_commit_callbacks
):
    # Both are far below the package: neither applies to a streamed file part.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    data = zip_bytes(
        with_files({"assets/video.bin": os.urandom(9 * MB)}), compression=zipfile.ZIP_STORED
    )

    def reread(package):
        raise AssertionError("the service read the package again")

    monkeypatch.setattr(versions, "_sha256_and_size", reread)  # the handler measured it
    with django_capture_on_commit_callbacks(execute=True):
        response = post_package(mp, bearer, data, notes="Big assets")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["is_large"], body["warning"]) == (True, LARGE_WARNING)
    assert body["package_size"] == len(data)
    assert body["package_sha256"] == hashlib.sha256(data).hexdigest()
    version = Version.objects.get()
    assert version.status == Version.Status.READY
    with version.package.open("rb") as stored:
        assert stored.read() == data
    assert leftovers(temp_dir) == []


def test_a_session_upload_with_its_csrf_token_streams_through_the_same_handler(
    owner, mp, settings, temp_dir, payload_counter, monkeypatch
):
    """A session's CSRF check reads the form before the view: through the handler too."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    client.cookies["csrftoken"] = "a" * 32
    headers = {"X-CSRFToken": "a" * 32}
    data = zip_bytes()

    stored = client.post(url_of(mp), {"version": "1.0.0", "package": named(data)}, headers=headers)
    monkeypatch.setattr(versions, "UPLOAD_LIMIT", 256 * KB)
    monkeypatch.setattr(uploads, "MULTIPART_ALLOWANCE", 16 * MB)
    payload_counter.consumed = 0
    refused = client.post(
        url_of(mp), {"version": "2.0.0", "package": named(os.urandom(2 * MB))}, headers=headers
    )
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(owner.user)
    no_token = forged.post(url_of(mp), {"version": "3.0.0", "package": named(data)})

    assert stored.status_code == 201, stored.content
    assert stored.json()["package_sha256"] == hashlib.sha256(data).hexdigest()
    assert refused.status_code == 413
    assert payload_counter.consumed < 256 * KB + 2 * uploads.CHUNK
    assert no_token.status_code == 403
    assert list(Version.objects.values_list("number", flat=True)) == ["1.0.0"]
    assert len(stored_packages(settings)) == 1 and leftovers(temp_dir) == []


def test_an_outsider_streaming_a_body_gets_404_and_leaves_no_temp_file(mp, settings, temp_dir):
    stranger = UserFactory(email="stranger@else.test")
    workspace_create(owner=stranger, name="Elsewhere", kind="tenant")
    _token, raw = token_create(user=stranger, name="x")

    response = post_package(mp, {"Authorization": f"Bearer {raw}"}, zip_bytes())

    assert response.status_code == 404
    assert not Version.objects.exists()
    assert stored_packages(settings) == [] and leftovers(temp_dir) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"version": "1.0.0"},
            "package",
            "Choose the package to upload: a .zip of the mini program's code.",
        ),
        (
            {"version": "1.0.0", "package": named(b"", "empty.zip")},
            "package",
            "The package is empty.",
        ),
        (
            {"version": "1.0", "package": named(zip_bytes())},
            "version",
            "“1.0” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from 0 "
            "to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
        (
            {"package": named(zip_bytes())},
            "version",
            "“” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from 0 "
            "to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
        (
            {"version": "1.0.0", "notes": "n" * 1001, "package": named(zip_bytes())},
            "notes",
            "The notes are 1001 characters; keep them to 1000.",
        ),
    ],
)
def test_refused_uploads_say_why_in_the_services_words_and_leave_nothing(
    mp, bearer, settings, temp_dir, fields, field, message
):
    response = APIClient().post(url_of(mp), fields, format="multipart", headers=bearer)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {field: [message]}
    assert not Version.objects.exists()
    assert stored_packages(settings) == [] and leftovers(temp_dir) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"hello\n", id="six-bytes"),
        pytest.param(b"PK\x05\x06" + bytes(10), id="a-cut-end-record"),
        pytest.param(zip_bytes()[:-22], id="a-zip-without-its-end-record"),
        pytest.param(os.urandom(200 * KB), id="random-bytes"),
    ],
)
def test_a_file_that_is_not_a_zip_is_refused_without_taking_a_version_number(
    mp, bearer, settings, temp_dir, data
):
    response = post_package(mp, bearer, data, number="1.0.0")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"package": [versions.NOT_A_ZIP_MESSAGE]}
    assert not Version.objects.exists()
    assert not VersionFloor.objects.filter(has_any=True).exists()  # the floor is unchanged
    assert stored_packages(settings) == [] and leftovers(temp_dir) == []
    # Only a real zip consumes a number: 1.0.0 is still free.
    assert post_package(mp, bearer, zip_bytes(), number="1.0.0").status_code == 201


def test_the_zip_check_reads_only_the_end_of_the_file():
    class TailOnly(io.BytesIO):
        def read(self, size=-1, /):
            assert len(self.getbuffer()) - self.tell() <= 65_557, "read before the last 64 KB"
            return super().read(size)

    package = TailOnly(zip_bytes(with_files({"assets/blob.bin": os.urandom(300 * KB)})))

    assert versions.is_zip(package) is True
    assert package.tell() == 0  # rewound for the copy to storage


def test_the_upload_takes_multipart_only(mp, bearer):
    response = APIClient().post(
        url_of(mp), {"version": "1.0.0", "package": "UEsDBA=="}, format="json", headers=bearer
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_the_clients_file_name_is_neither_used_nor_a_problem(mp, bearer, temp_dir):
    hostile = "../../etc/" + "x" * 40 + "." + "z" * 300  # an extension longer than a file name

    response = post_package(mp, bearer, zip_bytes(), package=named(zip_bytes(), hostile))

    assert response.status_code == 201, response.content
    stored = Version.objects.get().package.name
    assert stored.startswith("packages/") and stored.endswith(".zip") and "x" not in stored
    assert leftovers(temp_dir) == []
