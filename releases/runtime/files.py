"""Downloads for the SDK: artifacts by SHA-256 and released logos (issue 11).

The URLs are content addressed (the artifact's SHA-256; a digest of the logo's storage key), so
an answer is immutable: cached for a year by the SDK and any CDN. On S3 the route answers with a
presigned URL instead (the bytes never pass through the web process). Only files the snapshot
delivers — of versions online, under review, on trial or in grayscale — and released logos can
be fetched: the snapshot says which version a file belongs to (no query for an unknown one), and
one indexed query reads that file's storage name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from console.files import image_content_type
from miniprograms.models import MiniProgram
from releases.models import Artifact
from releases.package.downloads import PRESIGNED_SECONDS, _presigns
from releases.runtime.revision import runtime_snapshot
from releases.runtime.snapshot import file_key

IMMUTABLE = "public, max-age=31536000, immutable"


def _storage_of(model: type[Model], field: str) -> Any:
    return model._meta.get_field(field).storage  # type: ignore[union-attr]


def _serve(
    request: HttpRequest, storage: Any, name: str, *, content_type: str, etag: str
) -> HttpResponseBase:
    if _presigns(storage):
        response: HttpResponseBase = HttpResponseRedirect(
            storage.url(
                name,
                parameters={"ResponseContentType": content_type, "ResponseCacheControl": IMMUTABLE},
                expire=PRESIGNED_SECONDS,
            )
        )
        response["Cache-Control"] = "private, max-age=60"
        return response
    if request.META.get("HTTP_IF_NONE_MATCH", "").strip() == etag:
        response = HttpResponse(status=304)
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404("The file is missing from storage.") from exc
        response = FileResponse(handle, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def artifact(request: HttpRequest, sha256: str, suffix: str) -> HttpResponseBase:
    """``GET /runtime/v1/artifacts/<sha256>.<zip|json>``."""
    is_json = suffix == "json"
    version_id = runtime_snapshot().files.get(file_key(sha256, is_json))
    if version_id is None:  # unknown, or the suffix is not the file's kind
        raise Http404("No such artifact.")
    # The storage name: one look-up among that version's few files (by its foreign key index).
    name = (
        Artifact.objects.filter(version_id=version_id, sha256=sha256)
        .order_by()
        .values_list("file", flat=True)
        .first()
    )
    if not name:  # deleted since the snapshot was built
        raise Http404("No such artifact.")
    content_type = "application/json" if is_json else "application/zip"
    return _serve(
        request, _storage_of(Artifact, "file"), name, content_type=content_type, etag=f'"{sha256}"'
    )


def logo(request: HttpRequest, app_id: str, digest: str) -> HttpResponseBase:
    """``GET /runtime/v1/logos/<app_id>/<digest>``: a mini program's released logo."""
    name = runtime_snapshot().logos.get(f"{app_id}/{digest}")
    if name is None:
        raise Http404("No such logo.")
    storage = _storage_of(MiniProgram, "logo")
    content_type = "image/png"
    if not _presigns(storage):
        try:
            with storage.open(name, "rb") as handle:
                content_type = image_content_type(handle.read(8)) or ""
        except FileNotFoundError as exc:
            raise Http404("The logo is missing from storage.") from exc
        if not content_type:
            raise Http404("Not an image.")
    return _serve(request, storage, name, content_type=content_type, etag=f'"{digest}"')
