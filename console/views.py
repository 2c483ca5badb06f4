"""The shell: home redirect, the workspace dashboard and the error pages."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from console.api import error_response
from miniprograms.selectors import miniprogram_visible
from releases.selectors import version_recent_for_member
from workspaces.authz import (
    Cap,
    CapabilityDenied,
    caps_for,
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


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return error_response(status_code=404, message="Not found.")
    return render(request, "404.html", status=404)


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
