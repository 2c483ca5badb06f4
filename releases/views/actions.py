"""Actions on one version: retry a failed scan, restart the quality review (DEVELOP).

Each is a POST that calls one service and goes back to the version's page with a message; a
refusal (``ValidationError``: the version is not in a state that allows it) becomes an error
message there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View

from releases.models import Version
from releases.services.versions import version_restart_quality, version_retry_scan
from releases.views.base import VersionsMixin
from workspaces.authz import Cap


class _VersionActionView(VersionsMixin, View):
    """A POST on one version; GET answers 405."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    success_message: Any = ""

    def act(self, version: Version) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponse:
        version = self.get_version(number)
        try:
            self.act(version)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.success_message % {"number": version.number})
        return redirect(
            "releases:version", self.workspace.slug, self.miniprogram.app_id, version.number
        )


class VersionRetryScanView(_VersionActionView):
    """Scan a version whose scan failed again (e.g. after the worker was lost)."""

    success_message = _("Version %(number)s is being scanned again.")

    def act(self, version: Version) -> None:
        version_retry_scan(actor=self.membership, version=version)


class VersionRestartQualityView(_VersionActionView):
    """Cancel a running quality review and start it again (it never blocks a release)."""

    success_message = _("The quality review of version %(number)s started again.")

    def act(self, version: Version) -> None:
        version_restart_quality(actor=self.membership, version=version)
