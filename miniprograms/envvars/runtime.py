"""The runtime answer's ``env`` slot (see ``miniprograms.development.runtime``):
``(miniprogram_id, environment)`` → ``{"KEY": "value"}``, or ``None`` when that environment has
no variables."""

from __future__ import annotations

from collections.abc import Callable, Collection

from miniprograms.envvars.models import EnvironmentVariable

CHUNK = 500  # ids per query: a snapshot of thousands of mini programs stays under SQL limits

EnvOf = Callable[[int, str], "dict[str, str] | None"]


def index(*, miniprogram_ids: Collection[int]) -> EnvOf:
    """Read the variables of these mini programs (one query per ``CHUNK`` ids) and answer from
    memory. Equal sets share one dict (many mini programs carry the same few variables)."""
    ids = sorted(set(miniprogram_ids))
    grouped: dict[tuple[int, str], dict[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            EnvironmentVariable.objects.filter(miniprogram_id__in=ids[start : start + CHUNK])
            .order_by("miniprogram_id", "environment", "key")
            .values_list("miniprogram_id", "environment", "key", "value")
        )
        for miniprogram_id, environment, key, value in rows:
            grouped.setdefault((miniprogram_id, environment), {})[key] = value
    shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    table = {
        where: shared.setdefault(tuple(variables.items()), variables)
        for where, variables in grouped.items()
    }

    def env(miniprogram_id: int, environment: str) -> dict[str, str] | None:
        return table.get((miniprogram_id, environment))

    return env
