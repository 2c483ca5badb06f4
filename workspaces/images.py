"""Image validation by decoding (never by file name), shared by forms and API serializers.

Used for workspace logos and favicons, host-app icons and (later) mini-program logos.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# Refuse anything that decodes to more pixels than this: a decompression bomb stays a file.
MAX_PIXELS = 4096 * 4096

FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "ICO": "ICO", "GIF": "GIF", "WEBP": "WebP"}


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    size: int


def _human(n: int) -> str:
    # Rounded up: a file one byte over a 256 KB limit reads "257 KB", not "256 KB".
    return f"{-(-n // 1024)} KB" if n >= 1024 else f"{n} bytes"


def validate_image(
    upload,
    *,
    label: str,
    max_bytes: int,
    formats: frozenset[str] = frozenset({"PNG", "JPEG"}),
    square: bool = False,
    min_side: int = 16,
    max_side: int = 4096,
) -> ImageInfo:
    """Decode ``upload`` with Pillow and check format, byte size, dimensions and squareness.

    Raises ``ValidationError`` with a message that names ``label`` and the rule broken.
    Leaves the file position at 0 so the caller can store it.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > max_bytes:
        raise ValidationError(
            f"{label} is {_human(size)}; the limit is {_human(max_bytes)}.", code="too_large"
        )
    allowed = " or ".join(FORMAT_NAMES.get(f, f) for f in sorted(formats))
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format or ""
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        f"{label} is {width}×{height} pixels: too large to process.",
                        code="too_many_pixels",
                    )
                image.verify()  # reads the whole stream: catches truncated files
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()  # verify() misses some truncations that a full decode finds
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            f"{label} decodes to too many pixels (a decompression bomb?).", code="bomb"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            f"{label} is not a readable image: upload a {allowed} file.", code="invalid_image"
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in formats:
        shown = FORMAT_NAMES.get(image_format, image_format or "unknown")
        raise ValidationError(
            f"{label} is a {shown} image; it must be {allowed}.", code="wrong_format"
        )
    if square and width != height:
        raise ValidationError(
            f"{label} must be square (1:1); this one is {width}×{height}.", code="not_square"
        )
    if min(width, height) < min_side or max(width, height) > max_side:
        raise ValidationError(
            f"{label} must be between {min_side} and {max_side} pixels on each side; "
            f"this one is {width}×{height}.",
            code="bad_dimensions",
        )
    return ImageInfo(format=image_format, width=width, height=height, size=size)
