"""Reads of a mini program's AppSecret (its state, never the secret)."""

from __future__ import annotations

from miniprograms.models import MiniProgram
from miniprograms.secrets.models import AppSecret


def appsecret_get(*, miniprogram: MiniProgram) -> AppSecret:
    """The AppSecret row, or an unsaved one in the ``none`` state with the default settings
    (the page and the API show the same thing before anything was configured)."""
    found = (
        AppSecret.objects.select_related("generated_by", "frozen_by")
        .filter(miniprogram=miniprogram)
        .first()
    )
    return found or AppSecret(miniprogram=miniprogram)
