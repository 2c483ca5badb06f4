"""File answers every app's pages share: stored images (logos, icons, favicons)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase

# Served content types come from the bytes, never from the stored name's suffix (the suffix
# is the uploader's): only the image formats our validators accept are served at all.
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
)


def image_content_type(head: bytes) -> str | None:
    """The content type of an image we serve, from its first bytes (``None``: not one)."""
    return next((ct for sig, ct in IMAGE_SIGNATURES if head.startswith(sig)), None)


def _image_headers(response: HttpResponseBase, *, cache_control: str) -> HttpResponseBase:
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def image_response(file: FieldFile) -> HttpResponseBase:
    """Stream a stored, validated image (works for any storage backend: local or S3)."""
    if not file.name:
        raise Http404("No image is stored.")
    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The image is missing from storage.") from exc
    head = handle.read(8)
    handle.seek(0)
    content_type = image_content_type(head)
    if content_type is None:
        handle.close()
        raise Http404("Not an image.")
    response = FileResponse(handle, content_type=content_type)
    return _image_headers(response, cache_control="private, max-age=300")


def image_bytes_response(data: bytes) -> HttpResponseBase:
    """An image held in memory (never cached: it is one person's, for a short while)."""
    content_type = image_content_type(data[:8])
    if content_type is None:
        raise Http404("Not an image.")
    response = HttpResponse(data, content_type=content_type)
    return _image_headers(response, cache_control="private, no-store")
