"""The runtime answer's ``domains`` slot (see ``miniprograms.development.runtime``).

``index`` reads every row it needs in four bulk queries (the mini programs' kinds, their lists,
the restricted ones, the approved skips) and answers ``(miniprogram_id, host_app_id, version)``
from memory. Equal answers are the same dict object: every unrestricted mini program without
lists shares one, and each mini program's versions without their own configuration share the
global one's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from typing import Any

from miniprograms.domains.models import DomainConfig, DomainRestriction, DomainVerificationSkip
from miniprograms.domains.rules import answer, effective_lists
from miniprograms.domains.validators import TYPES
from miniprograms.models import MiniProgram

DomainsOf = Callable[[int, int, str], "dict[str, Any] | None"]

# Shared by every unrestricted mini program without lists, and every restricted one without.
ANY: dict[str, Any] = answer(lists={kind: [] for kind in TYPES}, unrestricted=True)
NONE_ALLOWED: dict[str, Any] = answer(lists={kind: [] for kind in TYPES}, unrestricted=False)


def index(*, miniprogram_ids: Collection[int]) -> DomainsOf:
    ids = list(miniprogram_ids)
    kinds = dict(MiniProgram.objects.filter(pk__in=ids).values_list("pk", "kind"))
    configs: dict[int, dict[str, dict[str, list[str]]]] = defaultdict(dict)
    for row in DomainConfig.objects.filter(miniprogram_id__in=ids):
        configs[row.miniprogram_id][row.version] = row.lists()
    restricted = set(
        DomainRestriction.objects.filter(miniprogram_id__in=ids).values_list(
            "miniprogram_id", flat=True
        )
    )
    skips = set(
        DomainVerificationSkip.objects.filter(miniprogram_id__in=ids).values_list(
            "miniprogram_id", "host_app_id"
        )
    )
    memo: dict[tuple[int, str, bool], dict[str, Any]] = {}

    def domains(miniprogram_id: int, host_app_id: int, version: str) -> dict[str, Any] | None:
        kind = kinds.get(miniprogram_id)
        if kind is None:
            return None  # not one of the indexed mini programs
        unrestricted = (kind == MiniProgram.Kind.TENANT and miniprogram_id not in restricted) or (
            miniprogram_id,
            host_app_id,
        ) in skips
        own = configs.get(miniprogram_id)
        if not own:
            return ANY if unrestricted else NONE_ALLOWED
        key = version if version in own else ""
        memo_key = (miniprogram_id, key, unrestricted)
        found = memo.get(memo_key)
        if found is None:
            lists, _ = effective_lists(own.get(""), own.get(key) if key else None)
            found = memo[memo_key] = answer(lists=lists, unrestricted=unrestricted)
        return found

    return domains
