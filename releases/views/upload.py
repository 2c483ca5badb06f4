"""Upload a version from the console: a drag-and-drop page that works as a plain form.

The body streams through :mod:`releases.package.uploads` exactly as in the API: the handler is
installed before anything reads the body, writes the package to a temporary file with its SHA-256
and size measured on the way, and stops reading when it reaches 100 MB, so nothing is stored.

Django's CSRF middleware reads a POST's form before the view runs, which would parse the body
through the default handlers first. So this view is exempt from the middleware and runs the same
check itself, once its handler is in place (as DRF does for a session). A body refused for its
size is answered before that check: nothing was kept, and its form (cut off by the refusal)
may not even carry the token.

With JavaScript the page posts the same form with ``XMLHttpRequest`` (to show a progress bar)
and ``Accept: application/json``: the answer is then ``{"url", "number", "warning"}`` (201) or
``{"errors": {field: [sentences]}}`` (400, or 413 for the size), and the script goes to ``url``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from releases import selectors
from releases.forms import UploadForm, refuse_package
from releases.models import LARGE_PACKAGE, Version
from releases.package import uploads
from releases.services import versions
from releases.services.versions import LARGE_WARNING, TOO_LARGE_MESSAGE
from releases.views.base import VersionsMixin
from releases.views.display.status import upload_outcome
from workspaces.authz import Cap


def _protected(request: HttpRequest) -> HttpResponse:
    return HttpResponse()  # stands for the view in the check below: it is not csrf_exempt


def _csrf_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """The CSRF middleware's own check (its 403 page), run by the view; ``None`` when it passes."""
    return CsrfViewMiddleware(_protected).process_view(request, _protected, (), {})


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class VersionUploadView(VersionsMixin, TemplateView):
    """Upload a version (DEVELOP on the mini program): package, version number, notes."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "releases/upload.html"
    upload: uploads.PackageUploadHandler | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            self.upload = uploads.install(request)  # before anything reads the body
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # Stored, refused or never read (404/403 first): no temporary file outlives this.
            if self.upload is not None:
                self.upload.discard()

    def _form(self, data=None, files=None) -> UploadForm:
        highest = selectors.version_floor_number(miniprogram=self.miniprogram)
        return UploadForm(data, files, highest=highest)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            upload_limit=versions.UPLOAD_LIMIT,
            large_package=LARGE_PACKAGE,
            too_large_message=TOO_LARGE_MESSAGE,
            large_warning=LARGE_WARNING,
            script_text={
                "uploading": gettext("Uploading… {loaded} of {total} · {speed} MB/s"),
                "storing": gettext("Uploaded {total}. Storing the package…"),
                "stored": gettext("Stored as version {number}. Opening it…"),
                "starting": gettext("Starting the upload…"),
                "button_busy": gettext("Uploading…"),
                "button": gettext("Upload version"),
                "one_problem": gettext("Nothing was uploaded. Please fix the problem below."),
                "problems": gettext("Nothing was uploaded. Please fix the {count} problems below."),
                "failed": gettext("The upload failed ({status}). Try again."),
                "lost": gettext(
                    "The connection was lost during the upload. Nothing was stored; try again."
                ),
            },
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        assert self.upload is not None
        request.POST  # noqa: B018 - parsing the body is what streams the package
        if self.upload.too_large:
            form = refuse_package(self._form(request.POST, {}), TOO_LARGE_MESSAGE)
            return self._invalid(form, status=413)
        refused = _csrf_refusal(request)
        if refused is not None:
            return refused
        form = self._form(request.POST, request.FILES)
        received = self.upload.received
        if form.is_valid() and received is not None:
            try:
                version = versions.version_upload(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    number=form.cleaned_data["version"],
                    notes=form.cleaned_data["notes"],
                    package=received.file,
                    size=received.size,
                    sha256=received.sha256,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return self._uploaded(version)
        return self._invalid(form)

    def _uploaded(self, version: Version) -> HttpResponse:
        # The scan may already have finished (a worker in this process, or a fast one): the
        # message tells the outcome the version page will show, never "being scanned" above
        # "Scan failed".
        version.refresh_from_db(fields=["status", "updated_at"])
        level, text = upload_outcome(version)
        messages.add_message(self.request, level, text)
        if version.is_large:
            messages.warning(self.request, LARGE_WARNING)
        url = reverse(
            "releases:version", args=[self.workspace.slug, self.miniprogram.app_id, version.number]
        )
        if _wants_json(self.request):
            body = {
                "url": url,
                "number": version.number,
                "warning": LARGE_WARNING if version.is_large else None,
            }
            return JsonResponse(body, status=201)
        return redirect(url)

    def _invalid(self, form: UploadForm, *, status: int = 400) -> HttpResponse:
        if _wants_json(self.request):
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            return JsonResponse({"errors": errors}, status=status)
        # A re-rendered form is a page like any other (200), unless the body was refused.
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = status if status == 413 else 200
        return response
