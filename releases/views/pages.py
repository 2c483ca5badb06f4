"""The Versions tab, one version's page (with its live status), the package diff, downloads.

Everyone who sees the mini program reads these (``miniprograms.view_miniprogram``: Owner,
Admins, Reviewers, assigned Developers); actions are offered to those with DEVELOP.
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.paging import paginate
from releases import selectors
from releases.forms import DiffForm
from releases.models import Artifact, Release, Version
from releases.package.downloads import JSON, ZIP, stored_file_response
from releases.release import selectors as release_selectors
from releases.services.versions import LARGE_WARNING
from releases.views.base import VersionsMixin
from releases.views.display.diff import file_rows, part_rows, signed_size
from releases.views.display.releases import (
    release_steps,
    version_badges,
    version_places,
)
from releases.views.display.report import finding_groups, size_chart
from releases.views.display.status import is_active, status_json, status_signature
from releases.views.display.table import version_row
from releases.views.display.timeline import audit_rows, person, timeline

DIFF_FILES_SHOWN = 300  # per group (added, removed, changed); the counts are always complete


class VersionListView(VersionsMixin, TemplateView):
    """The Versions tab: the development / in review / online strip, then every version."""

    template_name = "releases/versions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        versions = selectors.version_list_with_jobs(miniprogram=self.miniprogram)
        page = paginate(versions, self.request)
        rows = [version_row(v) for v in page.object_list]
        # Where each version of the page is online or in review: one query for all rows.
        current = release_selectors.release_current_by_version(versions=page.object_list)
        newest = rows[0] if rows and page.number == 1 else None
        if newest is None and page.paginator.count:
            latest = selectors.version_newest(miniprogram=self.miniprogram)
            newest = version_row(latest) if latest is not None else None
        context.update(
            page_obj=page,
            rows=rows,
            development=newest,
            trial=selectors.trial_get(miniprogram=self.miniprogram),
            any_scanning=any(row.step for row in rows),
            any_active=any(row.is_active for row in rows),
            table=[(row, version_badges(current.get(row.version.pk, []))) for row in rows],
            summary=release_selectors.release_summary(miniprogram=self.miniprogram),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class VersionDetailView(VersionsMixin, TemplateView):
    """One version: timeline, live pipeline progress, sizes, artifacts, quality, audit."""

    template_name = "releases/version.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.get_version(kwargs["number"])
        events = list(selectors.version_audit_list(version))
        steps = timeline(version, events)
        report = selectors.version_quality_report(version)
        releases = release_selectors.version_releases(version=version)
        is_ready = version.status == Version.Status.READY
        context.update(
            version=version,
            status_tone=version.status_tone,
            uploader=person(version.uploaded_by, gettext("a deleted account")),
            is_active=is_active(version),
            signature=status_signature(status_json(version)),
            steps=steps,
            quality_step=steps[-1],
            sizes=size_chart(version),
            artifacts=selectors.version_artifacts(version),
            report=report,
            groups=finding_groups(report) if report else [],
            audit_rows=audit_rows(events),
            large_warning=LARGE_WARNING,
            can_restart_quality=self.can_develop and version.status == Version.Status.READY,
            can_retry=self.can_develop and version.status == Version.Status.SCAN_FAILED,
            release_steps=release_steps(releases),
            places=version_places(releases),
            is_ready=is_ready,
            can_submit=self.can_develop and is_ready,
            # SPEC §10: only a version online somewhere has an offline package.
            is_online=any(r.state == Release.State.RELEASED for r in releases.releases),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class VersionStatusView(VersionsMixin, View):
    """``{status, active, jobs: [{kind, state, progress}]}``: what the version page polls every
    two seconds while a step is queued or running."""

    def get(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> JsonResponse:
        return JsonResponse(status_json(self.get_version(number)))


class VersionDiffView(VersionsMixin, TemplateView):
    """Files added, removed and changed since another version (the one before by default:
    ``selectors.version_diff_base``), and the size of each package part before and after."""

    template_name = "releases/diff.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.get_version(kwargs["number"])
        numbers = selectors.version_numbers(miniprogram=self.miniprogram)
        chosen = self.request.GET.get("against", "")
        # The select only shows the choice; which version that means (and which names are
        # refused) is the selector's rule, the same as the API's.
        form = DiffForm(initial={"against": chosen}, numbers=numbers, current=version.number)
        try:
            against = selectors.version_diff_base(version=version, against=chosen)
        except ValidationError as exc:
            context.update(version=version, against=None, form=form, refusal=" ".join(exc.messages))
            return context
        context.update(version=version, against=against, form=form)
        if against is None:
            return context
        try:
            diff = selectors.version_diff(old=against, new=version)
        except zipfile.BadZipFile:
            context["unreadable"] = True
            return context
        context.update(
            diff=diff,
            parts=part_rows(diff.parts),
            total_delta=signed_size(diff.total_delta),
            groups=[
                (key, label, file_rows(changes[:DIFF_FILES_SHOWN]), len(changes))
                for key, label, changes in (
                    ("added", gettext("Added"), diff.added),
                    ("removed", gettext("Removed"), diff.removed),
                    ("changed", gettext("Changed"), diff.changed),
                )
            ],
            files_shown=DIFF_FILES_SHOWN,
        )
        return context


# --- downloads: authorized, then streamed (or a presigned redirect on S3) -----------------------


class VersionPackageView(VersionsMixin, View):
    """The package as uploaded, as ``{app_id}_{number}.zip``."""

    def get(self, request: HttpRequest, *args: Any, number: str, **kwargs: Any) -> HttpResponseBase:
        version = self.get_version(number)
        return stored_file_response(
            request,
            version.package,
            filename=f"{self.miniprogram.app_id}_{version.number}.zip",
            sha256=version.package_sha256,
        )


class VersionArtifactView(VersionsMixin, View):
    """A built file: complete, main, a subpackage (``?root=packageA/``) or the index."""

    def get(
        self, request: HttpRequest, *args: Any, number: str, kind: str, **kwargs: Any
    ) -> HttpResponseBase:
        version = self.get_version(number)
        root = request.GET.get("root", "").strip()
        artifact = selectors.version_artifact_get(version=version, kind=kind, root=root)
        if artifact is None:
            raise Http404("This version has no such built file.")
        label = "_".join(p for p in (kind, artifact.root.strip("/").replace("/", "-")) if p)
        is_index = artifact.kind == Artifact.Kind.INDEX
        return stored_file_response(
            request,
            artifact.file,
            filename=f"{self.miniprogram.app_id}_{version.number}_{label}."
            + ("json" if is_index else "zip"),
            sha256=artifact.sha256,
            content_type=JSON if is_index else ZIP,
        )
