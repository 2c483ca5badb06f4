"""Image validation decodes the file: names and extensions are never trusted."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from workspaces.images import validate_image
from workspaces.tests.images import image_upload


def test_a_square_png_passes_and_reports_its_shape():
    info = validate_image(image_upload(size=(64, 64)), label="The logo", max_bytes=100_000)
    assert (info.format, info.width, info.height) == ("PNG", 64, 64)


def test_a_gif_renamed_to_png_is_refused_by_its_content():
    upload = image_upload(fmt="GIF", name="logo.png")
    with pytest.raises(ValidationError, match="is a GIF image; it must be JPEG or PNG"):
        validate_image(upload, label="The logo", max_bytes=100_000)


def test_a_truncated_file_is_refused():
    data = image_upload(size=(200, 200), fmt="JPEG").read()
    upload = SimpleUploadedFile("logo.jpg", data[: len(data) // 2])
    with pytest.raises(ValidationError, match="not a readable image"):
        validate_image(upload, label="The logo", max_bytes=100_000)


def test_text_is_not_an_image():
    upload = SimpleUploadedFile("logo.png", b"definitely not a png")
    with pytest.raises(ValidationError, match="not a readable image"):
        validate_image(upload, label="The logo", max_bytes=100_000)


def test_size_limit_is_in_bytes_and_named():
    upload = image_upload(size=(300, 300), noise=True)
    with pytest.raises(ValidationError, match="the limit is 1 KB"):
        validate_image(upload, label="The logo", max_bytes=1024)


def test_non_square_is_refused_when_square_is_required():
    with pytest.raises(ValidationError, match=r"must be square \(1:1\); this one is 120×100"):
        validate_image(
            image_upload(size=(120, 100)), label="The logo", max_bytes=10**6, square=True
        )


def test_decompression_bomb_is_refused_without_decoding_it():
    # A tiny PNG that claims 20000×20000 pixels: refused from its header.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue())
    assert upload.size < 200_000
    with pytest.raises(ValidationError, match=r"too (large to process|many pixels)"):
        validate_image(upload, label="The logo", max_bytes=10**6)
