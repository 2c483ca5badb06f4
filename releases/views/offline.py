"""A version's offline package, ``{app_id}_{number}.apkg`` (SPEC §10), from the console.

Who may download the version's package may download it (``miniprograms.view_miniprogram``:
Owner, Admins, Reviewers, assigned Developers). A version that is not online anywhere, or a mini
program off shelf, goes back to the version's page with the sentence saying why.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views import View

from releases.package.offline import (
    OfflinePackageRefused,
    offline_package_get,
    offline_package_response,
)
from releases.views.base import VersionsMixin


class OfflinePackageView(VersionsMixin, View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponseBase:
        version = self.get_version(number)
        try:
            package = offline_package_get(miniprogram=self.miniprogram, version=version)
        except OfflinePackageRefused as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(
                "releases:version", self.workspace.slug, self.miniprogram.app_id, version.number
            )
        return offline_package_response(package)
