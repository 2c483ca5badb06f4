"""Developer workspaces a tenant creates for its merchants (tenant workspaces only).

Like host apps, these pages answer 404 in a developer workspace (see ``TenantPageMixin``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from workspaces.authz import Cap
from workspaces.forms.settings import DeveloperWorkspaceForm
from workspaces.mixins import TenantPageMixin
from workspaces.selectors import developer_workspace_list
from workspaces.services.developer_workspaces import developer_workspace_create


class DeveloperWorkspaceListView(TenantPageMixin, TemplateView):
    required_cap = Cap.MANAGE_DEVELOPER_WORKSPACES
    template_name = "workspaces/developer_workspaces/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(developer_workspace_list(tenant=self.workspace), self.request)
        context.update(page_obj=page, developer_workspaces=list(page.object_list))
        return context


class DeveloperWorkspaceCreateView(TenantPageMixin, TemplateView):
    required_cap = Cap.MANAGE_DEVELOPER_WORKSPACES
    template_name = "workspaces/developer_workspaces/form.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=DeveloperWorkspaceForm()))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = DeveloperWorkspaceForm(request.POST)
        if form.is_valid():
            try:
                workspace, invitation = developer_workspace_create(
                    actor=self.membership,
                    name=form.cleaned_data["name"],
                    owner_name=form.cleaned_data["owner_name"],
                    owner_email=form.cleaned_data["owner_email"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Created %(workspace)s and invited %(owner)s to own it.")
                    % {"workspace": workspace.name, "owner": invitation.email},
                )
                return redirect("workspaces:developer-workspaces", self.workspace.slug)
        return self.render_to_response(self.get_context_data(form=form))
