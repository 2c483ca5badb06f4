"""The one view mixin for pages about one mini program, for this app and the apps above it
(releases' version pages, …): resolve it, authorize, give the tabs.

A tenant's member also reaches, at the same URLs, a merchant's mini program that targets one of
the tenant's host apps (``access_miniprogram_or_hosted``): read-only. Its ``mp_caps`` hold
reading only, so every write button disappears; every POST (and the GET of a form that changes
it) answers 403; a page with ``host_readable = False`` (the merchant's members and testers)
answers 404 as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from miniprograms.access import SAFE_METHODS, access_miniprogram_or_hosted, hosted_caps
from miniprograms.models import MiniProgram
from workspaces.authz import Cap, caps_for
from workspaces.mixins import WorkspaceMixin


class _ResolveMiniProgram:
    """Runs after ``WorkspaceMixin.dispatch`` (MRO): the membership is known by then.

    ``miniprogram_cap`` is needed for every method; ``post_cap`` (when set) for POST, so a page
    that everyone who sees the mini program reads can still refuse a Reviewer's POST with 403
    before the body is looked at. ``host_readable`` says whether the host tenant of a merchant's
    mini program may read this page at all (else 404).
    """

    miniprogram_cap: Cap = Cap.VIEW_MINIPROGRAM
    post_cap: Cap | None = None
    host_readable: bool = True
    miniprogram: MiniProgram
    mp_caps: frozenset[str]
    is_hosted: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        cap = self.miniprogram_cap
        if request.method == "POST" and self.post_cap is not None:
            cap = self.post_cap
        member = self.membership  # type: ignore[attr-defined]
        self.miniprogram, self.is_hosted = access_miniprogram_or_hosted(
            member=member,
            app_id=kwargs["app_id"],
            cap=cap,
            hosted=self.host_readable,
            writing=request.method not in SAFE_METHODS,
        )
        # What this member may do with this mini program (a Developer's grants included; a
        # host tenant's member: read it).
        if self.is_hosted:
            self.mp_caps = hosted_caps(member, self.miniprogram)
        else:
            self.mp_caps = caps_for(member, self.miniprogram)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class MiniProgramMixin(WorkspaceMixin, _ResolveMiniProgram):
    """A page under ``<appid:app_id>/``: ``self.miniprogram`` is visible to the member and they
    hold ``miniprogram_cap`` on it; templates get ``miniprogram``, ``mp_caps``, ``tab``,
    ``can_develop``, ``is_hosted`` and (when hosted) ``hosted_apps``, the names of the tenant's
    host apps it targets (the read-only banner)."""

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
            is_hosted=self.is_hosted,
        )
        if self.is_hosted:
            # Prefetched by the selector, and only the tenant's host apps.
            context["hosted_apps"] = [t.host_app.name for t in self.miniprogram.targets.all()]
        return context
