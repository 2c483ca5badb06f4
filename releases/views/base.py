"""What every version page shares: resolve the mini program, authorize, find the version."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from miniprograms.access import access_miniprogram
from miniprograms.models import MiniProgram
from releases import selectors
from releases.models import Version
from workspaces.authz import Cap, caps_for
from workspaces.mixins import WorkspaceMixin

PAGE_SIZE = 50


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
        self.mp_caps = caps_for(self.membership, self.miniprogram)  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class VersionsMixin(WorkspaceMixin, _ResolveMiniProgram):
    """A page under ``<appid:app_id>/versions/`` or ``…/trial/``: ``self.miniprogram`` is
    visible to the member, who holds ``miniprogram_cap`` on it. Templates get ``miniprogram``,
    ``mp_caps``, ``tab`` (for the mini program's tabs) and ``can_develop``."""

    tab = "versions"

    @property
    def can_develop(self) -> bool:
        return Cap.DEVELOP_MINIPROGRAM.value in self.mp_caps

    def get_version(self, number: str) -> Version:
        """A version of this mini program by number, with its jobs and artifacts (404 if
        it has none by that number)."""
        version = selectors.version_get(miniprogram=self.miniprogram, number=number)
        if version is None:
            raise Http404("This mini program has no such version.")
        return version

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            miniprogram=self.miniprogram,
            mp_caps=self.mp_caps,
            tab=self.tab,
            can_develop=self.can_develop,
        )
        return context
