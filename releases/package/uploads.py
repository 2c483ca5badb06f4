"""Streaming package uploads: the request body goes to a temporary file as it arrives.

Django's default upload handlers keep a file under ``FILE_UPLOAD_MAX_MEMORY_SIZE`` in memory and
spool larger ones to disk without looking at them. The upload endpoint installs
:class:`PackageUploadHandler` instead (before the body is read), which:

* refuses a body whose ``Content-Length`` is already ≥ the limit plus
  :data:`MULTIPART_ALLOWANCE` (the other form fields, boundaries and part headers) without
  reading a byte of it;
* writes the ``package`` part in chunks to a ``NamedTemporaryFile`` under
  ``FILE_UPLOAD_TEMP_DIR``, computing its SHA-256 and size on the way, so the service does not
  read the file again and the web process never holds the package in memory;
* stops reading the stream as soon as the package reaches the limit (100 MB,
  ``releases.services.versions.UPLOAD_LIMIT``), deletes what it wrote, and lets the view
  answer 413 with the product's sentence;
* ignores any other file part (skipped, never stored).

Files are not subject to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (only plain form fields are, and they
are small here), and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` only steers the default handlers, which this
endpoint does not use: a 95 MB package streams whatever those settings are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions

from releases.services import versions

FIELD = "package"
MULTIPART_ALLOWANCE = 64 * 1024  # bytes of a request besides the package (fields, boundaries)
CHUNK = 256 * 1024  # read size: a few hundred KB in memory at a time, few Python-level loops


class PackageTooLarge(exceptions.APIException):
    """413: the body reached the upload limit (decided from the stream, not after storing)."""

    status_code = 413
    default_code = "package_too_large"
    default_detail = versions.TOO_LARGE_MESSAGE


@dataclass(frozen=True)
class ReceivedPackage:
    file: TemporaryUploadedFile
    size: int
    sha256: str


class PackageUploadHandler(FileUploadHandler):
    """See the module docstring. One instance per request; :meth:`discard` is always safe."""

    chunk_size = CHUNK

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.too_large = False
        self.received: ReceivedPackage | None = None
        # Not ``self.file``: Django's parser closes a handler's ``file`` when it skips another
        # part, which would delete a package already received.
        self._temp: TemporaryUploadedFile | None = None
        self._digest = hashlib.sha256()
        self._size = 0

    @staticmethod
    def limit() -> int:
        return versions.UPLOAD_LIMIT  # read at call time: tests lower it

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length >= self.limit() + MULTIPART_ALLOWANCE:
            self.too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()  # nothing is read
        return None

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if field_name != FIELD or self._temp is not None or self.received is not None:
            raise SkipFile  # another part, or a second package: read past it, keep nothing
        if content_length is not None and content_length >= self.limit():
            self._refuse()  # the part announced its size
        # Our own name: the client's only shapes the temporary file's suffix, and is not kept.
        self._temp = TemporaryUploadedFile("package.zip", content_type, 0, self.charset)
        self._digest, self._size = hashlib.sha256(), 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._temp is None:
            return None
        self._size += len(raw_data)
        if self._size >= self.limit():
            self._refuse()
        self._digest.update(raw_data)
        self._temp.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> TemporaryUploadedFile | None:
        temp, self._temp = self._temp, None
        if temp is None:
            return None
        temp.seek(0)
        temp.size = self._size
        self.received = ReceivedPackage(file=temp, size=self._size, sha256=self._digest.hexdigest())
        return temp

    def upload_interrupted(self) -> None:
        self._close_temp()

    def _refuse(self) -> None:
        self.too_large = True
        self._close_temp()
        raise StopUpload(connection_reset=True)  # stop reading; do not drain the rest

    def _close_temp(self) -> None:
        temp, self._temp = self._temp, None
        if temp is not None:
            temp.close()  # a NamedTemporaryFile is deleted when closed

    def discard(self) -> None:
        """Delete the temporary file (received or not); the service has copied or moved it."""
        self._close_temp()
        if self.received is not None:
            self.received.file.close()


def install(request: HttpRequest) -> PackageUploadHandler:
    """Make ``request`` stream its body through a new handler; call before the body is read
    (in DRF: ``initialize_request``, before authentication, which may read a session's POST)."""
    handler = PackageUploadHandler(request)
    request.upload_handlers = [handler]
    return handler


def received_package(request, handler: PackageUploadHandler) -> ReceivedPackage | None:
    """Parse the body (through ``handler``) and return the package it streamed: ``None`` when
    none was sent; :class:`PackageTooLarge` when the stream reached the limit."""
    request.data  # noqa: B018 - parsing the multipart body is what streams the package
    if handler.too_large:
        raise PackageTooLarge()
    return handler.received
