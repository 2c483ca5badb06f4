"""The ``<appid:app_id>`` path converter: a 16-digit App ID (the public id in every URL)."""

from __future__ import annotations


class AppIdConverter:
    regex = r"[1-9][0-9]{15}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
