"""Helpers that build real image files for upload tests."""

from __future__ import annotations

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_upload(
    *, size=(128, 128), fmt="PNG", name="image.png", noise=False
) -> SimpleUploadedFile:
    """A real image file; ``noise=True`` makes it incompressible (for size-limit tests)."""
    buffer = io.BytesIO()
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (40, 90, 200))
    image.save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
