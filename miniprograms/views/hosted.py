"""A tenant's "From developers" list: the merchant mini programs that target its host apps.

Read-only: each row opens the mini program at the tenant's own URL
(``/w/<tenant>/miniprograms/<app_id>/``), where ``MiniProgramMixin`` shows it with a read-only
banner. Owners, Admins and Reviewers of a tenant (the roles that see mini programs) read it; a
developer workspace has no such list (404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from console.paging import paginate
from miniprograms.forms import HostedFilterForm
from miniprograms.selectors import hosted_developer_workspaces, miniprogram_hosted_list
from miniprograms.services.host_apps import host_apps_available
from workspaces import authz
from workspaces.authz import Cap
from workspaces.mixins import WorkspaceMixin
from workspaces.models import Membership


def reads_hosted(member: Membership) -> bool:
    """Whether the "From developers" tab is offered to ``member`` (a tenant's, whose role sees
    mini programs): the same condition as the list's selector."""
    return member.workspace.is_tenant and authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM)


class HostedListView(WorkspaceMixin, TemplateView):
    """The merchant mini programs targeting the tenant's host apps, newest first, filtered by
    search, status, host app and developer workspace; paginated."""

    template_name = "miniprograms/hosted_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.workspace.is_tenant:  # before the role: nothing to ask an admin for
            raise Http404("Only a tenant workspace hosts mini programs.")
        # A tenant's Developer sees only the mini programs assigned to them: 403 naming the
        # roles that read this list.
        authz.require(self.membership, Cap.VIEW_MINIPROGRAM)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        host_apps = host_apps_available(workspace=self.workspace)
        filters = HostedFilterForm(
            self.request.GET,
            host_apps=host_apps,
            developers=hosted_developer_workspaces(member=self.membership),
        )
        values = filters.values()
        page = paginate(miniprogram_hosted_list(member=self.membership, **values), self.request)
        context.update(
            filters=filters,
            is_filtered=any(values.values()),
            page_obj=page,
            miniprograms=list(page.object_list),
            has_host_apps=bool(host_apps),
            list_tab="hosted",
            hosted_tab=True,
        )
        return context
