"""The shell: home redirect, the workspace dashboard and the error pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.generic import TemplateView

from analytics.alerts.selectors import alert_summary
from console.api import error_response
from miniprograms.selectors import miniprogram_visible
from releases.selectors import version_recent_for_member
from workspaces.authz import (
    Cap,
    CapabilityDenied,
    caps_for,
    has_cap,
    has_role_cap,
    role_label,
    roles_with,
)
from workspaces.mixins import WorkspaceMixin
from workspaces.selectors import (
    invitation_pending_exists,
    membership_admin_list,
    membership_list_for_user,
)
from workspaces.selectors_approvals import approval_oldest_in_review, approval_oldest_waiting


class HomeView(LoginRequiredMixin, TemplateView):
    """Send a signed-in user to their first workspace, or to create one.

    Someone with a pending invitation gets the "no workspace yet" page instead (it points them
    to the invitation email), so they do not create a stray workspace by mistake.
    """

    template_name = "console/no_workspace.html"

    def get(self, request, *args, **kwargs):
        first = membership_list_for_user(user=request.user).first()
        if first is not None:
            return redirect("console:dashboard", workspace_slug=first.workspace.slug)
        if not invitation_pending_exists(user=request.user):
            return redirect("onboarding:workspace-create")
        return super().get(request, *args, **kwargs)


class DashboardView(WorkspaceMixin, TemplateView):
    template_name = "console/dashboard.html"
    RECENT_MINIPROGRAMS = 5
    RECENT_VERSIONS = 5
    OLDEST_APPROVALS = 5

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = miniprogram_visible(member=self.membership).order_by("-created_at", "-id")
        recent = list(visible[: self.RECENT_MINIPROGRAMS])
        recent_versions, recent_version_count = version_recent_for_member(
            member=self.membership, limit=self.RECENT_VERSIONS
        )
        context.update(
            recent_miniprograms=recent,
            miniprogram_count=len(recent)
            if len(recent) < self.RECENT_MINIPROGRAMS
            else visible.count(),
            # Reviewers and Admins see all; a Developer only what is assigned to them.
            recent_versions=recent_versions,
            recent_version_count=recent_version_count,
            sees_all_miniprograms=has_role_cap(self.membership, Cap.VIEW_MINIPROGRAM),
        )
        # "My pending approvals": a decider's oldest requests waiting for them; everyone
        # else's workspace requests still in review (what they wait for).
        decides = has_cap(self.membership, Cap.DECIDE_APPROVALS)
        oldest = approval_oldest_waiting if decides else approval_oldest_in_review
        approvals, approval_count = oldest(member=self.membership, limit=self.OLDEST_APPROVALS)
        context.update(
            approvals_decides=decides, approvals=approvals, approval_count=approval_count
        )
        # "Alerts": firing now, and the newest of the last 24 hours (analytics/alerts).
        context["alert_summary"] = alert_summary(member=self.membership)
        return context


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception else ""
    if _wants_json(request):
        return error_response(
            status_code=403, message=message or "You do not have permission to do this."
        )
    context: dict[str, object] = {"message": message}
    if isinstance(exception, CapabilityDenied) and exception.workspace is not None:
        workspace = exception.workspace
        context.update(
            workspace=workspace,
            membership=exception.member,
            caps=caps_for(exception.member),  # the sidebar shows what this person may open
            needed_roles=[
                role_label(r, workspace.kind) for r in roles_with(exception.cap, workspace.kind)
            ],
            admins=list(membership_admin_list(workspace_id=workspace.pk)),
        )
    return render(request, "403.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused before any view: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (413 in the API), too many form fields, a bad ``Host``. The API answers in its error shape."""
    if not _wants_json(request):
        return defaults.bad_request(request, exception or Exception("Bad request"))
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return error_response(
            status_code=413, message=f"The request body is too large: send at most {limit} MB."
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return error_response(status_code=400, message="The request has too many fields.")
    return error_response(status_code=400, message="The request could not be read.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return error_response(status_code=404, message="Not found.")
    return render(request, "404.html", status=404)


class DevelopmentNotFoundMiddleware:
    """With DEBUG on (``make run``), answer a 404 with the product's page, as production does.

    Django's debug 404 lists every URL pattern and never shows what users see. Registered by the
    development settings only, outside ``CommonMiddleware`` so a missing trailing slash is still
    redirected. The debug 500 page (a traceback) is left alone: that one is useful locally.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No view matched the path: the response is Django's debug page (or a bare 404).
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view raised Http404 (an object that is not there or not yours).
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return error_response(
            status_code=500, code="server_error", message="Something went wrong on our side."
        )
    # No context processors beyond the request id: the failure may be in one of them.
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponse(
        template.render({"request_id": getattr(request, "request_id", "")}), status=500
    )
