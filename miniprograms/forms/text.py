"""What every profile text field shares: line breaks counted once, and the live counters."""

from __future__ import annotations

from django import forms

from miniprograms import validators


def normalize_newlines(value: str) -> str:
    """Browsers send a textarea's line breaks as CRLF; store and count them as one character."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


# (field, counting, min, max): the live counters under the text fields (miniprograms.js).
COUNTERS = (
    ("name", "width", validators.NAME_MIN_UNITS, validators.NAME_MAX_UNITS),
    ("tagline", "chars", validators.TAGLINE_MIN, validators.TAGLINE_MAX),
    ("description", "chars", validators.DESCRIPTION_MIN, validators.DESCRIPTION_MAX),
)


def add_counters(form: forms.Form) -> None:
    """Mark the name, tagline and description inputs for the live counter script."""
    for field, counting, low, high in COUNTERS:
        if field in form.fields:
            form.fields[field].widget.attrs.update(
                {"data-counter": counting, "data-min": low, "data-max": high}
            )
