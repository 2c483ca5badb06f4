"""The searchable industry field: a text input with the taxonomy's paths as suggestions."""

from __future__ import annotations

from collections.abc import Sequence

from miniprograms.selectors import IndustryGroup

INDUSTRY_DATALIST_ID = "industry-options"


def industry_options(groups: Sequence[IndustryGroup]) -> list[tuple[str, str]]:
    """``(label, code)`` per leaf, the label being its path ("Food & Beverage › Coffee & Tea"):
    the suggestions of the searchable industry field (an ``<input list>`` and ``<datalist>``)."""
    return [
        (f"{group.name} › {leaf.name}", leaf.code) for group in groups for leaf in group.children
    ]


def industry_code(value: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The leaf a person typed or picked: its path, its code, or its own name when only one
    leaf has it (case and spacing ignored); ``None`` when nothing matches."""
    wanted = " ".join((value or "").split()).casefold()
    if not wanted:
        return None
    by_leaf_name: dict[str, list[str]] = {}
    for label, code in options:
        if wanted in (label.casefold(), code.casefold()):
            return code
        by_leaf_name.setdefault(label.rsplit(" › ", 1)[-1].casefold(), []).append(code)
    matches = by_leaf_name.get(wanted, [])
    return matches[0] if len(matches) == 1 else None
