"""The one view mixin for pages about one mini program, for this app and the apps above it
(releases' version pages, …): resolve it, authorize, give the tabs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from miniprograms.access import access_miniprogram
from miniprograms.models import MiniProgram
from workspaces.authz import Cap, caps_for
from workspaces.mixins import WorkspaceMixin


class _ResolveMiniProgram:
    """Runs after ``WorkspaceMixin.dispatch`` (MRO): the membership is known by then.

    ``miniprogram_cap`` is needed for every method; ``post_cap`` (when set) for POST, so a page
    that everyone who sees the mini program reads can still refuse a Reviewer's POST with 403
    before the body is looked at.
    """

    miniprogram_cap: Cap = Cap.VIEW_MINIPROGRAM
    post_cap: Cap | None = None
    miniprogram: MiniProgram
    mp_caps: frozenset[str]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        cap = self.miniprogram_cap
        if request.method == "POST" and self.post_cap is not None:
            cap = self.post_cap
        self.miniprogram = access_miniprogram(
            member=self.membership,  # type: ignore[attr-defined]
            app_id=kwargs["app_id"],
            cap=cap,
        )
        # What this member may do with this mini program (a Developer's grants included).
        self.mp_caps = caps_for(self.membership, self.miniprogram)  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class MiniProgramMixin(WorkspaceMixin, _ResolveMiniProgram):
    """A page under ``<appid:app_id>/``: ``self.miniprogram`` is visible to the member and they
    hold ``miniprogram_cap`` on it; templates get ``miniprogram``, ``mp_caps``, ``tab`` and
    ``can_develop``."""

    tab = "overview"

    @property
    def can_develop(self) -> bool:
        return Cap.DEVELOP_MINIPROGRAM.value in self.mp_caps

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            miniprogram=self.miniprogram,
            mp_caps=self.mp_caps,
            tab=self.tab,
            can_develop=self.can_develop,
        )
        return context
