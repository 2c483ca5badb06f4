"""A mini program's small draft logo as list rows show it (``miniprograms/_logo.html``): its URL
and its markup. Shared by the mini program lists (``miniprograms.views.rows``) and the workspace
Analytics rows (``analytics.visit_rows``), which build their rows without templates."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString

from console.html import html_format


def draft_logo_url(mp: Any, url: str) -> str:
    """The draft logo of ``mp`` (a mini program, or a row with its ``logo`` and
    ``profile_updated_at``) under its Overview ``url``; "" without a logo."""
    return f"{url}logo/?v={int(mp.profile_updated_at.timestamp())}" if mp.logo else ""


def logo_html(logo_url: str, initial: str) -> SafeString:
    """``miniprograms/_logo.html`` (small, draft): the logo, or the name's initial."""
    if logo_url:
        return html_format(
            '<img class="thumb" src="{}" alt="" width="32" height="32" loading="lazy">', logo_url
        )
    return html_format(
        '<span class="thumb thumb-placeholder" aria-hidden="true">{}</span>', initial
    )
