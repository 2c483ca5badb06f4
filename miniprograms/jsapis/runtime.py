"""The runtime answer's ``jsapis`` slot (see ``miniprograms.development.runtime``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def _nothing(miniprogram_id: int, host_app_id: int) -> dict[str, Any] | None:
    return None


def index(*, miniprogram_ids: Collection[int]):  # type: ignore[no-untyped-def]
    return _nothing
