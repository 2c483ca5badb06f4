"""The ``<semver:number>`` path converter: a version number ``MAJOR.MINOR.PATCH`` in URLs."""

from __future__ import annotations


class SemverConverter:
    regex = r"(?:0|[1-9][0-9]{0,5})\.(?:0|[1-9][0-9]{0,5})\.(?:0|[1-9][0-9]{0,5})"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
