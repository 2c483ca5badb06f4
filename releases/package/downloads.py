"""Authorized downloads of stored packages and artifacts (STYLE.md §8: presigned or streamed).

The caller authorizes first (the API and the console both fetch the version through
``access_miniprogram``); this only answers with the file:

* on S3 (django-storages' ``S3Storage``), a 302 to a presigned URL valid five minutes, which
  carries the download file name, so the bytes never pass through the web process;
* otherwise, a ``FileResponse`` streaming the stored file in blocks (never read whole), as an
  attachment, with its SHA-256 as ``ETag`` (a matching ``If-None-Match`` answers 304) and
  ``nosniff`` so a browser never renders it.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

PRESIGNED_SECONDS = 300  # a presigned URL is valid 5 minutes: enough to start the download
ZIP = "application/zip"
JSON = "application/json"


def _presigns(storage: Storage) -> bool:
    # An S3Storage instance means its module is loaded; otherwise don't import boto3 for this.
    module = sys.modules.get("storages.backends.s3")
    return module is not None and isinstance(storage, module.S3Storage)


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


def _matches(request: HttpRequest | None, etag: str) -> bool:
    if request is None:
        return False
    sent = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "*") for tag in sent.split(",")) if sent else False


def stored_file_response(
    request: HttpRequest | None,
    stored: FieldFile,
    *,
    filename: str,
    sha256: str,
    content_type: str = ZIP,
) -> HttpResponseBase:
    """Answer with ``stored`` as the attachment ``filename`` (see the module docstring)."""
    storage: Any = stored.storage  # S3Storage.url takes parameters and expire
    name = str(stored.name)
    if _presigns(storage):
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
            },
            expire=PRESIGNED_SECONDS,
        )
        redirect = HttpResponseRedirect(url)
        redirect["Cache-Control"] = "private, no-store"  # the URL expires; never cache the hop
        return redirect
    etag = _etag(sha256)
    response: HttpResponseBase
    if _matches(request, etag):
        response = HttpResponse(status=304)
    else:
        response = FileResponse(
            storage.open(name, "rb"),
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response
