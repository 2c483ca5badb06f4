"""The upload progress bar, drawn on stderr.

On a terminal: ``[#####     ] 48% 12.0/25.0 MB 10.2 MB/s``, redrawn in place at most ten times
a second. Elsewhere (CI logs, pipes) only the closing summary line is written.
"""

from __future__ import annotations

import time
from typing import TextIO

MB = 1024 * 1024
WIDTH = 30


def format_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def render(sent: int, total: int, elapsed: float, width: int = WIDTH) -> str:
    """One frame: ``[#####     ] 48% 12.0/25.0 MB 10.2 MB/s``."""
    fraction = sent / total if total else 1.0
    filled = int(fraction * width)
    rate = sent / elapsed / MB if elapsed > 0 else 0.0
    return (
        f"[{'#' * filled}{' ' * (width - filled)}] {int(fraction * 100):3d}% "
        f"{sent / MB:.1f}/{total / MB:.1f} MB {rate:.1f} MB/s"
    )


class ProgressBar:
    def __init__(self, stream: TextIO, total: int, *, interactive: bool | None = None):
        self.stream = stream
        self.total = total
        self.interactive = stream.isatty() if interactive is None else interactive
        self.started = time.monotonic()
        self.sent_at: float | None = None  # when the last byte left
        self._drawn_at = 0.0
        self._last = ""

    def update(self, sent: int, total: int | None = None) -> None:
        now = time.monotonic()
        done = sent >= self.total
        if self.sent_at is not None:
            return
        if done:
            self.sent_at = now
        if not self.interactive or (not done and now - self._drawn_at < 0.1):
            return
        self._drawn_at = now
        frame = render(sent, self.total, now - self.started)
        self.stream.write("\r" + frame.ljust(len(self._last)) + ("\n" if done else ""))
        self.stream.flush()
        self._last = frame

    def finish(self, sent: int) -> None:
        """Close the bar (or, off a terminal, write the one summary line)."""
        self.update(sent)
        elapsed = (self.sent_at or time.monotonic()) - self.started
        rate = sent / elapsed / MB if elapsed > 0 else 0.0
        self.stream.write(f"Uploaded {format_size(sent)} in {elapsed:.1f} s ({rate:.1f} MB/s).\n")
        self.stream.flush()

    def abort(self) -> None:
        """The upload stopped midway: end the bar's line so the error starts on its own."""
        if self.interactive and self._last and self.sent_at is None:
            self.stream.write("\n")
            self.stream.flush()
