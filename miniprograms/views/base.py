"""What every page about one mini program shares: resolve it, authorize, give the tabs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from miniprograms.access import access_miniprogram
from miniprograms.models import MiniProgram
from workspaces.authz import Cap, caps_for
from workspaces.mixins import WorkspaceMixin

PAGE_SIZE = 50


class _ResolveMiniProgram:
    """Runs after ``WorkspaceMixin.dispatch`` (MRO): the membership is known by then."""

    miniprogram_cap: Cap = Cap.VIEW_MINIPROGRAM
    miniprogram: MiniProgram
    mp_caps: frozenset[str]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        self.miniprogram = access_miniprogram(
            member=self.membership,  # type: ignore[attr-defined]
            app_id=kwargs["app_id"],
            cap=self.miniprogram_cap,
        )
        # What this member may do with this mini program (a Developer's grants included).
        self.mp_caps = caps_for(self.membership, self.miniprogram)  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class MiniProgramMixin(WorkspaceMixin, _ResolveMiniProgram):
    """A page under ``<appid:app_id>/``: ``self.miniprogram`` is visible to the member and they
    hold ``miniprogram_cap`` on it; templates get ``miniprogram``, ``mp_caps`` and ``tab``."""

    tab = "overview"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(miniprogram=self.miniprogram, mp_caps=self.mp_caps, tab=self.tab)
        return context
