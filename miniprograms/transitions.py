"""Status tables of the miniprograms app, as data (STYLE.md §11 P1). No ORM calls here."""

from __future__ import annotations

from miniprograms.models import MiniProgram, MiniProgramHostApp
from workspaces.transitions import InvalidTransition as InvalidTransition  # one for all

Shelf = MiniProgram.Shelf
TargetStatus = MiniProgramHostApp.Status

# On/off shelf: either way, always with an audit row; a same-state request is a no-op.
SHELF_ALLOWED: dict[str, frozenset[str]] = {
    Shelf.ON: frozenset({Shelf.OFF}),
    Shelf.OFF: frozenset({Shelf.ON}),
}

# A mini program in one host app: taken offline (data kept) and released there again.
TARGET_ALLOWED: dict[str, frozenset[str]] = {
    TargetStatus.ACTIVE: frozenset({TargetStatus.OFFLINE}),
    TargetStatus.OFFLINE: frozenset({TargetStatus.ACTIVE}),
}
