"""One way of writing file sizes for the whole console (issue 9: small files showed "0.00 MB")."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from console.formats import file_size, signed_file_size


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (812, "812 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (14_540, "14.2 KB"),
        (140_000, "137 KB"),
        (1024 * 1024 - 1, "1 MB"),  # never "1,024 KB"
        (int(3.4 * 1024 * 1024), "3.4 MB"),
        (150 * 1024 * 1024, "150 MB"),
    ],
)
def test_file_size_is_bytes_then_kilobytes_then_megabytes(size, text):
    assert file_size(size) == text


def test_signed_sizes_and_the_template_filter():
    assert (signed_file_size(0), signed_file_size(-300), signed_file_size(1300)) == (
        "0 B",
        "−300 B",
        "+1.3 KB",
    )
    rendered = Template("{% load console_format %}{{ n|file_size }}").render(Context({"n": 812}))
    assert rendered == "812 B"
