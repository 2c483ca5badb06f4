"""``{% host_app_panels host_app as panels %}``: the sections upper apps add to a host app's
page (``workspaces.extensions.register_host_app_panel``)."""

from __future__ import annotations

from typing import Any

from django import template

from workspaces.extensions import HostAppPanel
from workspaces.extensions import host_app_panels as _panels

register = template.Library()


@register.simple_tag
def host_app_panels(host_app: Any) -> list[HostAppPanel]:
    return _panels(host_app=host_app)
