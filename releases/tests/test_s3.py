"""Packages and artifacts on S3: the storage the settings build from ``S3_*`` variables, against
a local S3-compatible server (moto's, started by the ``s3_bucket`` fixture), through the real
upload service and pipeline (tasks in-process). moto is a Python package: these always run.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from miniprograms.tests.factories import create_miniprogram
from releases.models import Artifact, PackageJob, Version
from releases.package.downloads import stored_file_response
from releases.services.versions import version_upload
from releases.tests.packages import DEFAULT_FILES, zip_bytes

MB = 1024 * 1024


@pytest.fixture
def sent_headers(s3_bucket) -> list[tuple[str, dict[str, str]]]:
    """(event name, headers) of every request the default storage sends to S3."""
    sent: list[tuple[str, dict[str, str]]] = []

    def record(request, event_name: str, **_kwargs) -> None:
        sent.append((event_name, {k.lower(): v for k, v in request.headers.items()}))

    default_storage.connection.meta.client.meta.events.register("before-send.s3", record)
    return sent


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our loopback
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_settings_configure_a_private_bucket_with_presigned_downloads(s3_bucket):
    """What console.settings.base builds from S3_BUCKET, S3_ENDPOINT_URL, S3_REGION and keys."""
    built = s3_bucket.storage_settings
    assert built["BACKEND"] == "console.storage.S3Storage"
    assert built["OPTIONS"] == {
        "bucket_name": "mpp-settings-probe",
        "endpoint_url": s3_bucket.endpoint_url,
        "region_name": "us-east-1",
        "access_key": "mpp-test-key",
        "secret_key": "mpp-test-secret",
        "default_acl": None,  # no ACL header: buckets with ACLs disabled refuse one
        "querystring_auth": True,
        "querystring_expire": 300,
        "signature_version": "s3v4",
        "file_overwrite": False,
        "max_memory_size": 8 * MB,
    }


def test_a_version_round_trips_through_s3(
    s3_bucket, sent_headers, owner, django_capture_on_commit_callbacks
):
    mp = create_miniprogram(owner)
    data = zip_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        version = version_upload(
            actor=owner,
            miniprogram=mp,
            number="1.0.0",
            package=ContentFile(data, name="pkg.zip"),
        )

    version.refresh_from_db()
    assert version.status == Version.Status.READY
    assert set(version.jobs.values_list("kind", "state")) == {
        (kind, PackageJob.State.SUCCEEDED) for kind in ("scan", "build", "quality")
    }
    artifacts = list(Artifact.objects.filter(version=version))
    assert len(artifacts) == 4
    # Everything is in the bucket, under generated keys, and nothing else is.
    assert s3_bucket.keys() == {
        mp.logo.name,
        version.package.name,
        *(a.file.name for a in artifacts),
    }
    package = s3_bucket.read(version.package.name)
    assert package == data
    assert (len(package), _sha256(package)) == (version.package_size, version.package_sha256)
    for artifact in artifacts:
        stored = s3_bucket.read(artifact.file.name)
        assert (len(stored), _sha256(stored)) == (artifact.size, artifact.sha256)
    complete = next(a for a in artifacts if a.kind == "complete")
    with zipfile.ZipFile(io.BytesIO(s3_bucket.read(complete.file.name))) as archive:
        assert set(archive.namelist()) == set(DEFAULT_FILES)
        assert archive.testzip() is None
    # No request carried an ACL (the bucket is private by its own policy).
    puts = [headers for event, headers in sent_headers if event.endswith(".PutObject")]
    assert len(puts) == 6  # the logo, the package and the four artifacts
    assert not [h for _event, h in sent_headers if "x-amz-acl" in h]


def test_stored_files_are_private_and_downloads_are_presigned_for_five_minutes(
    s3_bucket, owner, django_capture_on_commit_callbacks
):
    mp = create_miniprogram(owner)
    data = zip_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        version = version_upload(
            actor=owner, miniprogram=mp, number="1.0.0", package=ContentFile(data, name="p.zip")
        )
    index = Artifact.objects.get(version=version, kind="index")

    status, _body, _headers = _get(f"{s3_bucket.endpoint_url}/{s3_bucket.name}/{index.file.name}")
    assert status == 403  # not readable without a signature

    url = index.file.url
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    status, body, _headers = _get(url)
    assert status == 200
    assert _sha256(body) == index.sha256

    response = stored_file_response(
        None, version.package, filename="coffee-1.0.0.zip", sha256=version.package_sha256
    )
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    status, body, headers = _get(response["Location"])
    assert status == 200
    assert body == data
    assert headers["Content-Disposition"] == 'attachment; filename="coffee-1.0.0.zip"'


def test_a_big_object_is_uploaded_in_parts_and_spools_to_disk_when_opened(s3_bucket, sent_headers):
    """A package is never held whole in memory: multipart upload with two 8 MB parts in memory
    at most (boto3 reads ten ahead by default), and the reader spools to disk."""
    config = default_storage.transfer_config
    assert (config.multipart_chunksize, config.max_request_concurrency) == (8 * MB, 2)
    assert config.max_in_memory_upload_chunks == 2
    data = os.urandom(9 * MB)
    key = default_storage.save("packages/probe/big.zip", ContentFile(data))

    events = [event.rsplit(".", 1)[-1] for event, _headers in sent_headers]
    assert "CreateMultipartUpload" in events and events.count("UploadPart") >= 2
    assert not [h for _event, h in sent_headers if "x-amz-acl" in h]
    with default_storage.open(key, "rb") as fh:
        assert _sha256(fh.read()) == _sha256(data)
        assert isinstance(fh.file, tempfile.SpooledTemporaryFile)
        assert fh.file._rolled  # on disk, not in memory
    # file_overwrite is off: the same name gets a new key instead of replacing the object.
    again = default_storage.save("packages/probe/big.zip", ContentFile(b"other"))
    assert again != key
    assert s3_bucket.read(key) == data
