"""The audience preview (issue 11): which version a described launch gets, and why.

It is :func:`releases.grayscale.targeting.choose` itself, given a read-only admission (A's
``grayscale_would_admit``: "is this user already in the cohort, or is there room?") instead of
the runtime's recording one. There is deliberately no other logic here, so the console's answer
and the runtime's answer cannot drift apart.
"""

from __future__ import annotations

from releases.grayscale.targeting import Admit, Candidate, Context, Decision, choose

__all__ = ["audience_preview"]


def audience_preview(candidate: Candidate, context: Context, *, would_admit: Admit) -> Decision:
    """The decision the runtime would take for ``context`` on ``candidate``, without admitting
    anybody (``would_admit`` must not write)."""
    return choose(candidate, context, admit=would_admit)
