"""The runtime answer's ``env`` slot (see ``miniprograms.development.runtime``)."""

from __future__ import annotations

from collections.abc import Collection


def _nothing(miniprogram_id: int, environment: str) -> dict[str, str] | None:
    return None


def index(*, miniprogram_ids: Collection[int]):  # type: ignore[no-untyped-def]
    return _nothing
