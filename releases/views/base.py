"""What every version page shares: the mini program pages' mixin, plus finding the version."""

from __future__ import annotations

from django.http import Http404

from miniprograms.mixins import MiniProgramMixin
from releases import selectors
from releases.models import Version


class VersionsMixin(MiniProgramMixin):
    """A page under ``<appid:app_id>/versions/`` or ``…/trial/``: ``self.miniprogram`` is
    visible to the member, who holds ``miniprogram_cap`` on it. Templates get ``miniprogram``,
    ``mp_caps``, ``tab`` (for the mini program's tabs) and ``can_develop``."""

    tab = "versions"

    def get_version(self, number: str) -> Version:
        """A version of this mini program by number, with its jobs and artifacts (404 if
        it has none by that number)."""
        version = selectors.version_get(miniprogram=self.miniprogram, number=number)
        if version is None:
            raise Http404("This mini program has no such version.")
        return version
