"""What the domain lists mean: the effective lists of a version, and whether a mini program is
restricted to them. Pure functions of rows already read, shared by the page, the API and the
runtime index, so the three can never disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from miniprograms.domains.validators import TYPES, WILDCARD

EMPTY: Mapping[str, Sequence[str]] = MappingProxyType(dict.fromkeys(TYPES, ()))


def effective_lists(
    global_lists: Mapping[str, Sequence[str]] | None,
    version_lists: Mapping[str, Sequence[str]] | None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The lists a version uses, and where each comes from (``"version"``, ``"global"`` or
    ``""`` for none): a list set in the version's own configuration wins; an empty one there
    falls back to the global list."""
    lists: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    for kind in TYPES:
        own = list((version_lists or EMPTY).get(kind) or ())
        shared = list((global_lists or EMPTY).get(kind) or ())
        if own:
            lists[kind], sources[kind] = own, "version"
        else:
            lists[kind], sources[kind] = shared, "global" if shared else ""
    return lists, sources


def is_wildcard(lists: Mapping[str, Sequence[str]]) -> bool:
    """Does every list hold the wildcard ``.*`` (everything allowed)?"""
    return all(list(lists.get(kind) or ()) == [WILDCARD] for kind in TYPES)


def answer(*, lists: Mapping[str, Sequence[str]], unrestricted: bool) -> dict[str, Any]:
    """The runtime answer's ``domains`` slot for these effective lists."""
    return {"any": unrestricted or is_wildcard(lists), **{k: list(lists[k]) for k in TYPES}}
