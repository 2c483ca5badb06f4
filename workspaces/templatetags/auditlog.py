"""Template filters of the audit log page (``{% load auditlog %}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from workspaces import auditlog

register = template.Library()


@register.filter
def keep_emails_whole(value: object) -> SafeString:
    """Escape ``value`` and keep each email address in it on one line."""
    return auditlog.keep_emails_whole("" if value is None else str(value))
