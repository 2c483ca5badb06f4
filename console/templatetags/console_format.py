"""``{% load console_format %}``: the console's one way of writing quantities in templates."""

from __future__ import annotations

from django import template

from console import formats

register = template.Library()


@register.filter
def file_size(value: int | float | None) -> str:
    """``{{ version.package_size|file_size }}`` → ``812 B``, ``14.2 KB``, ``3.4 MB``."""
    return formats.file_size(value)
