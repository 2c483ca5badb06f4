"""The logo file of a mini program's draft: stored with the row, removed when the row is not
written after all, and an old file deleted only once the transaction commits."""

from __future__ import annotations

from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from miniprograms.models import MiniProgram


def logo_store(*, miniprogram: MiniProgram, logo: UploadedFile) -> None:
    """Put ``logo`` in storage as the draft's logo (the row is saved by the caller)."""
    miniprogram.logo.save(logo.name or "logo.png", logo, save=False)


def logo_discard(*, miniprogram: MiniProgram) -> None:
    """Remove the logo file just stored for ``miniprogram``: its row is not being written after
    all."""
    if miniprogram.logo.name:
        miniprogram.logo.storage.delete(miniprogram.logo.name)


def file_delete_on_commit(*, storage: Storage, name: str) -> None:
    """Delete a stored file once the transaction commits (never when it rolls back)."""
    transaction.on_commit(lambda: storage.delete(name))
